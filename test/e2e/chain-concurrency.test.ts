/**
 * A chain on one PostgreSQL database (one schema per store, docs/chain.md), with real processes:
 * different stores' nights run at once, one store's runs still take turns, and every store's books
 * pass `server check` with gapless, chronological numbers in each series.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPgDatabase, pgAdminUrl } from '../support/test-databases.ts';
import { createChainStore, intakeAll, type ChainStore } from '../support/chain-stores.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { BOOKS_LOCK_KEY, schemaLockKey, withBooksLock } from '../../server/db/books-lock.ts';
import { sql } from '../../server/db/dialect.ts';
import { cli, integrityProblems, spawnCli } from './integration-fixture.ts';

const IDS = ['S01', 'S02', 'S03'];

function exited(p: ReturnType<typeof spawnCli>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (b) => (stdout += b));
  p.stderr!.on('data', (b) => (stderr += b));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Numbers in each series run 1..n (server check) and in the order the documents were made: never a later number on an earlier run or invoice date. */
async function chronologyProblems(s: ChainStore): Promise<string[]> {
  const docs = await s.db.selectFrom('documents').select(['series', 'seq', 'batch_id', 'invoice_date']).orderBy('series').orderBy('seq').execute();
  const out: string[] = [];
  for (let i = 1; i < docs.length; i++) {
    const [a, b] = [docs[i - 1], docs[i]];
    if (a.series !== b.series) continue;
    if (Number(b.batch_id) < Number(a.batch_id) || (b.invoice_date ?? '') < (a.invoice_date ?? '')) out.push(`${s.id} ${b.series} ${b.seq} made before ${a.seq}`);
  }
  return out;
}

/** Integration runs as the database recorded them never overlap in time. */
async function overlappingBatches(s: ChainStore): Promise<string[]> {
  const batches = await s.db.selectFrom('batches').select(['id', 'started_at', 'finished_at']).orderBy('started_at').execute();
  const out: string[] = [];
  for (let i = 1; i < batches.length; i++) if (batches[i].started_at < (batches[i - 1].finished_at ?? '9')) out.push(`${s.id}: batch ${batches[i].id} started before batch ${batches[i - 1].id} finished`);
  return out;
}

describe.runIf(pgAdminUrl())('a chain of stores on one PostgreSQL database', () => {
  let chain: string;
  let stores: ChainStore[];
  beforeEach(async () => {
    chain = mkdtempSync(join(tmpdir(), 'tillsync-chain-'));
    const url = await createPgDatabase();
    stores = [];
    for (const [i, id] of IDS.entries()) {
      const s = await createChainStore(chain, url, id);
      await intakeAll(s, generateVolume({ store: id, tills: 3, ticketsPerTill: 150, days: 2, seed: 11 + i }));
      stores.push(s);
    }
  }, 120_000);
  afterEach(async () => {
    for (const s of stores) await s.db.destroy();
    rmSync(chain, { recursive: true, force: true });
  });

  it("runs every store's night at once, one store's runs taking turns; every store's books pass the checks", async () => {
    const [a, ...others] = stores;
    const runs = [
      // Store A three times at once: two integrations over different tills and its whole night.
      exited(spawnCli(['--json', 'server', 'integrate', '--data', a.data, '--until', '2026-12-31', '--tills', '01'])),
      exited(spawnCli(['--json', 'server', 'integrate', '--data', a.data, '--until', '2026-12-31', '--tills', '02-03'])),
      exited(spawnCli(['--json', 'server', 'nightly', '--data', a.data, '--until', '2026-12-31'])),
      ...others.map((s) => exited(spawnCli(['--json', 'server', 'nightly', '--data', s.data, '--until', '2026-12-31']))),
    ];
    const results = await Promise.all(runs);
    expect(results.map((r) => [r.code, r.stderr.trim()])).toEqual(results.map(() => [0, '']));
    // A's nightly may have found A's tickets taken by the integrations: run its night again, which finishes what is left.
    expect((await cli(['--json', 'server', 'nightly', '--data', a.data, '--until', '2026-12-31'])).code).toBe(0);
    for (const s of stores) {
      expect(await s.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute()).toEqual([]);
      expect(await s.db.selectFrom('documents').select('id').where('posting_batch', 'is', null).execute()).toEqual([]);
      expect(await integrityProblems(s.db)).toEqual([]);
      expect(await chronologyProblems(s)).toEqual([]);
      expect(await overlappingBatches(s)).toEqual([]);
      const check = await cli(['--json', 'server', 'check', '--data', s.data]);
      expect([s.id, check.code, check.stderr.trim()]).toEqual([s.id, 0, '']);
    }
    // A's two integrations were two runs, one after the other (overlappingBatches above).
    expect((await a.db.selectFrom('batches').select('id').execute()).length).toBeGreaterThanOrEqual(2);
    // Each store numbered only its own documents, each series from 1.
    for (const s of stores) expect((await s.db.selectFrom('documents').select((eb) => eb.fn.min('seq').as('lo')).where('series', '=', 'invoice').executeTakeFirstOrThrow()).lo).toBe(1);
  }, 300_000);

  it("store A's books lock held: store B's whole night runs to the end, A's own run waits for it", async () => {
    const [a, b] = stores;
    const aKey = (await sql<{ k: string }>`select ${schemaLockKey(BOOKS_LOCK_KEY)}::text as k`.execute(a.db)).rows[0].k;
    const aWaiters = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and objsubid = 1
        and ((classid::text::bigint << 32) | objid::text::bigint) = (${aKey}::bigint)`.execute(a.db)).rows[0].n;
    let aRun: Promise<{ code: number | null; stdout: string; stderr: string }> | null = null;
    let aDoneWhileHeld = false;
    const bNight = await withBooksLock(a.db, async () => {
      // B's night goes to its end while A's lock is held: B never waits for A.
      const night = await exited(spawnCli(['--json', 'server', 'nightly', '--data', b.data, '--until', '2026-12-31']));
      aRun = exited(spawnCli(['--json', 'server', 'integrate', '--data', a.data, '--until', '2026-12-31']));
      void aRun.then(() => (aDoneWhileHeld = true));
      // A's own integration waits on A's lock (PostgreSQL shows it queued), however long we hold it.
      for (let i = 0; (await aWaiters()) === 0; i++) {
        if (i > 600) throw new Error("A's integration never queued on A's lock");
        await new Promise((r) => setTimeout(r, 100));
      }
      return night;
    });
    expect(aDoneWhileHeld).toBe(false);
    expect([bNight.code, bNight.stderr.trim()]).toEqual([0, '']);
    expect(JSON.parse(bNight.stdout).steps.map((s: { step: string }) => s.step)).toEqual(['integrate', 'post', 'letter', 'export', 'ereport', 'check']);
    const aResult = await aRun!;
    expect(aResult.code).toBe(0);
    expect(JSON.parse(aResult.stdout).documents).toBeGreaterThan(0);
    for (const s of [a, b]) expect(await integrityProblems(s.db)).toEqual([]);
  }, 180_000);
});
