/**
 * The SMTP listener under a junk flood, over real SMTP on loopback (nodemailer as the sender, a
 * raw socket where a client ignores the SIZE extension): oversized mails refused without being
 * kept, a sender over its rate deferred, a sender outside the allowlist refused, junk in
 * quarantine held to its quota (oldest dropped first, a genuine refused package never), each
 * refusal in the log book — and a genuine package mailed in the middle of it still taken.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { enrolSigningTill } from '../../test/support/signing-till.ts';
import { startMailListener, type MailListener } from './mail-listener.ts';
import { saveToQuarantine, inboxFolders, REASON_SUFFIX } from './quarantine.ts';
import type { MailLimits } from './mail-limits.ts';

const MAIL_TO = 'tickets@shop.test';
let t: TestDb | null = null;
let listener: MailListener | null = null;

afterEach(async () => {
  await listener?.close();
  listener = null;
  await t?.cleanup();
  t = null;
});

async function setup(limits: Partial<MailLimits>) {
  t = await openTestDb('sqlite');
  const inbox = join(t.data, 'inbox');
  const { signer } = await enrolSigningTill(t.db, t.data, 'S1', '01');
  listener = await startMailListener({ db: t.db, data: t.data }, { port: 0, mailTo: MAIL_TO, inbox, limits });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true } as Parameters<typeof nodemailer.createTransport>[0]);
  const send = (from: string, attachments: { filename: string; content: Buffer }[]) => transport.sendMail({ from, to: MAIL_TO, subject: 'package', text: 'see attachment', attachments });
  return { inbox, signer, send };
}

async function mailLog(): Promise<string[]> {
  return (await t!.db.selectFrom('log_book').select('message').where('channel', '=', 'mail').orderBy('id').execute()).map((r) => r.message);
}

async function acceptedPackages(): Promise<number> {
  return (await t!.db.selectFrom('packages').select('id').where('status', '=', 'accepted').execute()).length;
}

/** SMTP by hand: no SIZE declared, `bytes` of body streamed; resolves with the server's last reply. */
function rawMail(port: number, from: string, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const steps = [`EHLO junk.test\r\n`, `MAIL FROM:<${from}>\r\n`, `RCPT TO:<${MAIL_TO}>\r\n`, 'DATA\r\n'];
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\r\n').filter(Boolean);
      const last = lines[lines.length - 1] ?? '';
      if (!/^\d{3} /.test(last)) return;
      buf = '';
      if (last.startsWith('354')) {
        const chunk = 'X'.repeat(998) + '\r\n';
        let sent = 0;
        const head = `From: <${from}>\r\nTo: <${MAIL_TO}>\r\nSubject: junk\r\n\r\n`;
        sock.write(head);
        const pump = () => {
          while (sent < bytes) {
            sent += chunk.length;
            if (!sock.write(chunk)) return void sock.once('drain', pump);
          }
          sock.write('.\r\n');
        };
        pump();
        return;
      }
      const next = steps.shift();
      if (next && (last.startsWith('220') || last.startsWith('250'))) sock.write(next);
      else {
        sock.end('QUIT\r\n');
        resolve(last);
      }
    });
    sock.on('error', reject);
  });
}

describe('mail listener doors', () => {
  it('refuses an oversized mail while it streams and keeps nothing of it; a genuine package beside it is taken', async () => {
    const { inbox, signer, send } = await setup({ maxBytes: 256 * 1024 });
    const reply = await rawMail(listener!.port, 'junk@evil.test', 2 * 1024 * 1024);
    expect(reply).toMatch(/^552 /);
    // Declared too large up front (SIZE): refused before any data.
    await expect(send('junk@evil.test', [{ filename: 'big.zip', content: Buffer.alloc(400 * 1024, 7) }])).rejects.toMatchObject({ responseCode: 552 });
    const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: [...generateTillTickets('01', { tills: 1, ticketsPerTill: 3, seed: 5 })], signer });
    await send('tillsync-S1-01@shop.test', [{ filename: pkg.fileName, content: pkg.bytes }]);
    await listener!.idle();
    expect(await acceptedPackages()).toBe(1);
    // Nothing of the junk was written anywhere.
    expect(existsSync(inboxFolders(inbox).quarantine) ? readdirSync(inboxFolders(inbox).quarantine) : []).toEqual([]);
    expect((await mailLog()).some((m) => /^mail from junk@evil\.test \(.*\) refused: \d+ bytes, over the 262144-byte limit \(nothing kept\)$/.test(m))).toBe(true);
  });

  it('defers a sender over its rate, refuses senders off the allowlist, and still takes the till\'s mail', async () => {
    const { signer, send } = await setup({ senderPerMinute: 3, allowFrom: ['@shop.test', 'junk@evil.test'] });
    const junk = { filename: 'junk.zip', content: Buffer.from('not a zip at all') };
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      outcomes.push(await send('junk@evil.test', [junk]).then(() => 'taken', (e) => String(e.responseCode)));
    }
    // The first three get in (and are refused as packages: 554), the rest are deferred.
    expect(outcomes).toEqual(['554', '554', '554', '450', '450', '450', '450', '450']);
    await expect(send('stranger@elsewhere.test', [junk])).rejects.toMatchObject({ responseCode: 550 });
    const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: [...generateTillTickets('01', { tills: 1, ticketsPerTill: 2, seed: 6 })], signer });
    await send('tillsync-S1-01@shop.test', [{ filename: pkg.fileName, content: pkg.bytes }]);
    await listener!.idle();
    expect(await acceptedPackages()).toBe(1);
    const log = await mailLog();
    // One line for the burst of deferrals, with the count of the others.
    expect(log.filter((m) => m.includes('deferred: over 3 mails a minute from this sender'))).toHaveLength(1);
    expect(log.some((m) => m.startsWith('mail from stranger@elsewhere.test') && m.includes('sender not in mail.allowFrom'))).toBe(true);
  });

  it('keeps junk in quarantine within its quota, dropping the oldest first, never a genuine package', async () => {
    const { inbox, send } = await setup({ quarantineMaxFiles: 3, senderPerMinute: 100 });
    // A genuine package already waiting in quarantine (refused for a reason that is not junk).
    const kept = saveToQuarantine(inbox, 'TicDeg01_20261101120000.zip', Buffer.from('genuine'), { reason: 'format-version', message: 'newer format', channel: 'mail' }, t!.data);
    for (let i = 1; i <= 5; i++) {
      await send('junk@evil.test', [{ filename: `junk-${i}.zip`, content: Buffer.from(`junk ${i}`) }]).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 15)); // distinct modification times: "oldest" is well defined
    }
    await listener!.idle();
    const q = readdirSync(inboxFolders(inbox).quarantine).filter((n) => !n.endsWith(REASON_SUFFIX)).sort();
    expect(q).toEqual(['TicDeg01_20261101120000.zip', 'junk-4.zip', 'junk-5.zip']);
    expect(existsSync(kept)).toBe(true);
    const log = await mailLog();
    expect(log.filter((m) => m.startsWith('quarantine quota: dropped 1 junk mail attachment(s)')).length).toBe(3);
    expect(log.some((m) => m.includes('junk-1.zip'))).toBe(true);
  });
});
