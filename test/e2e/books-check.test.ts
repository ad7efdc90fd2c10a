/**
 * `tillsync server check` through the real CLI (child processes), on SQLite and PostgreSQL: books
 * made by the CLI's integrate → post pass every check (exit 0); one entry line's amount altered by
 * hand in SQL fails the balance check naming the entry and its debit and credit (exit 1); --json
 * and --only; the export then refuses the books naming the check, and the nightly stops on them
 * with exit 4. The demo's own books are checked by test/e2e/demo.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { at20, booksBaseData } from '../support/books.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { TicketBook } from '../support/test-tickets.ts';
import { BOOKS_CHECKS } from '../../server/books/check-registry.ts';
import { cli, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const T = 240_000;
const D1 = '2026-11-02';
const D2 = '2026-11-03';

for (const engine of TEST_ENGINES) {
  describe(`tillsync server check (${engine})`, () => {
    let s: IntegrationServer;
    let book: TicketBook;
    beforeAll(async () => {
      s = await openIntegrationServer(engine);
      const base = booksBaseData();
      await saveBaseData(s.db, base);
      book = new TicketBook(base.articles);
      // A credit sale paid in part the next day, counter sales in cash and card, a return.
      const sales = [
        book.sell({ day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] }),
        ...Array.from({ length: 12 }, (_, i) => book.sell({ day: D1, customer: i % 3 ? 'COMPTOIR' : 'C0000004', lines: [at20(`${5 + i}.90`)], payments: [{ mode: i % 2 ? 'CB' : 'ESP' }] })),
      ];
      await s.store(sales);
      const invoice = await (async () => {
        expect((await cli(['server', 'integrate', ...s.flags, '--until', D1])).code).toBe(0);
        return (await s.db.selectFrom('documents').select('number').where('customer', '=', 'C0000001').executeTakeFirstOrThrow()).number;
      })();
      await s.store([book.sell({ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] })]);
      for (const args of [['integrate', '--until', D2], ['post', '--until', D2]]) {
        const r = await cli(['server', args[0], ...s.flags, ...args.slice(1)]);
        expect(r.code, r.stderr).toBe(0);
      }
    }, T);
    afterAll(async () => s.cleanup(), T);

    it('passes on books made by integrate and post: one line per check, exit 0', async () => {
      const r = await cli(['server', 'check', ...s.flags]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines.slice(0, -1).map((l) => l.split(':')[0])).toEqual(BOOKS_CHECKS.map((c) => `ok      ${c.name}`));
      expect(lines.at(-1)).toBe(`books check: all ${BOOKS_CHECKS.length} check(s) passed`);
      expect(r.stdout).toMatch(/^ok +settlements: \d+ item\(s\), 1[34] posted ticket\(s\) with money$/m);
    }, T);

    it('fails, naming the balance check, the entry and its amounts, once an entry line is altered by hand', async () => {
      const line = await s.db.selectFrom('entry_lines as l').innerJoin('entries as e', 'e.id', 'l.entry_id').select(['l.id', 'l.entry_id', 'l.debit', 'e.journal', 'e.piece']).where('l.debit', '<>', '0.00').orderBy('l.id').executeTakeFirstOrThrow();
      const credits = await s.db.selectFrom('entry_lines').select('credit').where('entry_id', '=', line.entry_id).execute();
      const credit = { c: credits.reduce((a, x) => a + Math.round(Number(x.credit) * 100), 0) / 100 };
      await s.db.updateTable('entry_lines').set({ debit: '999.99' }).where('id', '=', line.id).execute();

      const r = await cli(['server', 'check', ...s.flags]);
      expect(r.code).toBe(1);
      const balance = r.stdout.split('\n').find((l) => l.startsWith('FAILED  balance: '))!;
      expect(balance).toContain(`entry ${line.entry_id} (${line.journal} ${line.piece}) does not balance (debit `);
      expect(balance).toContain(`credit ${Number(credit.c).toFixed(2)})`);
      expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^books check: \d check\(s\) failed: balance(, \S+)*$/);

      const json = await cli(['--json', 'server', 'check', ...s.flags, '--only', 'balance,lettering']);
      expect(json.code).toBe(1);
      expect(json.json).toMatchObject({ ok: false, failed: ['balance'] });
      expect(json.json.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok])).toEqual([['balance', false], ['lettering', true]]);
      const p = json.json.checks[0].problems.find((x: { ref?: string }) => x.ref === `entry ${line.entry_id}`);
      expect(p).toEqual({ message: `entry ${line.entry_id} (${line.journal} ${line.piece}) does not balance`, ref: `entry ${line.entry_id}`, amounts: { debit: expect.stringMatching(/^\d+\.\d\d$/), credit: Number(credit.c).toFixed(2) } });
      expect(Object.keys(json.json.checks[1])).toEqual(['check', 'ok', 'problems', 'summary']);

      const unknown = await cli(['server', 'check', ...s.flags, '--only', 'balanse']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.trim()).toMatch(/^tillsync: unknown check balanse \(checks: balance, entry-numbers, /);

      // The export refuses such books, naming the check and the command that lists every problem.
      const exp = await cli(['server', 'export', ...s.flags, '--format', 'fec', '--from', D1, '--to', D2]);
      expect(exp.code).toBe(1);
      const err = exp.stderr.trim().split('\n');
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(new RegExp(`^tillsync: export refused for ${D1}\\.\\.${D2}: books check balance(, \\S+)* failed: balance: entry ${line.entry_id} .*\\(every problem is listed by: tillsync server check --data ${s.data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
      expect(await s.db.selectFrom('exports').select('id').execute()).toEqual([]);

      // The nightly's whole-books check stops on them: exit 4, the failed step named (its period check: books-check-period.test.ts).
      const night = await cli(['--json', 'server', 'nightly', ...s.flags, '--until', D2, '--full-check']);
      expect(night.code, night.stdout + night.stderr).toBe(4);
      expect(night.json).toMatchObject({ ok: false, exitCode: 4, failed: { step: 'check', code: 'books-check-failed' } });
      expect(night.json.failed.message).toMatch(/^nightly stopped: books check balance/);

      // Put back, the books pass again.
      await s.db.updateTable('entry_lines').set({ debit: line.debit }).where('id', '=', line.id).execute();
      expect((await cli(['server', 'check', ...s.flags])).code).toBe(0);
    }, T);
  });
}
