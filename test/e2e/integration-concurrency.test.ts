/**
 * Two integrations at once, on both engines, with real processes: the second waits for the first
 * (or fails cleanly), and the numbers never skip or repeat.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { sql } from '../../server/db/dialect.ts';
import { cli, integrityProblems, openIntegrationServer, spawnCli, type IntegrationServer } from './integration-fixture.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function exited(p: ReturnType<typeof spawnCli>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (b) => (stdout += b));
  p.stderr!.on('data', (b) => (stderr += b));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
}

for (const engine of TEST_ENGINES) {
  describe(`integration concurrency (${engine})`, () => {
    let s: IntegrationServer;
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      await s.store(generateVolume({ tills: 4, ticketsPerTill: 600, days: 2 }));
    });
    afterEach(async () => s.cleanup());

    /** Proof that a child process is blocked on the books lock, engine by engine. */
    async function waitUntilBlocked(pid: number): Promise<void> {
      for (let i = 0; i < 600; i++) {
        if (engine === 'postgres') {
          const r = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(s.db);
          if (r.rows[0].n > 0) return;
        } else {
          // SQLite has no lock table: wait until the child has the database open, then give it time to reach BEGIN IMMEDIATE.
          let open = false;
          try {
            open = readdirSync(`/proc/${pid}/fd`).some((fd) => {
              try {
                return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith('tillsync.sqlite');
              } catch {
                return false;
              }
            });
          } catch {
            open = false;
          }
          if (open) return sleep(2000);
        }
        await sleep(100);
      }
      throw new Error('the second run never reached the lock');
    }

    it('a second run started during the first waits for it, then numbers after it', async () => {
      let second: Promise<{ code: number | null; stdout: string; stderr: string }> | null = null;
      const first = await runIntegration(s.db, s.data, { until: '2026-12-31', tills: { from: '01', to: '02' } }, {
        onProgress: async () => {
          if (second) return;
          // We hold the books lock here: start a competitor and keep holding until it is blocked.
          const p = spawnCli(['--json', 'server', 'integrate', ...s.flags, '--until', '2026-12-31']);
          second = exited(p);
          await waitUntilBlocked(p.pid!);
        },
      });
      let b = await second!;
      if (b.code !== 0) {
        // SQLite gives up after busy_timeout (15 s): a clean one-line failure, and a rerun does the job.
        expect(engine).toBe('sqlite');
        expect(b.stderr.trim()).toBe('tillsync: the database is busy: another integration, posting, lettering or undo is running (wait for it to finish, then run again)');
        b = { ...(await cli(['--json', 'server', 'integrate', ...s.flags, '--until', '2026-12-31'])), code: 0 };
      }
      const secondSummary = JSON.parse(b.stdout);
      expect(first.documents).toBeGreaterThan(0);
      expect(secondSummary.batch).toBe(first.batch! + 1);
      // The second saw the first's work: it took only tills 03–04, numbered right after.
      const lastOfFirst = Number(first.series.invoice!.last.slice(1));
      expect(secondSummary.series.invoice.first).toBe(`F${String(lastOfFirst + 1).padStart(8, '0')}`);
      const tills = await s.db.selectFrom('tickets').select(['till', 'integration_batch']).distinct().orderBy('till').execute();
      expect(tills.map((t) => [t.till, Number(t.integration_batch)])).toEqual([
        ['01', first.batch],
        ['02', first.batch],
        ['03', secondSummary.batch],
        ['04', secondSummary.batch],
      ]);
      const batches = await s.db.selectFrom('batches').select(['id', 'params', 'started_at', 'finished_at']).orderBy('id').execute();
      // It asked while the first held the lock, and started only once the first had finished.
      expect(JSON.parse(batches[1].params).requestedAt < batches[0].finished_at!).toBe(true);
      expect(batches[1].started_at >= batches[0].finished_at!).toBe(true);
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('two runs launched together over overlapping tills: every ticket once, numbers without a gap', async () => {
      const runs = [
        exited(spawnCli(['--json', 'server', 'integrate', ...s.flags, '--until', '2026-12-31', '--tills', '01-02'])),
        exited(spawnCli(['--json', 'server', 'integrate', ...s.flags, '--until', '2026-12-31', '--tills', '02-04'])),
      ];
      const results = await Promise.all(runs);
      for (const r of results) {
        if (r.code !== 0) expect(r.stderr.trim()).toBe('tillsync: the database is busy: another integration, posting, lettering or undo is running (wait for it to finish, then run again)');
      }
      expect(results.filter((r) => r.code === 0).length).toBeGreaterThan(0);
      if (results.some((r) => r.code !== 0)) await cli(['server', 'integrate', ...s.flags, '--until', '2026-12-31']);
      else expect(results.map((r) => JSON.parse(r.stdout).batch).sort()).toEqual([1, 2]);
      expect(await s.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute()).toEqual([]);
      // Every group once: 4 tills × 2 days × customers present, never split between the runs.
      const groups = await s.db.selectFrom('tickets').select(['till', 'day', 'customer']).distinct().execute();
      const docs = await s.db.selectFrom('documents').select(['till', 'day', 'customer', 'kind']).execute();
      expect(docs).toHaveLength(groups.length);
      expect(await integrityProblems(s.db)).toEqual([]);
    });
  });
}
