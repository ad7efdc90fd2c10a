/**
 * The books' named checks on small books made by the real intake, integration and posting: good
 * books pass every check; each kind of damage, made by hand in SQL the way a bad write or a hand
 * edit would leave it, fails its own check, naming the entry, document or ticket and the amounts.
 * Both engines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoBaseData } from '../../fixtures/store.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { saveBaseData } from '../base-data.ts';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { intakePackage } from '../intake/intake.ts';
import { enrolSigningTill } from '../../test/support/signing-till.ts';
import { runIntegration } from '../integration/integrate.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { loadMapping } from '../accounting/mapping.ts';
import { assertBooksSound, BOOKS_CHECKS, LEDGER_CHECKS, failedBooksChecks, renderBooksChecks, runBooksChecks, type CheckResult } from './check-registry.ts';

const DAY = '2026-11-02';

for (const engine of TEST_ENGINES) {
  describe(`books checks (${engine})`, () => {
    let t: TestDb;

    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData());
      const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 40, seed: 5 })];
      const { signer } = await enrolSigningTill(t.db, t.data, 'S1', '01');
      const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, signer });
      expect((await intakePackage({ db: t.db, data: t.data }, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'manual' })).status).toBe('accepted');
      await runIntegration(t.db, t.data, { until: DAY });
      await runPosting(t.db, t.data, { until: DAY });
    });
    afterEach(async () => t.cleanup());

    const run = () => runBooksChecks(t.db, { data: t.data });
    const failing = async () => failedBooksChecks(await run()).map((c) => c.check);
    const result = async (name: string): Promise<CheckResult> => (await runBooksChecks(t.db, { data: t.data, only: [name] }))[0];
    const mapping = () => loadMapping(t.data);

    /** A line of an entry of `kind` on one of `accounts` (its id, entry and amounts). */
    const lineOn = async (kind: string, accounts: string[], where: 'debit' | 'credit') =>
      t.db
        .selectFrom('entry_lines as l')
        .innerJoin('entries as e', 'e.id', 'l.entry_id')
        .select(['l.id', 'l.entry_id', 'l.debit', 'l.credit', 'l.account', 'l.vat_code', 'l.document_number'])
        .where('e.kind', '=', kind)
        .where('l.account', 'in', accounts)
        .where(`l.${where}`, '<>', '0.00')
        .where('l.aux_account', 'is', null)
        .orderBy('l.id')
        .executeTakeFirstOrThrow();

    it('books written by intake, integration and posting pass every check, with what each looked at', async () => {
      const results = await run();
      expect(results.map((r) => r.check)).toEqual(BOOKS_CHECKS.map((c) => c.name));
      expect(failedBooksChecks(results)).toEqual([]);
      for (const r of results) expect(r).toMatchObject({ ok: true, problems: [] });
      const text = renderBooksChecks(results);
      expect(text).toMatch(/^ok +balance: \d+ entries in \d journal\(s\)/m);
      expect(text).toMatch(/ok +settlements: \d+ item\(s\), [1-9]\d* posted ticket\(s\) with money/);
      expect(text).toContain(`books check: all ${BOOKS_CHECKS.length} check(s) passed`);
      // The fixture exercises what the checks look at: letterings, receivables, several VAT codes.
      expect((await result('lettering')).summary).toMatch(/^[1-9]\d* group\(s\)/);
      expect((await t.db.selectFrom('settlements').select('id').where('kind', '=', 'receivable').execute()).length).toBeGreaterThan(0);
      await expect(assertBooksSound(t.db, t.data, 'export')).resolves.toHaveLength(BOOKS_CHECKS.length);
    });

    it('balance: one entry line altered by hand names the entry and its debit and credit', async () => {
      const line = await t.db.selectFrom('entry_lines').select(['id', 'entry_id', 'debit']).where('debit', '<>', '0.00').orderBy('id').executeTakeFirstOrThrow();
      await t.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();
      const r = await result('balance');
      expect(r.ok).toBe(false);
      const p = r.problems.find((x) => x.ref === `entry ${line.entry_id}`)!;
      expect(p.message).toMatch(new RegExp(`^entry ${line.entry_id} \\(\\S+ \\S+\\) does not balance$`));
      expect(p.amounts!.debit).not.toBe(p.amounts!.credit);
      expect(p.amounts!.debit).toMatch(/^\d+\.\d\d$/);
      // The journal and the ledger no longer balance either.
      expect(r.problems.some((x) => x.ref === 'ledger')).toBe(true);
      expect(await failing()).toContain('balance');
      await expect(assertBooksSound(t.db, t.data, 'export refused')).rejects.toMatchObject({ code: 'books-check-failed', message: expect.stringMatching(new RegExp(`^export refused: books check balance.* failed: balance: entry ${line.entry_id} `)) });
    });

    it('balance: an entry without lines, and lines of an entry that does not exist', async () => {
      const e = await t.db.selectFrom('entries').select(['id']).orderBy('id').executeTakeFirstOrThrow();
      // Unbalanced on purpose: a stray line on an entry id that was never written.
      await t.db.insertInto('entry_lines').values({ entry_id: 99999, line_no: 1, account: '530000', aux_account: null, aux_label: null, label: 'stray', debit: '0.00', credit: '0.00', vat_code: null, document_number: null, lettering_id: null, letter_key: null }).execute();
      await t.db.insertInto('entries').values({ batch_id: 1, journal: 'OD', entry_date: DAY, piece: 'X1', label: 'empty', kind: 'treasury', validated_at: new Date().toISOString(), export_id: null, fec_num: null, fec_journal_num: null }).execute();
      const msgs = (await result('balance')).problems.map((p) => p.message);
      expect(msgs).toContain('1 line(s) of entry 99999, which does not exist');
      expect(msgs.some((m) => /^entry \d+ \(OD X1\) has no line$/.test(m))).toBe(true);
      expect(e.id).toBeGreaterThan(0);
    });

    it('documents: a total or a VAT line that no longer ties out with the tickets', async () => {
      const docs = await t.db.selectFrom('documents').select(['id', 'number', 'total_incl', 'batch_id']).orderBy('id').execute();
      await t.db.updateTable('documents').set({ total_incl: '0.01' }).where('id', '=', docs[0].id).execute();
      const r = await result('documents');
      expect(r.problems).toContainEqual({ message: `document ${docs[0].number}: total ≠ Σ its tickets`, ref: `document ${docs[0].number}`, amounts: { expected: docs[0].total_incl, found: '0.01' } });
      expect(r.problems.some((p) => p.message === `document ${docs[0].number}: net + VAT ≠ total incl VAT`)).toBe(true);
      const v = await t.db.selectFrom('document_vat').select(['document_id', 'vat_code', 'vat']).where('document_id', '=', docs[1].id).executeTakeFirstOrThrow();
      await t.db.updateTable('document_vat').set({ vat: '77.77' }).where('document_id', '=', v.document_id).where('vat_code', '=', v.vat_code).execute();
      const msgs = (await result('documents')).problems.map((p) => p.message);
      expect(msgs).toContain(`document ${docs[1].number}: VAT ≠ Σ its VAT lines`);
      expect(msgs.some((m) => m.startsWith(`document ${docs[1].number} VAT line ${v.vat_code}: net `))).toBe(true);
      const one = await t.db.selectFrom('tickets').select('id').where('document_id', '=', docs[1].id).executeTakeFirstOrThrow();
      await t.db.updateTable('tickets').set({ document_id: docs[2].id }).where('id', '=', one.id).execute();
      expect((await result('documents')).problems.map((p) => p.message)).toContain(`ticket ${one.id} carries number ${docs[1].number}, its document is ${docs[2].number}`);
      await t.db.updateTable('tickets').set({ document_id: docs[1].id, integration_batch: 9999 }).where('id', '=', one.id).execute();
      expect((await result('documents')).problems.map((p) => p.message)).toContain(`ticket ${one.id} was integrated by batch 9999, its document ${docs[1].number} by batch ${docs[1].batch_id}`);
    });

    it("ticket-vat: a document's VAT split moved by a cent, its totals kept consistent, only the recomputation from the tickets sees it", async () => {
      const v = await t.db.selectFrom('document_vat as v').innerJoin('documents as d', 'd.id', 'v.document_id').select(['v.document_id', 'd.number', 'v.vat_code', 'v.vat', 'v.base', 'd.total_vat', 'd.total_excl']).where('d.posting_batch', 'is not', null).where('d.kind', '=', 'invoice').orderBy('d.id').executeTakeFirstOrThrow();
      const cent = (x: string, by: number) => (Math.round(Number(x) * 100) + by) / 100;
      await t.db.updateTable('document_vat').set({ vat: cent(v.vat, 1).toFixed(2), base: cent(v.base, -1).toFixed(2) }).where('document_id', '=', v.document_id).where('vat_code', '=', v.vat_code).execute();
      await t.db.updateTable('documents').set({ total_vat: cent(v.total_vat, 1).toFixed(2), total_excl: cent(v.total_excl, -1).toFixed(2) }).where('id', '=', v.document_id).execute();
      expect(await failing()).toEqual(['ticket-vat']);
      const p = (await result('ticket-vat')).problems[0];
      expect(p).toMatchObject({ ref: `document ${v.number}`, amounts: { expected: v.vat, found: cent(v.vat, 1).toFixed(2) } });
      expect(p.message).toMatch(new RegExp(`^document ${v.number} VAT ${v.vat_code}: VAT ≠ its tickets' lines split at [\\d.]+ %$`));
    });

    it("ticket-vat: a ticket's stored total that is not the sum of its signed lines", async () => {
      const tk = await t.db.selectFrom('tickets').select(['id', 'total_incl']).where('document_id', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
      await t.db.updateTable('tickets').set({ total_incl: '1234.56' }).where('id', '=', tk.id).execute();
      const r = await result('ticket-vat');
      expect(r.problems).toContainEqual({ message: `ticket ${tk.id}: stored goods total is not Σ its lines`, ref: `ticket ${tk.id}`, amounts: { expected: tk.total_incl, found: '1234.56' } });
      expect(await failing()).toEqual(['documents', 'ticket-vat']);
      // An export hands over the ledger, whose checks still pass: it is not refused for this.
      await expect(assertBooksSound(t.db, t.data, 'export', LEDGER_CHECKS)).resolves.toHaveLength(LEDGER_CHECKS.length);
    });

    it('document-numbers and entry-numbers: a gap in a document series, a counter out of step, a break in the FEC entry numbers', async () => {
      const docs = await t.db.selectFrom('documents').select(['id', 'seq', 'series']).where('series', '=', 'invoice').orderBy('seq').execute();
      await t.db.updateTable('documents').set({ seq: 1000 }).where('id', '=', docs[1].id).execute();
      let msgs = (await result('document-numbers')).problems.map((p) => p.message);
      expect(msgs).toContain(`series invoice: ${docs[1].seq}, ${docs[docs.length - 1].seq + 1}–999 missing`);
      expect(msgs).toContain(`series invoice: counter at ${docs[docs.length - 1].seq} but the last document is 1000`);
      await t.db.updateTable('documents').set({ seq: docs[1].seq }).where('id', '=', docs[1].id).execute();
      expect(await failing()).toEqual([]);
      const e = await t.db.selectFrom('entries').select(['id', 'fec_num', 'journal', 'fec_journal_num']).orderBy('fec_num').executeTakeFirstOrThrow();
      expect(e.fec_num).toBe(1);
      // Its numbers moved past the last ones: 1 is missing overall and in its journal.
      const last = await t.db.selectFrom('entries').select([(eb) => eb.fn.max('fec_num').as('n')]).executeTakeFirstOrThrow();
      const lastJ = await t.db.selectFrom('entries').select([(eb) => eb.fn.max('fec_journal_num').as('n')]).where('journal', '=', e.journal).executeTakeFirstOrThrow();
      await t.db.updateTable('entries').set({ fec_num: Number(last.n) + 1, fec_journal_num: Number(lastJ.n) + 1 }).where('id', '=', e.id).execute();
      msgs = (await result('entry-numbers')).problems.map((p) => p.message);
      expect(msgs).toContain('FEC entry numbers: 1 missing');
      expect(msgs).toContain(`journal ${e.journal} entry numbers: 1 missing`);
    });

    it("sales: a customer line moved to another document's number (balance intact)", async () => {
      const docs = await t.db.selectFrom('documents').select(['number', 'total_incl']).where('posting_batch', 'is not', null).where('kind', '=', 'invoice').orderBy('id').limit(2).execute();
      const l = await t.db.selectFrom('entry_lines as l').innerJoin('entries as e', 'e.id', 'l.entry_id').select(['l.id']).where('e.kind', '=', 'sales').where('l.aux_account', 'is not', null).where('l.document_number', '=', docs[0].number).executeTakeFirstOrThrow();
      await t.db.updateTable('entry_lines').set({ document_number: docs[1].number }).where('id', '=', l.id).execute();
      expect(await failing()).toEqual(['sales']);
      const r = await result('sales');
      expect(r.problems[0]).toMatchObject({ message: `document ${docs[0].number} is marked posted but no customer line of a sales entry carries its number`, amounts: { expected: docs[0].total_incl } });
      expect(r.problems[1]).toMatchObject({ ref: `document ${docs[1].number}`, amounts: { expected: docs[1].total_incl } });
    });

    it('vat: a cent moved from a VAT line to the sales line of the same code (the entry still balances)', async () => {
      const m = mapping();
      const vatLine = await lineOn('sales', Object.values(m.vat).map((v) => v.vatAccount), 'credit');
      const salesLine = await t.db.selectFrom('entry_lines').select(['id', 'credit', 'vat_code']).where('entry_id', '=', vatLine.entry_id).where('vat_code', '=', vatLine.vat_code).where('id', '<>', vatLine.id).where('aux_account', 'is', null).executeTakeFirstOrThrow();
      const cent = (x: string, by: number) => ((Math.round(Number(x) * 100) + by) / 100).toFixed(2);
      await t.db.updateTable('entry_lines').set({ credit: cent(vatLine.credit, -1) }).where('id', '=', vatLine.id).execute();
      await t.db.updateTable('entry_lines').set({ credit: cent(salesLine.credit, 1) }).where('id', '=', salesLine.id).execute();
      expect(await failing()).toEqual(['vat']);
      const msgs = (await result('vat')).problems.map((p) => p.message);
      expect(msgs).toEqual([`VAT code ${vatLine.vat_code}: VAT posted ≠ VAT of the posted tickets' lines`, `VAT code ${vatLine.vat_code}: net posted ≠ net of the posted tickets' lines`]);
    });

    it('treasury: a treasury line moved to another account names the day and the amounts', async () => {
      const m = mapping();
      const accounts = Object.values(m.paymentModes).filter((p) => p.account && !p.credit && !p.depositVoucher).map((p) => p.account!);
      const l = await lineOn('treasury', accounts, 'debit');
      await t.db.updateTable('entry_lines').set({ account: '471000' }).where('id', '=', l.id).execute();
      expect(await failing()).toEqual(['treasury']);
      const r = await result('treasury');
      expect(r.problems[0].message).toBe('money taken by the posted tickets ≠ treasury movements');
      const { expected, found } = r.problems[0].amounts!;
      expect(Math.round((Number(expected) - Number(found)) * 100)).toBe(Math.round(Number(l.debit) * 100));
      expect(r.problems[1].message).toBe(`day ${DAY}: money taken ≠ treasury movements`);
    });

    it('lettering: a lettered group that no longer sums to zero, a lettering left without lines', async () => {
      // A line of a complete group (a partial group short of a line is still partial: nothing to see).
      const l = await t.db.selectFrom('entry_lines as l').innerJoin('letterings as g', 'g.id', 'l.lettering_id').select(['l.id', 'l.lettering_id']).where('g.partial', '=', 0).where('l.debit', '<>', '0.00').orderBy('l.id').executeTakeFirstOrThrow();
      await t.db.updateTable('entry_lines').set({ lettering_id: null }).where('id', '=', l.id).execute();
      expect(await failing()).toEqual(['lettering']);
      expect((await result('lettering')).problems[0].message).toMatch(/^lettering [A-Z]{3} on \d+\/\S+ (does not sum to zero and is not flagged partial|sums to zero but is flagged partial)$/);
      await t.db.updateTable('entry_lines').set({ lettering_id: null }).where('lettering_id', '=', l.lettering_id).execute();
      expect((await result('lettering')).problems.map((p) => p.message)).toEqual([expect.stringMatching(/^lettering [A-Z]{3} on \d+ is current but letters no line$/)]);
    });

    it('settlements: a payment item altered, left open, or a rest carved from an open item', async () => {
      const pay = await t.db.selectFrom('settlements').select(['id', 'ticket_id', 'amount']).where('kind', '=', 'payment').where('parent_id', 'is', null).orderBy('id').executeTakeFirstOrThrow();
      await t.db.updateTable('settlements').set({ amount: '0.01' }).where('id', '=', pay.id).execute();
      expect(await failing()).toEqual(['settlements']);
      expect((await result('settlements')).problems[0]).toMatchObject({ message: `ticket ${pay.ticket_id}: its settlement items ≠ the money it took`, ref: `ticket ${pay.ticket_id}` });
      await t.db.updateTable('settlements').set({ amount: pay.amount, open_amount: pay.amount }).where('id', '=', pay.id).execute();
      expect((await result('settlements')).problems.map((p) => p.message)).toEqual([`settlement ${pay.id}: a payment item left open`]);
      await t.db.updateTable('settlements').set({ open_amount: '0.00' }).where('id', '=', pay.id).execute();
      const rec = await t.db.selectFrom('settlements').selectAll().where('kind', '=', 'receivable').orderBy('id').executeTakeFirstOrThrow();
      const { id: _id, ...rest } = rec;
      await t.db.insertInto('settlements').values({ ...rest, ticket_id: null, amount: '0.01', open_amount: '0.01', parent_id: rec.id }).execute();
      expect((await result('settlements')).problems.map((p) => p.message)).toEqual([expect.stringMatching(new RegExp(`^settlement \\d+ is the rest of item ${rec.id}, which is still open$`))]);
    });

    it('--only runs the named checks, in registry order; an unknown name is refused with the list', async () => {
      const r = await runBooksChecks(t.db, { data: t.data, only: ['lettering', 'balance'] });
      expect(r.map((x) => x.check)).toEqual(['balance', 'lettering']);
      await expect(runBooksChecks(t.db, { data: t.data, only: ['balanse'] })).rejects.toMatchObject({ code: 'usage', message: 'unknown check balanse', hint: expect.stringContaining('balance, entry-numbers, sales, vat, treasury, lettering, settlements, documents, ticket-vat, document-numbers, ereports') });
    });
  });
}
