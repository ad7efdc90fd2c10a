/**
 * The same tickets through every channel of a real `tillsync server start` (child process):
 * replication push, LAN inbox folder, HTTP upload, mail to the built-in SMTP listener. Each
 * ticket is stored once, with the channel that brought it first; same id with other content is a
 * conflict for review; upload auth refuses a wrong token (401) and a till outside its IP allowlist (403).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENGINES, createPgDatabase } from '../support/test-databases.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { hashTicket } from '../../sync/ticket-chain.ts';
import { API, type TicketsPushResponse } from '../../sync/replication-protocol.ts';
import { serverRequest } from '../../sync/transports/server-http.ts';
import { signTicketPage } from '../../sync/ticket-page.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { LanFolderTransport } from '../../sync/transports/lan-folder.ts';
import { HttpUploadTransport } from '../../sync/transports/http-upload.ts';
import { MailTransport } from '../../sync/transports/mail-sender.ts';
import type { Ticket } from '../../sync/types.ts';
import { pollUntil, runCli, startServerProcess, unsignedPackage, type ServerProcess } from './intake-fixtures.ts';

const MAIL_TO = 'tickets@shop.test';

for (const engine of TEST_ENGINES) {
  describe(`every channel, exactly once (${engine})`, () => {
    let dir: string;
    let data: string;
    let url: string | undefined;
    let server: ServerProcess;
    let db: Db;
    let secret: string;
    let s2: string;
    const key01 = generateTillKeyPair();
    const tickets: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 40, seed: 21 })];

    const dbArgs = () => (url ? ['--db', url] : []);
    const writePackage = (name: string, list: Ticket[], kind: 'degraded' | 'untransferred' = 'degraded'): string => {
      const pkg = buildTicketPackage({ store: 'S1', till: '01', kind, tickets: list, signer: { key: key01, authSecret: secret } });
      const file = join(dir, 'out', name, pkg.fileName);
      mkdirSync(join(dir, 'out', name), { recursive: true });
      writeFileSync(file, pkg.bytes);
      return file;
    };
    // As the till pushes: the request signed with its auth secret, the page with its key.
    const push = async (list: Ticket[], token = secret): Promise<{ status: number; json: () => Promise<unknown> }> => {
      const r = await serverRequest({ url: server.url }, { method: 'POST', path: API.ticketsPush, body: JSON.stringify({ tickets: list, signature: signTicketPage(key01, 'S1-01', list) }), headers: { 'content-type': 'application/json' }, timeoutMs: 30_000, credentials: { till: 'S1-01', authSecret: token } });
      return { status: r.status, json: async () => JSON.parse(r.text) };
    };
    const inbox = () => join(data, 'inbox');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `tillsync-channels-${engine}-`));
      data = join(dir, 'server');
      url = engine === 'postgres' ? await createPgDatabase() : undefined;
      const init = await runCli(['server', 'init', '--demo-base', '--data', data, ...dbArgs()]);
      expect(init.code, init.stderr).toBe(0);
      const enrolled = await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '01']);
      expect(enrolled.code, enrolled.stderr).toBe(0);
      secret = JSON.parse(enrolled.stdout).secret;
      const fenced = await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '02', '--allow-ip', '10.9.9.9']);
      expect(fenced.code, fenced.stderr).toBe(0);
      s2 = JSON.parse(fenced.stdout).secret;
      server = await startServerProcess(['--data', data, ...dbArgs(), '--port', '0', '--smtp-port', '0', '--mail-to', MAIL_TO]);
      db = await openDatabase({ data, url });
      // First contact, as a till makes it: its public key registered with a request signed by its auth secret.
      const reg = await serverRequest({ url: server.url }, { method: 'POST', path: API.keys, body: JSON.stringify({ publicKey: key01.publicKeyPem, keyChanges: [] }), headers: { 'content-type': 'application/json' }, timeoutMs: 30_000, credentials: { till: 'S1-01', authSecret: secret } });
      expect(reg.status, reg.text).toBe(200);
    });

    afterAll(async () => {
      const code = await server?.stop();
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(0);
    });

    it('stores each ticket once, keeping the channel of first arrival', async () => {
      // Replication brings 1–10 first.
      const r1 = await push(tickets.slice(0, 10));
      expect(r1.status).toBe(200);
      const b1 = (await r1.json()) as TicketsPushResponse;
      expect(b1.accepted).toHaveLength(10);

      // LAN: a package of 1–20 dropped in the inbox.
      const a = writePackage('a', tickets.slice(0, 20));
      await new LanFolderTransport(inbox()).send(a);
      await pollUntil(() => readdirSync(join(inbox(), 'processed')).length === 1, 'the LAN package in processed/');

      // HTTP upload: 1–30 (an untransferred-tickets package).
      const b = writePackage('b', tickets.slice(0, 30), 'untransferred');
      const up = await new HttpUploadTransport({ url: server.url, tillId: 'S1-01', secret }).send(b);
      expect(up.detail).toMatchObject({ status: 'accepted', counts: { tickets: 30, accepted: 10, duplicates: 20 } });

      // Mail: 1–40; the SMTP answer comes after the intake.
      const c = writePackage('c', tickets);
      await new MailTransport({ to: [MAIL_TO], smtpUrl: `smtp://127.0.0.1:${server.smtpPort}` }).send(c);

      // And the very same package C again through every channel.
      await new LanFolderTransport(inbox()).send(c);
      await pollUntil(() => readdirSync(join(inbox(), 'processed')).length === 2, 'package C again in processed/');
      const again = await new HttpUploadTransport({ url: server.url, tillId: 'S1-01', secret }).send(c);
      expect(again.detail).toMatchObject({ status: 'already', channel: 'mail' });
      await new MailTransport({ to: [MAIL_TO], smtpUrl: `smtp://127.0.0.1:${server.smtpPort}` }).send(c);
      const r2 = (await (await push(tickets)).json()) as TicketsPushResponse;
      expect(r2).toMatchObject({ accepted: [], conflicts: [], rejected: [] });
      expect(r2.duplicates).toHaveLength(40);

      const rows = await db.selectFrom('tickets').select(['id', 'number', 'channel', 'hash']).orderBy('number').execute();
      expect(rows.map((r) => r.id)).toEqual(tickets.map((t) => t.id));
      const channelOf = (n: number) => rows[n - 1].channel;
      expect([channelOf(1), channelOf(10), channelOf(11), channelOf(20), channelOf(21), channelOf(30), channelOf(31), channelOf(40)]).toEqual(['replication', 'replication', 'lan', 'lan', 'http', 'http', 'mail', 'mail']);
      const packages = await db.selectFrom('packages').select(['channel', 'status', 'new_count', 'duplicate_count']).orderBy('id').execute();
      expect(packages.map((p) => [p.channel, p.status, Number(p.new_count), Number(p.duplicate_count)])).toEqual([
        ['lan', 'accepted', 10, 10],
        ['http', 'accepted', 10, 20],
        ['mail', 'accepted', 10, 30],
      ]);
      expect(await db.selectFrom('ticket_conflicts').selectAll().execute()).toEqual([]);
      const till = await db.selectFrom('tills').select(['last_number', 'gaps']).where('id', '=', 'S1-01').executeTakeFirstOrThrow();
      expect([Number(till.last_number), till.gaps]).toEqual([40, '[]']);
    });

    it('records the same id with other content as a conflict and keeps the original', async () => {
      const { hash: _h, ...rest } = { ...tickets[4], customer: 'NOT-THE-SAME' };
      const forged: Ticket = { ...rest, hash: hashTicket(rest) };
      const d = writePackage('d', [forged]);
      await new MailTransport({ to: [MAIL_TO], smtpUrl: `smtp://127.0.0.1:${server.smtpPort}` }).send(d);
      const kept = await db.selectFrom('tickets').select(['hash', 'channel', 'customer']).where('id', '=', tickets[4].id).executeTakeFirstOrThrow();
      expect(kept).toEqual({ hash: tickets[4].hash, channel: 'replication', customer: tickets[4].customer });
      const conflicts = await db.selectFrom('ticket_conflicts').select(['ticket_id', 'hash', 'channel']).execute();
      expect(conflicts).toEqual([{ ticket_id: tickets[4].id, hash: forged.hash, channel: 'mail' }]);
      const warn = await db.selectFrom('log_book').select(['message', 'ticket']).where('severity', '=', 'warning').where('ticket', '=', tickets[4].id).execute();
      expect(warn).toHaveLength(1);
      const st = await runCli(['--json', 'server', 'status', '--data', data, ...dbArgs()]);
      expect(st.code, st.stderr).toBe(0);
      const status = JSON.parse(st.stdout);
      expect(status.conflicts).toEqual({ open: 1, total: 1 });
      expect(status.tills.find((t: { id: string }) => t.id === 'S1-01')).toMatchObject({ lastNumber: 40, tickets: 40, gaps: [], openConflicts: 1 });
      expect(status.packages).toMatchObject({ accepted: 4 });
    });

    it('refuses uploads with a wrong token (401) or from outside the till allowlist (403), and mail for another address', async () => {
      const file = writePackage('e', tickets.slice(0, 2));
      await expect(new HttpUploadTransport({ url: server.url, tillId: 'S1-01', secret: 'f'.repeat(64) }).send(file)).rejects.toMatchObject({ status: 401, message: expect.stringContaining('bad request signature for till S1-01') });
      expect((await push(tickets.slice(0, 1), 'nope')).status).toBe(401);
      const health = await fetch(server.url + API.health);
      expect(health.status).toBe(200);
      // Till 02 may only connect from 10.9.9.9; its secret is right but this comes from 127.0.0.1.
      const res = await serverRequest({ url: server.url }, { method: 'POST', path: API.upload, body: Buffer.from([1, 2, 3]), headers: { 'x-filename': 'x.zip' }, timeoutMs: 30_000, credentials: { till: 'S1-02', authSecret: s2 } });
      expect(res.status).toBe(403);
      expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe('ip-not-allowed');
      await expect(new MailTransport({ to: ['someone@else.test'], smtpUrl: `smtp://127.0.0.1:${server.smtpPort}` }).send(file)).rejects.toMatchObject({ message: expect.stringContaining('550') });
      // A package no till key signed, by mail: refused (SMTP 554), logged, kept in quarantine.
      const unsigned = join(dir, 'out', 'TicDeg01_20261102120000.zip');
      writeFileSync(unsigned, unsignedPackage());
      await expect(new MailTransport({ to: [MAIL_TO], smtpUrl: `smtp://127.0.0.1:${server.smtpPort}` }).send(unsigned)).rejects.toMatchObject({ message: expect.stringMatching(/554.*TicDeg01_20261102120000\.zip \(signature\)/) });
      expect(readdirSync(join(inbox(), 'quarantine'))).toEqual(expect.arrayContaining(['TicDeg01_20261102120000.zip', 'TicDeg01_20261102120000.zip.reason.txt']));
      const logged = await db.selectFrom('log_book').select(['channel', 'message']).where('file', '=', 'TicDeg01_20261102120000.zip').execute();
      expect(logged).toEqual([{ channel: 'mail', message: expect.stringContaining('package refused (signature)') }]);
      expect(await db.selectFrom('tickets').select('id').execute()).toHaveLength(40);
    });
  });
}
