/**
 * SIGKILL of a real `tillsync server intake` child process in the middle of a 20,000-ticket
 * package, then a rerun: the package is all or nothing (its `packages` row and its tickets commit
 * together) and the counts after the rerun are exact.
 *
 * "In the middle" is observed, not guessed: the intake transaction holds SQLite's write lock (seen
 * by a second connection's BEGIN IMMEDIATE failing) or shows in pg_stat_activity as a transaction
 * running an insert into tickets; the kill comes once that has lasted a little while.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { TEST_ENGINES, createPgDatabase } from '../support/test-databases.ts';
import { openDatabase } from '../../server/db/database.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import type { Ticket } from '../../sync/types.ts';
import { spawnCli } from '../support/cli-harness.ts';
import { pollUntil, runCli } from './intake-fixtures.ts';

const N = 20_000;

/** True while another connection holds the SQLite write lock. */
function sqliteWriteLocked(file: string): boolean {
  const probe = new BetterSqlite3(file, { timeout: 0 });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw e;
  } finally {
    probe.close();
  }
}

async function pgInsertRunning(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and xact_start is not null and xact_start < now() - interval '150 milliseconds'
          and query ilike 'insert into tickets%'`,
    );
    return r.rows[0].n > 0;
  } finally {
    await c.end();
  }
}

describe('SIGKILL during intake of a large package', () => {
  let tickets: Ticket[];
  beforeAll(() => {
    tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: N, seed: 33, days: 4 })];
  }, 120_000);

  for (const engine of TEST_ENGINES) {
    describe(engine, () => {
      let dir: string;
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it('leaves nothing half-applied; the rerun stores exactly what was missing', { timeout: 240_000 }, async () => {
        dir = mkdtempSync(join(tmpdir(), `tillsync-crash-${engine}-`));
        const data = join(dir, 'server');
        const url = engine === 'postgres' ? await createPgDatabase() : undefined;
        const dbArgs = url ? ['--db', url] : [];
        expect((await runCli(['server', 'init', '--demo-base', '--data', data, ...dbArgs])).code).toBe(0);
        const enrolled = await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '01']);
        const secret = JSON.parse(enrolled.stdout).secret as string;
        // The till was never online: its first package registers its key (enrolment proof).
        const signer = { key: generateTillKeyPair(), authSecret: secret };

        // The first 5,000 tickets are already there (an earlier package).
        const early = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(0, 5000), signer, created: new Date('2026-11-02T10:00:00') });
        const earlyFile = join(dir, early.fileName);
        writeFileSync(earlyFile, early.bytes);
        const first = await runCli(['server', 'intake', '--data', data, ...dbArgs, earlyFile]);
        expect(first.code, first.stderr).toBe(0);

        const big = buildTicketPackage({ store: 'S1', till: '01', kind: 'untransferred', tickets, signer, created: new Date('2026-11-05T20:00:00') });
        const bigFile = join(dir, big.fileName);
        writeFileSync(bigFile, big.bytes);

        const child = spawnCli(['server', 'intake', '--data', data, ...dbArgs, bigFile]);
        let out = '';
        child.stdout!.on('data', (c) => (out += c));
        child.stderr!.on('data', (c) => (out += c));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
        const sqliteFile = join(data, 'tillsync.sqlite');
        let streak = 0;
        await pollUntil(
          async () => {
            if (child.exitCode !== null) throw new Error(`intake finished before it could be killed:\n${out}`);
            const busy = url ? await pgInsertRunning(url) : sqliteWriteLocked(sqliteFile);
            streak = busy ? streak + 1 : 0;
            return streak >= 3;
          },
          'the intake transaction to be under way',
          90_000,
          50,
        );
        child.kill('SIGKILL');
        expect((await exited).signal).toBe('SIGKILL');

        const db = await openDatabase({ data, url });
        try {
          // Nothing of the big package: no row, no ticket beyond the first 5,000.
          expect(await db.selectFrom('packages').select(['file_name', 'status']).orderBy('id').execute()).toEqual([{ file_name: early.fileName, status: 'accepted' }]);
          expect(Number((await db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(5000);
          expect(Number((await db.selectFrom('tills').select('last_number').executeTakeFirstOrThrow()).last_number)).toBe(5000);

          const rerun = await runCli(['--json', 'server', 'intake', '--data', data, ...dbArgs, bigFile]);
          expect(rerun.code, rerun.stderr).toBe(0);
          const res = JSON.parse(rerun.stdout);
          expect(res.files[0]).toMatchObject({ status: 'accepted', counts: { tickets: N, accepted: N - 5000, duplicates: 5000, conflicts: 0, errors: 0, flagged: 0 } });

          const count = await db.selectFrom('tickets').select((eb) => [eb.fn.countAll().as('n'), eb.fn.count('number').distinct().as('numbers'), eb.fn.max('number').as('max')]).executeTakeFirstOrThrow();
          expect([Number(count.n), Number(count.numbers), Number(count.max)]).toEqual([N, N, N]);
          const pk = await db.selectFrom('packages').select(['status', 'new_count', 'duplicate_count']).orderBy('id').execute();
          expect(pk.map((p) => [p.status, Number(p.new_count), Number(p.duplicate_count)])).toEqual([
            ['accepted', 5000, 0],
            ['accepted', N - 5000, 5000],
          ]);
          const till = await db.selectFrom('tills').select(['last_number', 'gaps']).executeTakeFirstOrThrow();
          expect([Number(till.last_number), till.gaps]).toEqual([N, '[]']);
          // A third time: already received, nothing changes.
          const third = await runCli(['server', 'intake', '--data', data, ...dbArgs, bigFile]);
          expect(third.code).toBe(0);
          expect(third.stdout).toContain('already received');
        } finally {
          await db.destroy();
        }
      });
    });
  }
});
