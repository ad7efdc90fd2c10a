/**
 * Sends a package as a mail attachment (the seed's "envoi par mail"), for sites whose only link to
 * the server is mail. The subject names store, till and file so a person can triage the mailbox.
 */
import { basename } from 'node:path';
import { TillsyncError } from '../errors.ts';
import { MAX_COMPRESSION_RATIO, MAX_ENTRY_BYTES } from '../package-format.ts';
import { inspectSignedZip } from '../signed-zip.ts';
import { readSource } from './lan-folder.ts';
import type { PackageTransport, SendResult } from './transport.ts';

export interface MailTransportOptions {
  to: string[];
  /** smtp://host:port, smtps://user:pass@host:465 … (nodemailer connection URL). */
  smtpUrl: string;
  from?: string;
  /**
   * The body lines, for attachments that are not ticket packages (base bundles go the other way:
   * they are applied at the till, not taken in at the server).
   */
  body?: (fileName: string) => string[];
}

export class MailTransport implements PackageTransport {
  readonly channel = 'mail' as const;

  constructor(private readonly opts: MailTransportOptions) {
    if (!opts.to.length) throw new TillsyncError('no-recipient', 'no mail recipient given', { hint: 'give at least one --mail ADDRESS' });
    if (!/^smtps?:\/\//i.test(opts.smtpUrl)) throw new TillsyncError('bad-url', `"${opts.smtpUrl}" is not an SMTP URL`, { hint: 'give the mail server like smtp://mail.example.com:25 or smtps://user:pass@host:465' });
  }

  async send(filePath: string): Promise<SendResult> {
    const bytes = await readSource(filePath);
    const fileName = basename(filePath);
    const who = signerOf(bytes, fileName);
    const subject = `[tillsync] ${who ? `${who.store} till ${who.till} ` : ''}${fileName}`;
    const text = [
      ...(this.opts.body?.(fileName) ?? [
        who ? `Package ${fileName} from store ${who.store}, till ${who.till}${who.count !== undefined ? `: ${who.count} tickets` : ''}.` : `File ${fileName}.`,
        'Sent by tillsync. Drop the attachment into the server inbox folder, or run: tillsync server intake FILE',
      ]),
      '',
    ].join('\n');
    // Loaded on the first mail: every till command builds a TillService, few of them send mail.
    const { default: nodemailer } = await import('nodemailer');
    const transporter = nodemailer.createTransport(this.opts.smtpUrl);
    try {
      const info = await transporter.sendMail({
        from: this.opts.from ?? `tillsync${who ? `-${who.store}-${who.till}` : ''}@localhost`,
        to: this.opts.to,
        subject,
        text,
        attachments: [{ filename: fileName, content: bytes, contentType: 'application/zip' }],
      });
      return { channel: 'mail', target: this.opts.to.join(', '), detail: { messageId: info.messageId, accepted: info.accepted, rejected: info.rejected } };
    } catch (e) {
      const err = e as { code?: string; responseCode?: number; response?: string; message?: string };
      const smtpHost = safeHost(this.opts.smtpUrl);
      const why = err.code === 'ECONNECTION' || err.code === 'ESOCKET' ? `cannot reach mail server ${smtpHost}` : err.response ? `mail server ${smtpHost} answered ${err.response}` : (err.message ?? String(e));
      throw new TillsyncError('mail-failed', `cannot mail ${fileName}: ${why.replace(/\s+/g, ' ')}`, {
        hint: 'check --smtp (host, port, user) and the recipients, or send over the LAN',
        ref: { file: fileName },
        status: 502,
        cause: e,
      });
    } finally {
      transporter.close();
    }
  }
}

/** Store/till claimed by a signed zip's manifest (unverified: only used to name the mail). */
function signerOf(bytes: Buffer, fileName: string): { store: string; till: string; count?: number } | null {
  try {
    const m = inspectSignedZip(bytes, fileName, { allowedEntries: 'any', maxEntryBytes: MAX_ENTRY_BYTES, maxRatio: MAX_COMPRESSION_RATIO });
    if (typeof m.store === 'string' && typeof m.till === 'string') return { store: m.store, till: m.till, count: typeof m.count === 'number' ? m.count : undefined };
  } catch {
    // Not a signed zip: mail it anyway, named by its file name only.
  }
  return null;
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return 'in --smtp';
  }
}
