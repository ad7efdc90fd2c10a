/**
 * The built-in mail intake (seed "envoi par mail"): an SMTP listener on loopback that accepts mail
 * only for the configured address and puts every zip attachment through the one intake path
 * (channel `mail`). Packages are verified like any other: unsigned, wrongly signed or unknown-till
 * packages are refused, logged, and kept in the inbox's quarantine/. The SMTP answer tells the
 * sender: 250 when at least one package was taken, 554 with the reason when none was.
 *
 * Loopback only: the shop's mail provider (or a local relay / fetchmail) delivers to it; it is not
 * meant to face the Internet (no TLS, no auth). Still, anyone who can reach it is held to limits
 * (mail-limits.ts): a size per message (SIZE extension, and counted while streaming: nothing past
 * the limit is kept in memory), a rate per sender and per source address (450: try later), an
 * optional sender allowlist (550), and a quota on the junk it may leave in quarantine/
 * (quarantine-quota.ts). Every refusal goes to the log book, at most one line a minute per
 * sender or address and kind, with the count of those held back.
 */
import type { AddressInfo } from 'node:net';
import type { Attachment } from 'mailparser';
import { intakePackage, type IntakeContext, type PackageOutcome } from './intake.ts';
import { safeFileName, saveToQuarantine } from './quarantine.ts';
import { enforceMailQuarantineQuota, isJunkReason } from './quarantine-quota.ts';
import { DEFAULT_MAIL_LIMITS, LogGate, RateWindow, senderAllowed, type MailLimits } from './mail-limits.ts';
import { SerialQueue } from './serial-queue.ts';
import { logEvent } from '../log-book.ts';

export interface MailListenerOptions {
  port: number;
  /** Only RCPT TO this address is accepted (case-insensitive). */
  mailTo: string;
  inbox: string;
  host?: string;
  /** Size, rates, allowlist and quarantine quota (default: DEFAULT_MAIL_LIMITS). */
  limits?: Partial<MailLimits>;
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
  // Loaded here, not with the module: `server start` without --smtp-port never needs them.
  const [{ SMTPServer }, { simpleParser }] = await Promise.all([import('smtp-server'), import('mailparser')]);
  const want = opts.mailTo.trim().toLowerCase();
  const queue = new SerialQueue();
  const limits: MailLimits = { ...DEFAULT_MAIL_LIMITS, ...opts.limits };
  const maxBytes = limits.maxBytes;
  const bySender = new RateWindow(limits.senderPerMinute);
  const byAddress = new RateWindow(limits.addressPerMinute);
  const gate = new LogGate();
  /** A refusal for the log book, rate-limited per kind and key. */
  const refusal = (kind: string, key: string, message: string) => {
    const held = gate.pass(`${kind}|${key}`);
    if (held === null) return;
    void logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'mail', message: `${message}${held ? ` (+${held} more refused in the last minute)` : ''}` }).catch(() => undefined);
  };

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
      if (o.status === 'refused') {
        saveToQuarantine(opts.inbox, fileName, a.content, { reason: o.reason, message: `${o.message} (mail from ${from || 'unknown sender'})`, hint: o.hint, channel: 'mail', junk: isJunkReason(o.reason) }, ctx.data);
        const quota = enforceMailQuarantineQuota(opts.inbox, { maxBytes: limits.quarantineMaxBytes, maxFiles: limits.quarantineMaxFiles });
        if (quota.dropped.length) {
          await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'mail', message: `quarantine quota: dropped ${quota.dropped.length} junk mail attachment(s) (${quota.droppedBytes} bytes), oldest first: ${quota.dropped.map((f) => f.split(/[\\/]/).pop()).join(', ')}` });
        }
        if (quota.overWithGenuine) refusal('quota', 'genuine', `quarantine quota for mail exceeded by genuine packages only: nothing dropped, reprocess or clear ${opts.inbox}/quarantine`);
      }
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
    onMailFrom(address, session, callback) {
      const from = (address.address || '').trim().toLowerCase();
      const ip = session.remoteAddress || '?';
      if (!senderAllowed(limits, from)) {
        refusal('sender', from, `mail from ${from || '<>'} (${ip}) refused: sender not in mail.allowFrom`);
        return callback(smtpError(550, `sender ${from || '<>'} not allowed here`));
      }
      // Both windows count the attempt; the sender's is checked first so a flood from one
      // sender does not use up the relay's allowance for everyone else.
      if (!bySender.take(from || '<>')) {
        refusal('rate-sender', from, `mail from ${from || '<>'} (${ip}) deferred: over ${limits.senderPerMinute} mails a minute from this sender`);
        return callback(smtpError(450, `too many mails from ${from || '<>'}: try again later`));
      }
      if (!byAddress.take(ip)) {
        refusal('rate-address', ip, `mail from ${from || '<>'} (${ip}) deferred: over ${limits.addressPerMinute} mails a minute from this address`);
        return callback(smtpError(450, 'too many mails from your address: try again later'));
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address.trim().toLowerCase() !== want) return callback(smtpError(550, `mailbox ${address.address} unavailable here (only ${opts.mailTo})`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        // Past the limit nothing more is kept: the rest of the DATA is read and dropped.
        if (bytes <= maxBytes) chunks.push(c);
      });
      stream.on('error', (e) => callback(e));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        if (bytes > maxBytes || (stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          chunks.length = 0;
          refusal('size', from, `mail from ${from || '<>'} (${session.remoteAddress}) refused: ${bytes} bytes, over the ${maxBytes}-byte limit (nothing kept)`);
          return callback(smtpError(552, `message over the ${maxBytes}-byte limit`));
        }
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
