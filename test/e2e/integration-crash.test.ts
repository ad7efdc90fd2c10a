/**
 * Crash and rerun, on both engines: `tillsync server integrate` is SIGKILLed at a random moment
 * of its run; nothing of that run may remain, the batch before it stays whole, and a rerun
 * integrates every ticket exactly once with gapless numbers. Killed at its crash point, after it
 * wrote documents and met a bad ticket, it leaves no day-log line but the one saying it started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { undoIntegration } from '../../server/integration/undo.ts';
import { dayLogPath } from '../../server/log-book.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { articleCodes, integrityProblems, openIntegrationServer, ROOT, spawnCli, type IntegrationServer } from './integration-fixture.ts';
import { runCli } from '../support/cli-harness.ts';
import { CRASH_ENV } from '../../sync/crash-points.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

for (const engine of TEST_ENGINES) {
  describe(`integration crash (${engine})`, () => {
    let s: IntegrationServer;
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
    });
    afterEach(async () => s.cleanup());

    const dayLog = () => (existsSync(dayLogPath(s.data)) ? readFileSync(dayLogPath(s.data), 'utf8').split('\n').filter((l) => l.includes('[integration')) : []);

    it('killed inside its transaction, a run leaves no day-log line for its work: the errors it met are logged by the run that commits', async () => {
      const A = articleCodes(s.base);
      const good = s.book.sell({ day: '2026-11-02', customer: 'C0000001', lines: [{ article: A[0] }] });
      const stranger = s.book.sell({ day: '2026-11-02', customer: 'C0000042', lines: [{ article: A[1] }] });
      await s.storeRaw([good, stranger]);
      const killed = await runCli(['server', 'integrate', ...s.flags, '--until', '2026-11-02'], { cwd: ROOT, env: { [CRASH_ENV]: 'integration:after-first-write' } });
      expect(killed.signal).toBe('SIGKILL');
      expect(await s.db.selectFrom('documents').select('id').execute()).toEqual([]);
      expect(await s.db.selectFrom('log_book').select('message').where('channel', '=', 'integration').execute()).toEqual([]);
      // Only the line saying a run started (written before its transaction): not the ticket it left out, not a batch.
      expect(dayLog()).toEqual([expect.stringMatching(/INFO \[integration\] run started/)]);

      const rerun = await runIntegration(s.db, s.data, { until: '2026-11-02' });
      expect(rerun.stats).toMatchObject({ inDocuments: 1, leftOut: 1 });
      const lines = dayLog();
      expect(lines.filter((l) => l.includes(`ticket ${stranger.id} left out of integration: unknown customer C0000042`))).toHaveLength(1);
      expect(lines.filter((l) => l.includes(`[integration] batch ${rerun.batch}:`))).toHaveLength(1);
    });

    const startedRuns = () => {
      const p = dayLogPath(s.data);
      return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.includes('[integration] run started')).length : 0;
    };

    it('SIGKILL in the middle of a run leaves no trace of it; the rerun finishes the job', async () => {
      await s.store(generateVolume({ tills: 4, ticketsPerTill: 2500, days: 2, startDay: '2026-11-02' }));
      const first = await runIntegration(s.db, s.data, { until: '2026-11-02' });
      const firstDocs = await s.db.selectFrom('documents').selectAll().orderBy('id').execute();
      const firstTickets = first.stats.inDocuments;
      expect(firstTickets).toBe(5000);

      // Kill the run at a random moment of its work. Should a run finish before the kill lands
      // (a fast machine), undo it and try again sooner: the kill must hit a run in progress.
      let window = first.elapsedMs * 0.6;
      let killed = false;
      for (let attempt = 0; attempt < 6 && !killed; attempt++) {
        const runsBefore = startedRuns();
        const child = spawnCli(['server', 'integrate', ...s.flags, '--until', '2026-11-03']);
        let exitedEarly = false;
        const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
        child.on('exit', () => (exitedEarly = true));
        while (startedRuns() === runsBefore && !exitedEarly) await sleep(5);
        await sleep(Math.floor(Math.random() * window));
        if (exitedEarly) {
          const done = await s.db.selectFrom('batches').select('id').where('status', '=', 'done').orderBy('id', 'desc').executeTakeFirstOrThrow();
          expect(Number(done.id)).not.toBe(first.batch);
          await undoIntegration(s.db, s.data, Number(done.id));
          window /= 3;
          continue;
        }
        child.kill('SIGKILL');
        expect(await exit).toBe('SIGKILL');
        // Killed after its commit (while closing the database on its way out): not a crash mid-run.
        const committed = await s.db.selectFrom('batches').select('id').where('status', '=', 'done').where('id', '!=', first.batch!).executeTakeFirst();
        if (committed) {
          await undoIntegration(s.db, s.data, Number(committed.id));
          window /= 3;
          continue;
        }
        killed = true;
      }
      expect(killed).toBe(true);

      // Nothing of the killed run: same documents, same numbers, its tickets pending, no batch.
      expect(await s.db.selectFrom('documents').selectAll().orderBy('id').execute()).toEqual(firstDocs);
      expect((await s.db.selectFrom('batches').select(['id', 'status']).where('status', '=', 'done').execute()).map((b) => Number(b.id))).toEqual([first.batch]);
      expect(Number((await s.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('document_id', 'is', null).executeTakeFirstOrThrow()).n)).toBe(5000);
      expect(await integrityProblems(s.db)).toEqual([]);

      const rerun = await runIntegration(s.db, s.data, { until: '2026-11-03' });
      expect(rerun.stats.inDocuments).toBe(5000);
      expect(await s.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute()).toEqual([]);
      expect(await integrityProblems(s.db)).toEqual([]);
      expect(rerun.series.invoice!.first).toBe(`F${String(firstDocs.length + 1).padStart(8, '0')}`);
    });
  });
}
