/**
 * `tillsync server check --from DAY --to DAY` (a period check) and the nightly's use of it, through
 * the real CLI on SQLite and PostgreSQL. Three days of books made by integrate → post: the period
 * check passes on them; an entry line altered inside the period fails it naming the check, the entry
 * and its amounts; an alteration on another day is not read by the period check but is by the whole
 * check; a numbering gap at the period's first document is caught (the series is resumed before the
 * period); the nightly checks the night's days only, the whole books with --full-check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { at20, booksBaseData } from '../support/books.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { TicketBook } from '../support/test-tickets.ts';
import { BOOKS_CHECKS } from '../../server/books/check-registry.ts';
import { cli, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const T = 240_000;
// Monday to Wednesday: the nightly's whole-books day (default sunday) is none of them.
const D1 = '2026-11-02';
const D2 = '2026-11-03';
const D3 = '2026-11-04';

for (const engine of TEST_ENGINES) {
  describe(`tillsync server check --from/--to (${engine})`, () => {
    let s: IntegrationServer;
    let book: TicketBook;
    const daySales = (day: string, n: number) =>
      Array.from({ length: n }, (_, i) => book.sell({ day, customer: i % 3 ? 'COMPTOIR' : 'C0000004', lines: [at20(`${7 + i}.40`)], payments: [{ mode: i % 2 ? 'CB' : 'ESP' }] }));
    /** An entry line of a day, with the sums its entry had. */
    const lineOf = async (day: string) => {
      const line = await s.db.selectFrom('entry_lines as l').innerJoin('entries as e', 'e.id', 'l.entry_id').select(['l.id', 'l.entry_id', 'l.debit', 'e.journal', 'e.piece']).where('e.entry_date', '=', day).where('l.debit', '<>', '0.00').orderBy('l.id').executeTakeFirstOrThrow();
      const credits = await s.db.selectFrom('entry_lines').select('credit').where('entry_id', '=', line.entry_id).execute();
      return { ...line, credit: (credits.reduce((a, x) => a + Math.round(Number(x.credit) * 100), 0) / 100).toFixed(2) };
    };
    const check = (...args: string[]) => cli(['--json', 'server', 'check', ...s.flags, ...args]);

    beforeAll(async () => {
      s = await openIntegrationServer(engine);
      const base = booksBaseData();
      await saveBaseData(s.db, base);
      book = new TicketBook(base.articles);
      await s.store([book.sell({ day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] }), ...daySales(D1, 9)]);
      expect((await cli(['server', 'integrate', ...s.flags, '--until', D1])).code).toBe(0);
      const invoice = (await s.db.selectFrom('documents').select('number').where('customer', '=', 'C0000001').executeTakeFirstOrThrow()).number;
      // Day 2 pays part of day 1's invoice: a settlement rest carved from an item of another day.
      await s.store([book.sell({ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] }), ...daySales(D2, 9)]);
      for (const args of [['integrate', '--until', D2], ['post', '--until', D2]]) {
        const r = await cli(['server', args[0], ...s.flags, ...args.slice(1)]);
        expect(r.code, r.stderr).toBe(0);
      }
    }, T);
    afterAll(async () => s.cleanup(), T);

    it('passes on clean books: each check says how it is scoped, lettering and e-reports read the whole books', async () => {
      const answers = new Map<string, Awaited<ReturnType<typeof check>>>();
      for (const [from, to] of [[D1, D1], [D2, D2], [D1, D2]]) {
        const r = await check('--from', from, '--to', to);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.json).toMatchObject({ ok: true, failed: [], period: { from, to } });
        expect(r.json.checks.map((c: { check: string; scope: { mode: string } }) => [c.check, c.scope.mode])).toEqual(BOOKS_CHECKS.map((c) => [c.name, ['lettering', 'ereports'].includes(c.name) ? 'whole' : 'period']));
        answers.set(`${from} ${to}`, r);
      }
      // Only day 2's documents and tickets are read (its 9 sales and the settling ticket), not day 1's.
      const d2 = answers.get(`${D2} ${D2}`)!;
      const docsD2 = (await s.db.selectFrom('documents').select('id').where('day', '=', D2).execute()).length;
      const ticketsD2 = (await s.db.selectFrom('tickets').select('id').where('day', '=', D2).execute()).length;
      expect(ticketsD2).toBe(10);
      expect(d2.json.checks.find((c: { check: string }) => c.check === 'ticket-vat').summary).toBe(`${ticketsD2} ticket(s) recomputed, ${docsD2} document(s)`);
      const text = await cli(['server', 'check', ...s.flags, '--from', D2, '--to', D2]);
      expect(text.stdout.trim().split('\n').at(-1)).toBe(`books check of ${D2}: all ${BOOKS_CHECKS.length} check(s) passed`);
      expect(text.stdout).toMatch(/^ok +lettering: .* \(whole books\)$/m);

      const half = await cli(['server', 'check', ...s.flags, '--from', D2]);
      expect(half.code).toBe(2);
      expect(half.stderr.trim()).toMatch(/^tillsync: give both --from and --to/);
      expect((await cli(['server', 'check', ...s.flags, '--from', D2, '--to', D1])).code).toBe(2);
    }, T);

    it('an entry line altered inside the period fails it, naming the check, the entry and its amounts', async () => {
      const line = await lineOf(D2);
      await s.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();
      try {
        const r = await check('--from', D2, '--to', D2);
        expect(r.code).toBe(1);
        expect(r.json.failed).toContain('balance');
        const balance = r.json.checks.find((c: { check: string }) => c.check === 'balance');
        expect(balance.problems).toContainEqual({ message: `entry ${line.entry_id} (${line.journal} ${line.piece}) does not balance`, ref: `entry ${line.entry_id}`, amounts: { debit: expect.stringMatching(/^\d+\.\d\d$/), credit: line.credit } });
        const text = await cli(['server', 'check', ...s.flags, '--from', D2, '--to', D2]);
        expect(text.stdout).toContain(`FAILED  balance: entry ${line.entry_id} (${line.journal} ${line.piece}) does not balance (debit `);
        expect(text.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^books check of ${D2}: \\d check\\(s\\) failed: balance`));
      } finally {
        await s.db.updateTable('entry_lines').set({ debit: line.debit }).where('id', '=', line.id).execute();
      }
    }, T);

    it('an alteration outside the period is not read by the period check; the whole check finds it', async () => {
      const line = await lineOf(D1);
      await s.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();
      try {
        const period = await check('--from', D2, '--to', D2);
        expect(period.code, period.stdout).toBe(0);
        const whole = await check();
        expect(whole.code).toBe(1);
        expect(whole.json.period).toBeNull();
        expect(whole.json.checks.find((c: { check: string }) => c.check === 'balance').problems[0]).toMatchObject({ ref: `entry ${line.entry_id}`, amounts: { credit: line.credit } });
        expect((await check('--from', D1, '--to', D1)).code).toBe(1);
      } finally {
        await s.db.updateTable('entry_lines').set({ debit: line.debit }).where('id', '=', line.id).execute();
      }
    }, T);

    it("catches a numbering gap at the period's first document (the series resumed before the period)", async () => {
      const first = await s.db.selectFrom('documents').select(['series', 'seq', 'number']).where('day', '=', D2).orderBy('seq').executeTakeFirstOrThrow();
      const series = first.series;
      // The series has documents before the period: the gap is at its boundary.
      expect(Number(first.seq)).toBeGreaterThan(1);
      const tail = await s.db.selectFrom('documents').select(['id', 'seq']).where('series', '=', series).where('seq', '>=', first.seq).orderBy('seq', 'desc').execute();
      const counter = await s.db.selectFrom('number_series').select('last_seq').where('series', '=', series).executeTakeFirstOrThrow();
      // Every number from the period's first on moves up one (as if that number was skipped), the counter with them.
      for (const d of tail) await s.db.updateTable('documents').set({ seq: Number(d.seq) + 1 }).where('id', '=', d.id).execute();
      await s.db.updateTable('number_series').set({ last_seq: Number(counter.last_seq) + 1 }).where('series', '=', series).execute();
      try {
        const r = await check('--from', D2, '--to', D2, '--only', 'document-numbers');
        expect(r.code, r.stdout).toBe(1);
        expect(r.json.checks[0].problems).toEqual([{ message: `series ${series} from ${first.seq}: ${first.seq} missing`, ref: `series ${series}` }]);
        // The period's own numbers (now first + 1 on) run without a break: only resuming before them shows the gap.
        // Day 1's check follows its series to the end, so it sees the gap too.
        expect((await check('--from', D1, '--to', D1, '--only', 'document-numbers')).code).toBe(1);
      } finally {
        for (const d of [...tail].reverse()) await s.db.updateTable('documents').set({ seq: Number(d.seq) }).where('id', '=', d.id).execute();
        await s.db.updateTable('number_series').set({ last_seq: Number(counter.last_seq) }).where('series', '=', series).execute();
      }
      expect((await check('--from', D2, '--to', D2, '--only', 'document-numbers')).code).toBe(0);
    }, T);

    it("the nightly checks the night's days only; the whole books with --full-check", async () => {
      await s.store(daySales(D3, 6));
      const line = await lineOf(D1);
      await s.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();
      try {
        const night = await cli(['--json', 'server', 'nightly', ...s.flags, '--until', D3]);
        expect(night.code, night.stdout + night.stderr).toBe(0);
        const step = night.json.steps.find((x: { step: string }) => x.step === 'check');
        expect(step.summary).toMatchObject({ mode: 'period', period: { from: D3, to: D3 } });
        expect(step.summary.checks).toHaveLength(BOOKS_CHECKS.length);
        expect(step.summary.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
        expect(step.line).toBe(`all ${BOOKS_CHECKS.length} books checks passed over ${D3} (the night's days; the whole books weekly or with --full-check)`);

        // Nothing new: no period to check.
        const again = await cli(['--json', 'server', 'nightly', ...s.flags, '--until', D3]);
        expect(again.code).toBe(0);
        expect(again.json.steps.find((x: { step: string }) => x.step === 'check').summary).toEqual({ mode: 'period', period: null, checks: [] });

        const full = await cli(['--json', 'server', 'nightly', ...s.flags, '--until', D3, '--full-check']);
        expect(full.code, full.stdout + full.stderr).toBe(4);
        expect(full.json).toMatchObject({ ok: false, exitCode: 4, failed: { step: 'check', code: 'books-check-failed' } });
        expect(full.json.failed.message).toMatch(new RegExp(`^nightly stopped: books check balance.*entry ${line.entry_id} `));
      } finally {
        await s.db.updateTable('entry_lines').set({ debit: line.debit }).where('id', '=', line.id).execute();
      }
      const clean = await cli(['--json', 'server', 'nightly', ...s.flags, '--until', D3, '--full-check']);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(clean.json.steps.find((x: { step: string }) => x.step === 'check').summary).toMatchObject({ mode: 'whole', period: null });
    }, T);
  });
}
