/**
 * The drill's database checks must catch what they claim to: books made by the real intake,
 * integration and posting functions pass; each kind of damage (a lost ticket, a doubled document
 * number, an unbalanced entry, a lettering that does not sum to zero…) is reported by its check.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoBaseData } from '../fixtures/store.ts';
import { generateTillTickets } from '../fixtures/volume.ts';
import { saveBaseData } from '../server/base-data.ts';
import { openTestDb, TEST_ENGINES, type TestDb } from '../test/support/test-databases.ts';
import { intakePackage } from '../server/intake/intake.ts';
import { enrolSigningTill } from '../test/support/signing-till.ts';
import { runIntegration } from '../server/integration/integrate.ts';
import { runPosting } from '../server/accounting/posting-run.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { checkServerState, failedChecks, type DrillExpectation } from './drill-checks.ts';
import { unletterLatestPosting } from './drill-phases.ts';

const DAY = '2026-11-02';

for (const engine of TEST_ENGINES) {
  describe(`drill checks (${engine})`, () => {
    let t: TestDb;
    let expect_: DrillExpectation;

    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData());
      const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 30, seed: 3 })];
      const { signer } = await enrolSigningTill(t.db, t.data, 'S1', '01');
      const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, signer });
      const o = await intakePackage({ db: t.db, data: t.data }, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'manual' });
      expect(o.status).toBe('accepted');
      await runIntegration(t.db, t.data, { until: DAY });
      await runPosting(t.db, t.data, { until: DAY });
      expect_ = { tickets: new Map(tickets.map((x) => [x.id, x.hash])), integratedThrough: DAY, postedThrough: DAY };
    });
    afterEach(async () => t.cleanup());

    const failing = async (exp = expect_) => failedChecks(await checkServerState(t.db, exp)).map((c) => c.name);

    it('books written by intake, integration and posting pass every check', async () => {
      const checks = await checkServerState(t.db, expect_);
      expect(checks.length).toBeGreaterThanOrEqual(12);
      expect(failedChecks(checks)).toEqual([]);
    });

    it('a lost ticket, a ticket never sent and a changed hash', async () => {
      await t.db.deleteFrom('tickets').where('id', '=', 'S1-01-00000007').execute();
      expect(await failing()).toContain('every ticket stored exactly once');
      expect(await failing()).toContain('ticket numbers gapless per till');
      const fewer = new Map(expect_.tickets);
      fewer.delete('S1-01-00000007');
      fewer.set('S1-01-00000003', 'f'.repeat(64));
      fewer.delete('S1-01-00000004');
      const names = await failing({ ...expect_, tickets: fewer });
      expect(names).toContain('every ticket stored exactly once');
    });

    it('a gap in the document numbers (the database itself refuses a doubled one)', async () => {
      const docs = await t.db.selectFrom('documents').select(['id', 'seq']).orderBy('seq').execute();
      expect(docs.length).toBeGreaterThan(2);
      await t.db.updateTable('documents').set({ seq: 1000 }).where('id', '=', docs[1].id).execute();
      expect(await failing()).toContain('books document-numbers');
    });

    it('a ticket pointing at the wrong document, and totals that do not tie out', async () => {
      const docs = await t.db.selectFrom('documents').select(['id', 'number', 'total_incl']).orderBy('id').execute();
      await t.db.updateTable('documents').set({ total_incl: '0.01' }).where('id', '=', docs[0].id).execute();
      expect(await failing()).toContain('books documents');
      const one = await t.db.selectFrom('tickets').select('id').where('document_id', '=', docs[1].id).executeTakeFirstOrThrow();
      await t.db.updateTable('tickets').set({ document_id: docs[2].id }).where('id', '=', one.id).execute();
      expect(await failing()).toContain('books documents');
    });

    it('tickets left out of integration or documents left unposted', async () => {
      await t.db.updateTable('tickets').set({ integration_batch: null, document_id: null, document_number: null }).where('id', '=', 'S1-01-00000030').execute();
      expect(await failing()).toContain(`every ticket up to ${DAY} integrated`);
      await t.db.updateTable('documents').set({ posting_batch: null }).execute();
      expect(await failing()).toContain(`every invoice up to ${DAY} posted`);
    });

    it('an unbalanced entry and a document posted twice on the customer account', async () => {
      const line = await t.db.selectFrom('entry_lines').select(['id', 'debit']).where('debit', '<>', '0.00').orderBy('id').executeTakeFirstOrThrow();
      await t.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();
      const names = await failing();
      expect(names).toContain('books balance');
      expect(names).toContain('books sales');
    });

    it('a lettered group that does not sum to zero, or a lettering left without lines', async () => {
      const l = await t.db.selectFrom('entry_lines').select(['id', 'lettering_id']).where('lettering_id', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
      await t.db.updateTable('entry_lines').set({ lettering_id: null }).where('id', '=', l.id).execute();
      expect(await failing()).toContain('books lettering');
      await t.db.updateTable('entry_lines').set({ lettering_id: null }).where('lettering_id', '=', l.lettering_id).execute();
      expect(await failing()).toContain('books lettering');
    });

    it('unlettering the latest posting leaves balanced, consistent (unlettered) books', async () => {
      const n = await unletterLatestPosting(t.db);
      expect(n).toBeGreaterThan(0);
      expect(await t.db.selectFrom('entry_lines').select('id').where('lettering_id', 'is not', null).execute()).toEqual([]);
      expect(await failing()).toEqual([]);
    });

    it('a run left half-done', async () => {
      await t.db.insertInto('batches').values({ kind: 'posting', status: 'running', started_at: new Date().toISOString(), finished_at: null, params: '{}', summary: null }).execute();
      expect(await failing()).toEqual(['no run left half-done']);
    });
  });
}
