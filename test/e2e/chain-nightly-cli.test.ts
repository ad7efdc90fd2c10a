/**
 * `tillsync server nightly --chain DIR --workers N` on a chain sharing one real PostgreSQL
 * database: every store's night in its own process, a broken store reported without stopping the
 * others, exit codes as documented (docs/chain.md).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, pgAdminUrl } from '../support/test-databases.ts';
import { createChainStore, intakeAll, type ChainStore } from '../support/chain-stores.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { readServerConfig, writeServerConfig } from '../../server/context.ts';
import { cli, integrityProblems } from './integration-fixture.ts';
import { startTillsync } from '../../cli/spawn-tillsync.ts';

describe.runIf(pgAdminUrl())('server nightly --chain', () => {
  let chain: string;
  let stores: ChainStore[];
  beforeAll(async () => {
    chain = mkdtempSync(join(tmpdir(), 'tillsync-chain-cli-'));
    const url = await createPgDatabase();
    stores = [];
    for (const [i, id] of ['S01', 'S02', 'S03'].entries()) {
      const s = await createChainStore(chain, url, id);
      await intakeAll(s, generateVolume({ store: id, tills: 2, ticketsPerTill: 100, days: 2, seed: 3 + i }));
      stores.push(s);
    }
    // S02 points at a database that does not exist: its night fails, the others' go on.
    const cfg = readServerConfig(stores[1].data);
    writeServerConfig(stores[1].data, { ...cfg, db: url.replace(/\/[^/]*$/, '/no_such_chain?schema=store_s02') });
  }, 120_000);
  afterAll(async () => {
    for (const s of stores) await s.db.destroy();
    rmSync(chain, { recursive: true, force: true });
  });

  it('runs every store with 2 workers, reports the broken one and exits 1; the others are done and pass server check', async () => {
    const r = await cli(['--json', 'server', 'nightly', '--chain', chain, '--stores', 'all', '--workers', '2', '--until', '2026-12-31']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, exitCode: 1, workers: 2, until: '2026-12-31', counts: { stores: 3, ok: 2, failed: 1 } });
    expect(r.json.stores.map((s: { store: string; exitCode: number }) => [s.store, s.exitCode])).toEqual([
      ['S01', 0],
      ['S02', 1],
      ['S03', 0],
    ]);
    expect(r.json.stores[1].error).toMatch(/no_such_chain/);
    for (const s of [r.json.stores[0], r.json.stores[2]]) {
      expect(s.report.steps.map((x: { step: string }) => x.step)).toEqual(['integrate', 'post', 'letter', 'export', 'ereport', 'check']);
      expect(s.peakRssMb).toBeGreaterThan(30);
    }
    // Progress: one line per store on stderr as it finishes.
    expect(r.stderr.trim().split('\n').map((l) => l.split(':')[0]).sort()).toEqual(['S01', 'S02', 'S03']);
    for (const s of [stores[0], stores[2]]) {
      expect(await s.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute()).toEqual([]);
      expect(await integrityProblems(s.db)).toEqual([]);
      expect((await cli(['server', 'check', '--data', s.data])).code).toBe(0);
    }
    expect(readFileSync(join(chain, 'log', readdirSync(join(chain, 'log'))[0]), 'utf8')).toMatch(/chain nightly: chain: 3 store\(s\) with 2 worker\(s\)/);
  }, 240_000);

  it('--stores picks stores by id (human output one line each); an unknown id is refused with exit 2 before anything runs', async () => {
    const one = await cli(['server', 'nightly', '--chain', chain, '--stores', 'S03,S01', '--workers', '1', '--until', '2026-12-31']);
    expect(one.code).toBe(0);
    const lines = one.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['S03', 'S01', 'chain']);
    expect(lines[2]).toMatch(/^chain: 2 store\(s\) with 1 worker\(s\) in [\d.]+ s: 2 ok, .*every store finished, nothing left out$/);
    const bad = await cli(['server', 'nightly', '--chain', chain, '--stores', 'S01,S99']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'tillsync: --stores: S99 is not in the chain (3 store(s) under stores/) (list the chain folder stores/ for the ids, or use --stores all)']);
    const both = await cli(['server', 'nightly', '--chain', chain, '--data', stores[0].data]);
    expect(both.code).toBe(2);
    const zero = await cli(['server', 'nightly', '--chain', chain, '--workers', '0']);
    expect([zero.code, zero.stderr.trim()]).toEqual([2, 'tillsync: --workers: not a number of workers (give a whole number from 1 to 64, e.g. one per CPU core the database leaves free)']);
  }, 240_000);

  it('--schedule stays running: with --run-now one night at once, the next announced, SIGTERM stops it with exit 0', async () => {
    // Twelve hours from now: the scheduled night itself does not come during the test (server/chain/chain-schedule.test.ts times it).
    const later = new Date(Date.now() + 12 * 3_600_000);
    const hhmm = `${String(later.getHours()).padStart(2, '0')}:${String(later.getMinutes()).padStart(2, '0')}`;
    const p = await startTillsync(['--json', 'server', 'nightly', '--chain', chain, '--workers', '2', '--schedule', hhmm, '--run-now'], /"event":"next chain night at /, { timeoutMs: 240_000 });
    await p.stop();
    expect(p.child.exitCode).toBe(0);
    const lines = p.output().split('\n');
    const events = lines.filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l));
    expect(events.map((e) => e.event.replace(/ in [\d.]+ s: .*| at .*/, ''))).toEqual(['chain night started: stores all, 2 worker(s)', 'chain night done: chain: 3 store(s) with 2 worker(s)', 'next chain night', 'SIGTERM: stopping…']);
    expect(events[1].report).toMatchObject({ exitCode: 1, counts: { stores: 3, ok: 2, failed: 1 } });
    expect(new Date(events[2].next).getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    // The last document on stdout is the command's result.
    const out = p.output();
    expect(JSON.parse(out.slice(out.lastIndexOf('\n{\n') + 1))).toEqual({ stopped: true, nights: 1, failedNights: 1 });
    expect(readFileSync(join(chain, 'log', readdirSync(join(chain, 'log'))[0]), 'utf8')).toMatch(/chain nightly \(schedule\): chain: 3 store\(s\) with 2 worker\(s\)/);
  }, 240_000);

  it('--schedule: SIGTERM during a night lets the night finish, then stops', async () => {
    const p = await startTillsync(['--json', 'server', 'nightly', '--chain', chain, '--workers', '1', '--schedule', '02:30', '--run-now'], /"event":"chain night started/, { timeoutMs: 240_000 });
    await p.stop();
    expect(p.child.exitCode).toBe(0);
    const events = p.output().split('\n').filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l).event.replace(/ in [\d.]+ s: .*/, ''));
    expect(events).toEqual(['chain night started: stores all, 1 worker(s)', 'SIGTERM: stopping once the night in progress has finished…', 'chain night done: chain: 3 store(s) with 1 worker(s)']);
  }, 240_000);

  it('--schedule is refused with exit 2 when it is no time of day, without --chain, or with --until; --run-now without it', async () => {
    const bad = await cli(['server', 'nightly', '--chain', chain, '--schedule', '25:00']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'tillsync: --schedule 25:00 is not a time of day (give HH:MM, e.g. --schedule 02:30)']);
    const one = await cli(['server', 'nightly', '--data', stores[0].data, '--schedule', '02:30']);
    expect([one.code, one.stderr.trim()]).toEqual([2, 'tillsync: --schedule and --run-now are for a chain (--chain DIR) (one store runs on a schedule with tillsync server start --data DIR --nightly HH:MM)']);
    const until = await cli(['server', 'nightly', '--chain', chain, '--schedule', '02:30', '--until', '2026-12-31']);
    expect(until.code).toBe(2);
    const runNow = await cli(['server', 'nightly', '--chain', chain, '--run-now']);
    expect([runNow.code, runNow.stderr.trim()]).toEqual([2, 'tillsync: --run-now goes with --schedule HH:MM (without a schedule, server nightly --chain runs one night now anyway)']);
  }, 60_000);
});
