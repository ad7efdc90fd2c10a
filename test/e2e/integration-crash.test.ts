/**
 * Crash and rerun, on both engines: `tillsync server integrate` is SIGKILLed at a random moment
 * of its run; nothing of that run may remain, the batch before it stays whole, and a rerun
 * integrates every ticket exactly once with gapless numbers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { undoIntegration } from '../../server/integration/undo.ts';
import { dayLogPath } from '../../server/log-book.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { integrityProblems, openIntegrationServer, spawnCli, type IntegrationServer } from './integration-fixture.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

for (const engine of TEST_ENGINES) {
  describe(`integration crash (${engine})`, () => {
    let s: IntegrationServer;
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      await s.store(generateVolume({ tills: 4, ticketsPerTill: 2500, days: 2, startDay: '2026-11-02' }));
    });
    afterEach(async () => s.cleanup());

    const startedRuns = () => {
      const p = dayLogPath(s.data);
      return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.includes('[integration] run started')).length : 0;
    };

    it('SIGKILL in the middle of a run leaves no trace of it; the rerun finishes the job', async () => {
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
