/**
 * Accounting through the real CLI (child processes), on SQLite and PostgreSQL: mapping check and
 * import, integrate → post → open items → undo → post again, and a posting killed mid-transaction
 * (SIGKILL) that a rerun finishes exactly once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../support/test-databases.ts';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { storeTickets, TicketBook } from '../support/test-tickets.ts';
import { at20, booksBaseData } from '../support/books.ts';
import { runCli } from '../support/cli-harness.ts';
import type { Ticket } from '../../sync/types.ts';

const CLI_TIMEOUT = 240_000;
const D1 = '2026-11-02';
const D2 = '2026-11-03';

async function server(engine: 'sqlite' | 'postgres'): Promise<TestDb & { book: TicketBook }> {
  const t = await openTestDb(engine);
  writeServerConfig(t.data, { ...defaultConfig(t.data), ...(t.url ? { db: t.url } : {}) });
  const base = booksBaseData();
  await saveBaseData(t.db, base);
  return { ...t, book: new TicketBook(base.articles) };
}

const tillsync = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env: { TILLSYNC_DEBUG: '', ...env }, timeoutMs: 180_000 });

for (const engine of TEST_ENGINES) {
  describe(`accounting CLI on ${engine}`, () => {
    let t: TestDb & { book: TicketBook };
    beforeAll(async () => {
      t = await server(engine);
    }, CLI_TIMEOUT);
    afterAll(async () => t.cleanup(), CLI_TIMEOUT);

    it('integrate → post → open items → undo → post: a partial invoice settlement leaves 148.00 open', async () => {
      const sold: Ticket[] = [t.book.sell({ day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] })];
      await storeTickets(t.db, sold);
      expect((await tillsync(['server', 'integrate', '--data', t.data, '--until', D1])).code).toBe(0);
      const first = await tillsync(['server', 'post', '--data', t.data, '--until', D1, '--json']);
      expect(first.code).toBe(0);
      expect(first.json).toMatchObject({ documents: 1, entries: 1, settlements: 1 });
      expect(first.json.invariants.every((c: { ok: boolean }) => c.ok)).toBe(true);
      const invoice = (await t.db.selectFrom('documents').select('number').executeTakeFirstOrThrow()).number;

      await storeTickets(t.db, [t.book.sell({ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] })]);
      expect((await tillsync(['server', 'integrate', '--data', t.data, '--until', D2])).code).toBe(0);
      const second = await tillsync(['server', 'post', '--data', t.data, '--until', D2]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/lettering 1 group\(s\), 1 partial/);
      expect(second.stdout).toMatch(/ok +lettered groups sum to zero: 1 group\(s\) lettered, 1 partial/);
      const batch = Number(/server undo --data \S+ --batch (\d+)/.exec(second.stdout)![1]);

      const items = await tillsync(['server', 'open-items', '--data', t.data, '--customer', 'C0000001', '--json']);
      expect(items.json.customers).toMatchObject([{ thirdParty: 'C0000001', owed: '148.00', effets: [{ state: 'C10', open: '148.00' }] }]);
      const text = await tillsync(['server', 'open-items', '--data', t.data]);
      expect(text.stdout).toMatch(new RegExp(`411000 ${invoice} +${D2} +D +248.69 +C +100.69 +open +148.00 +AAA partial`));

      const undo = await tillsync(['server', 'undo', '--data', t.data, '--batch', String(batch), '--json']);
      expect(undo.code).toBe(0);
      expect(undo.json).toMatchObject({ batches: [batch], letterings: 1, reopened: 1 });
      expect((await tillsync(['server', 'open-items', '--data', t.data, '--json'])).json.totalOwed).toBe('248.69');

      const again = await tillsync(['server', 'post', '--data', t.data, '--until', D2, '--json']);
      expect(again.json).toMatchObject({ paymentOnlyTickets: 1, lettering: { groups: 1, partial: 1 } });
      const nothing = await tillsync(['server', 'post', '--data', t.data, '--until', D2]);
      expect(nothing.stdout).toMatch(/nothing to post/);
      const log = readFileSync(join(t.data, 'log', `${new Date().toISOString().slice(0, 10)}.log`), 'utf8');
      expect(log).toMatch(/INFO \[posting\] batch \d+ \(direct, by customer\)/);
      expect(log).toMatch(/INFO \[posting\] posting batch \d+ undone/);
    }, CLI_TIMEOUT);

    it('a posting killed mid-transaction leaves nothing; the rerun posts everything once', async () => {
      const sales = [];
      for (let i = 0; i < 40; i++) sales.push(t.book.sell({ till: i % 2 ? '03' : '04', day: D1, customer: i % 3 ? 'COMPTOIR' : 'C0000004', lines: [at20(`${5 + i}.90`)], payments: [{ mode: i % 4 ? 'CB' : 'ESP' }] }));
      await storeTickets(t.db, sales);
      expect((await tillsync(['server', 'integrate', '--data', t.data, '--until', D1, '--tills', '03-04'])).code).toBe(0);
      const before = Number((await t.db.selectFrom('entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const postingLines = () => readFileSync(join(t.data, 'log', `${new Date().toISOString().slice(0, 10)}.log`), 'utf8').split('\n').filter((l) => l.includes('[posting'));
      const linesBefore = postingLines();
      const killed = await tillsync(['server', 'post', '--data', t.data, '--until', D1, '--tills', '03-04'], { TILLSYNC_CRASH_AT: 'posting:after-first-chunk' });
      expect(killed.signal).toBe('SIGKILL');
      // The day log is written after the commit: the killed run left no line in it.
      expect(postingLines()).toEqual(linesBefore);
      expect(Number((await t.db.selectFrom('entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
      expect(await t.db.selectFrom('documents').select('id').where('till', 'in', ['03', '04']).where('posting_batch', 'is not', null).execute()).toEqual([]);
      const rerun = await tillsync(['server', 'post', '--data', t.data, '--until', D1, '--tills', '03-04', '--json']);
      expect(rerun.code).toBe(0);
      expect(rerun.json.tickets).toBe(40);
      expect(rerun.json.invariants.every((c: { ok: boolean }) => c.ok)).toBe(true);
      const docs = await t.db.selectFrom('documents').select(['posting_batch']).where('till', 'in', ['03', '04']).execute();
      expect(docs.every((d) => d.posting_batch === rerun.json.batch)).toBe(true);
      expect((await tillsync(['server', 'letter', '--data', t.data, '--json'])).json.batch).toBeNull();
    }, CLI_TIMEOUT);

    // The SQL side runs on both engines in server/accounting/*.test.ts; child processes are slow to
    // start, so the mapping commands are driven once, on SQLite.
    if (engine !== 'sqlite') return;

    it('config check lists every problem with its JSON path and blocks posting; import-accounts reports by line', async () => {
      const ok = await tillsync(['server', 'config', 'check', '--data', t.data, '--json']);
      expect(ok.code).toBe(0);
      expect(ok.json).toMatchObject({ ok: true, errors: 0 });

      const file = join(t.data, 'accounting.json');
      const original = readFileSync(file, 'utf8');
      const m = JSON.parse(original);
      delete m.vat.VR;
      m.paymentModes.CHQ.account = '511299';
      m.journals.sales = 'VT';
      writeFileSync(file, JSON.stringify(m));
      const bad = await tillsync(['server', 'config', 'check', '--data', t.data]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/NOT READY — 4 error\(s\)/);
      // A non-numeric journal needs its Exact journal (eExact import schema: numeric journal codes).
      expect(bad.stdout).toMatch(/ERROR {3}journals\.sales: journal VT is not numeric and has no Exact journal/);
      expect(bad.stdout).toMatch(/ERROR {3}vat\.VR: VAT code VR \(10 %, base data\) has no mapping/);
      expect(bad.stdout).toMatch(/ERROR {3}paymentModes\.CHQ\.account: treasury account of CHQ 511299 is not in the chart of accounts/);
      expect(bad.stdout).toMatch(/ERROR {3}journals\.sales: sales journal VT is not in the journal list/);
      const refused = await tillsync(['server', 'post', '--data', t.data, '--until', D2]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/^tillsync: the accounting mapping is not ready \(4 error\(s\)\): vat\.VR: .*\(fix .*accounting\.json, see: tillsync server config check/);

      const csv = join(t.data, 'plan.csv');
      writeFileSync(csv, 'type;number;label\naccount;511299;Chèques 2\njournal;VT;Ventes\naccount;511299;Doublon\naccount;;\n');
      const imp = await tillsync(['server', 'config', 'import-accounts', '--data', t.data, csv]);
      expect(imp.stdout).toMatch(/1 account\(s\) and 1 journal\(s\) added, 1 duplicate\(s\) ignored, 1 malformed line/);
      expect(imp.stdout).toMatch(/line 4: account 511299 ignored \(duplicate of line 2\)/);
      expect(imp.stdout).toMatch(/line 5: no number\/code/);
      expect(imp.code).toBe(1);
      const after = await tillsync(['server', 'config', 'check', '--data', t.data, '--json']);
      expect(after.json.issues.filter((i: { severity: string }) => i.severity === 'error').map((i: { path: string }) => i.path)).toEqual(['vat.VR', 'journals.sales']); // VT is now known, but still has no Exact journal
      writeFileSync(file, original);
    }, CLI_TIMEOUT);
  });
}
