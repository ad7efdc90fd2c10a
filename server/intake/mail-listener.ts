/**
 * The built-in mail intake (seed "envoi par mail"): an SMTP listener on loopback that accepts mail
 * only for the configured address and puts every zip attachment through the one intake path
 * (channel `mail`). Packages are verified like any other: unsigned, wrongly signed or unknown-till
 * packages are refused, logged, and kept in the inbox's quarantine/. The SMTP answer tells the
 * sender: 250 when at least one package was taken, 554 with the reason when none was.
 *
 * Loopback only: the shop's mail provider (or a local relay / fetchmail) delivers to it; it is not
 * meant to face the Internet (no TLS, no auth).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type Attachment } from 'mailparser';
import { intakePackage, type IntakeContext, type PackageOutcome } from './intake.ts';
import { safeFileName, saveToQuarantine } from './quarantine.ts';
import { SerialQueue } from './serial-queue.ts';
import { logEvent } from '../log-book.ts';

export interface MailListenerOptions {
  port: number;
  /** Only RCPT TO this address is accepted (case-insensitive). */
  mailTo: string;
  inbox: string;
  host?: string;
  /** Largest message accepted (bytes). */
  maxBytes?: number;
  onMail?: (e: { from: string; outcomes: PackageOutcome[] }) => void;
}

export interface MailListener {
  port: number;
  idle(): Promise<void>;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function isZip(a: Attachment): boolean {
  return /\.zip$/i.test(a.filename ?? '') || /^application\/(zip|x-zip|x-zip-compressed)$/i.test(a.contentType ?? '');
}

export async function startMailListener(ctx: IntakeContext, opts: MailListenerOptions): Promise<MailListener> {
  const want = opts.mailTo.trim().toLowerCase();
  const queue = new SerialQueue();
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;

  const handle = async (raw: Buffer, from: string): Promise<{ ok: boolean; text: string }> => {
    const parsed = await simpleParser(raw);
    const zips = parsed.attachments.filter(isZip);
    if (zips.length === 0) {
      await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'mail', message: `mail from ${from || 'unknown sender'} ("${parsed.subject ?? ''}") carries no zip attachment: ignored` });
      return { ok: false, text: 'no ticket package (.zip) attached' };
    }
    const outcomes: PackageOutcome[] = [];
    for (const a of zips) {
      const fileName = safeFileName(a.filename, 'mail-attachment.zip');
      const o = await intakePackage(ctx, { bytes: a.content, fileName, channel: 'mail', refusedStatus: 'quarantined' });
      if (o.status === 'refused') saveToQuarantine(opts.inbox, fileName, a.content, { reason: o.reason, message: `${o.message} (mail from ${from || 'unknown sender'})`, hint: o.hint, channel: 'mail' }, ctx.data);
      outcomes.push(o);
    }
    opts.onMail?.({ from, outcomes });
    const refused = outcomes.filter((o): o is Extract<PackageOutcome, { status: 'refused' }> => o.status === 'refused');
    if (refused.length === outcomes.length) return { ok: false, text: `package refused: ${refused.map((o) => `${o.fileName} (${o.reason})`).join(', ')}` };
    return { ok: true, text: `${outcomes.length - refused.length} package(s) taken${refused.length ? `, ${refused.length} refused` : ''}` };
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: maxBytes,
    banner: 'tillsync store server mail intake',
    onRcptTo(address, _session, callback) {
      if (address.address.trim().toLowerCase() !== want) return callback(smtpError(550, `mailbox ${address.address} unavailable here (only ${opts.mailTo})`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e) => callback(e));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(smtpError(552, `message over the ${maxBytes}-byte limit`));
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        queue
          .run(() => handle(Buffer.concat(chunks), from))
          .then(
            (r) => (r.ok ? callback(null, r.text) : callback(smtpError(554, r.text))),
            async (e) => {
              await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'mail', message: `mail from ${from}: could not be processed: ${(e as Error).message}` }).catch(() => undefined);
              callback(smtpError(451, 'temporary failure, try again later'));
            },
          );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => {
    void logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'mail', message: `SMTP listener: ${(e as Error).message}` }).catch(() => undefined);
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    idle: () => queue.idle(),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.idle();
    },
  };
}
