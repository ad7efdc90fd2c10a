/**
 * The LAN inbox of a running `tillsync server start` (child process): corrupt, truncated,
 * re-signed, unknown-till, zip-slip and zip-bomb packages are each quarantined with the right
 * `.reason.txt`, while good packages dropped beside them go to processed/ and their tickets are
 * stored — including one already waiting before the server started, one written as `.part` then
 * renamed, and one copied in slowly. A quarantined package is reprocessed once its cause is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENGINES, createPgDatabase } from '../support/test-databases.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import type { Ticket } from '../../sync/types.ts';
import { generateTillKeyPair, type TillKeyPair } from '../../sync/till-keys.ts';
import { pollUntil, runCli, startServerProcess, zipBombPackage, zipSlipPackage, type ServerProcess } from './intake-fixtures.ts';

const at = (s: number) => new Date(2026, 10, 2, 10, 0, s);

for (const engine of TEST_ENGINES) {
  describe(`LAN inbox quarantine (${engine})`, () => {
    let dir: string;
    let data: string;
    let inbox: string;
    let url: string | undefined;
    let server: ServerProcess;
    let db: Db;
    let secret: string;
    const tickets: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 50, seed: 44 })];
    const stranger: Ticket[] = [...generateTillTickets('09', { tills: 1, ticketsPerTill: 5, seed: 44 })];
    const dbArgs = () => (url ? ['--db', url] : []);
    // Till 01's signing key, registered at enrolment (--public-key); packages carry the enrolment proof too.
    const key01 = generateTillKeyPair();
    const pkg = (list: Ticket[], s: number, key: TillKeyPair = key01, till = '01', authSecret?: string) => buildTicketPackage({ store: 'S1', till, kind: 'degraded', tickets: list, signer: { key, authSecret }, created: at(s) });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `tillsync-inbox-${engine}-`));
      data = join(dir, 'server');
      inbox = join(data, 'inbox');
      url = engine === 'postgres' ? await createPgDatabase() : undefined;
      expect((await runCli(['server', 'init', '--demo-base', '--data', data, ...dbArgs()])).code).toBe(0);
      writeFileSync(join(dir, 'till01.pub.pem'), key01.publicKeyPem);
      const enrolled = await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '01', '--public-key', join(dir, 'till01.pub.pem')]);
      secret = JSON.parse(enrolled.stdout).secret;
      db = await openDatabase({ data, url });
    });

    afterAll(async () => {
      await server?.stop();
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('quarantines each bad package with its reason and takes the good ones around them', async () => {
      // Waiting in the inbox before the server starts.
      const g1 = pkg(tickets.slice(0, 10), 1);
      writeFileSync(join(inbox, g1.fileName), g1.bytes);
      server = await startServerProcess(['--data', data, ...dbArgs(), '--port', '0']);

      const bad: Record<string, Buffer> = {
        'TicDeg01_20261102100010.zip': Buffer.from('this is not a zip file at all, just text named .zip\n'),
        'TicDeg01_20261102100011.zip': pkg(tickets.slice(30, 40), 11).bytes.subarray(0, 900),
        'TicDeg01_20261102100012.zip': pkg(tickets.slice(40, 50), 12, generateTillKeyPair()).bytes,
        'TicDeg09_20261102100013.zip': pkg(stranger, 13, generateTillKeyPair(), '09', 'secret-of-an-unenrolled-till').bytes,
        'TicDeg01_20261102100014.zip': zipSlipPackage(secret),
        'TicDeg01_20261102100015.zip': zipBombPackage(secret),
      };
      const expected: Record<string, string> = {
        'TicDeg01_20261102100010.zip': 'zip-corrupt',
        'TicDeg01_20261102100011.zip': 'zip-corrupt',
        'TicDeg01_20261102100012.zip': 'unknown-key',
        'TicDeg09_20261102100013.zip': 'unknown-till',
        'TicDeg01_20261102100014.zip': 'path-traversal',
        'TicDeg01_20261102100015.zip': 'compression-ratio',
      };
      for (const [name, bytes] of Object.entries(bad)) writeFileSync(join(inbox, name), bytes);

      // Written as .part then renamed (how tills publish), and a .part left behind forever.
      const g2 = pkg(tickets.slice(10, 20), 2);
      writeFileSync(join(inbox, `${g2.fileName}.part`), g2.bytes);
      writeFileSync(join(inbox, 'TicDeg01_20261102100099.zip.part'), g2.bytes.subarray(0, 100));
      renameSync(join(inbox, `${g2.fileName}.part`), join(inbox, g2.fileName));

      // Copied in slowly: half, a pause shorter than the stability wait, the rest.
      const g3 = pkg(tickets.slice(20, 30), 3);
      const slow = join(inbox, g3.fileName);
      writeFileSync(slow, g3.bytes.subarray(0, 600));
      await new Promise((r) => setTimeout(r, 400));
      appendFileSync(slow, g3.bytes.subarray(600));

      const left = await pollUntil(
        () => {
          const files = readdirSync(inbox, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
          return files.length === 1 ? files : null;
        },
        'the inbox to be emptied of everything but the .part file',
        60_000,
      );
      expect(left).toEqual(['TicDeg01_20261102100099.zip.part']);

      const processed = readdirSync(join(inbox, 'processed')).sort();
      expect(processed).toEqual([g1.fileName, g2.fileName, g3.fileName].sort());
      const quarantine = readdirSync(join(inbox, 'quarantine')).sort();
      expect(quarantine).toEqual(Object.keys(expected).flatMap((n) => [n, `${n}.reason.txt`]).sort());
      for (const [name, reason] of Object.entries(expected)) {
        const text = readFileSync(join(inbox, 'quarantine', `${name}.reason.txt`), 'utf8');
        expect(text.split('\n')[0], name).toBe(`reason: ${reason}`);
        expect(text).toContain(`message: ${name}: `);
        expect(text).toContain('reprocess: ');
      }
      expect(existsSync(join(dir, 'evil.sh')) || existsSync(join(data, 'evil.sh'))).toBe(false);

      const stored = await db.selectFrom('tickets').select(['number', 'channel']).orderBy('number').execute();
      expect(stored.map((t) => t.number)).toEqual(tickets.slice(0, 30).map((t) => t.number));
      expect(new Set(stored.map((t) => t.channel))).toEqual(new Set(['lan']));
      const statuses = await db.selectFrom('packages').select(['file_name', 'status', 'reason']).execute();
      expect(statuses.filter((p) => p.status === 'accepted').map((p) => p.file_name).sort()).toEqual([g1.fileName, g2.fileName, g3.fileName].sort());
      expect(Object.fromEntries(statuses.filter((p) => p.status === 'quarantined').map((p) => [p.file_name, p.reason!.split(':')[0]]))).toEqual(expected);
      const errors = await db.selectFrom('log_book').select(['file', 'message']).where('severity', '=', 'error').execute();
      for (const name of Object.keys(expected)) expect(errors.some((e) => e.file === name && e.message.startsWith('package refused')), name).toBe(true);

      const st = JSON.parse((await runCli(['--json', 'server', 'status', '--data', data, ...dbArgs()])).stdout);
      expect(st.inbox).toMatchObject({ waiting: 0, quarantined: 6, processed: 3 });
      expect(st.packages).toMatchObject({ accepted: 3, quarantined: 6 });
    });

    it('reprocesses a quarantined package once its till is enrolled', async () => {
      const enrolled = await runCli(['--json', 'server', 'enroll-till', '--data', data, ...dbArgs(), '--till', '09']);
      const s9 = JSON.parse(enrolled.stdout).secret as string;
      // The till re-extracts with its new secret; the old file is reprocessed by hand and still refused.
      const old = join(inbox, 'quarantine', 'TicDeg09_20261102100013.zip');
      const refused = await runCli(['server', 'intake', '--data', data, ...dbArgs(), old]);
      expect(refused.code).toBe(1);
      // Its key is not registered and its enrolment proof was made with another secret.
      expect(refused.stdout).toContain('REFUSED (unknown-key)');
      const fresh = pkg(stranger, 13, generateTillKeyPair(), '09', s9);
      writeFileSync(old, fresh.bytes);
      const ok = await runCli(['server', 'intake', '--data', data, ...dbArgs(), old]);
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      expect(ok.stdout).toContain('accepted — 5 tickets of S1-09: 5 new');
      expect(existsSync(old)).toBe(false);
      expect(existsSync(`${old}.reason.txt`)).toBe(false);
      expect(readdirSync(join(inbox, 'processed'))).toContain('TicDeg09_20261102100013.zip');
      expect(await db.selectFrom('tickets').select('id').where('till', '=', '09').execute()).toHaveLength(5);
    });
  });
}
