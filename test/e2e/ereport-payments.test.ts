/**
 * B2C e-reporting with services and the Z-report fallback, on SQLite and PostgreSQL, through the
 * real integration and posting: consumers buy goods and services (VAT due on collection), one named
 * consumer pays part at the sale and part two days later; a business customer's sales stay out.
 * Day 2 is reported from the tills' Z reports (integration has not run for it), checked by the
 * official Flux 10 XSD and schematron (transactions and payments files); once day 2 is integrated
 * and posted, the corrective report of the period gives exactly the same figures, ties out to the
 * sales and VAT accounts (the FEC), and the books check `ereports` holds.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../support/test-databases.ts';
import { at10, at20, booksBaseData } from '../support/books.ts';
import { storeTickets, TicketBook } from '../support/test-tickets.ts';
import { checkFlux10 } from '../support/einvoice-validators.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { defaultConfig } from '../../server/context.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { runPosting } from '../../server/accounting/posting-run.ts';
import { resetEreports, runEreport, type EreportOutcome } from '../../server/einvoice/ereport-run.ts';
import { runBooksChecks } from '../../server/books/check-registry.ts';
import { dayLogPath } from '../../server/log-book.ts';
import { buildClosure } from '../../client/closure.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import type { Article, BaseData, Closure, Ticket } from '../../sync/types.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-04';
const SRV20: Article = { code: 'S20', barcode: '3760000000031', label: 'Pose et montage', price: '1.00', vatCode: 'VN', category: 'services' };
const SRV10: Article = { code: 'S10', barcode: '3760000000048', label: 'Entretien', price: '1.00', vatCode: 'VR', category: 'services' };
const srv20 = (price: string) => ({ article: SRV20.code, price });
const srv10 = (price: string) => ({ article: SRV10.code, price });

function base(): BaseData {
  const b = booksBaseData();
  return {
    ...b,
    articles: [...b.articles, SRV20, SRV10],
    customers: [...b.customers, { code: 'PART01', name: 'Mme Durand', account: '411000', thirdParty: 'PART01', address: '4 rue Haute, 69001 Lyon', consumer: true }],
  };
}

/** What a report says, in plain text for comparing two runs. */
function figures(o: EreportOutcome) {
  return {
    days: o.days.map((d) => `${d.day} ${d.category}${d.taxDueDateTypeCode ? `/${d.taxDueDateTypeCode}` : ''} n=${d.count} ${d.rates.map((r) => `${r.rate}%:${r.base.toFixed(2)}+${r.vat.toFixed(2)}`).join(' ')}`),
    payments: o.payments.map((p) => `${p.day} ${p.rates.map((r) => `${r.rate}%:${r.amount.toFixed(2)}`).join(' ')}`),
    excl: o.totalExcl,
    vat: o.totalVat,
  };
}

function valid(file: string) {
  const v = checkFlux10(readFileSync(file, 'utf8'));
  return { xsd: v.xsd, fatal: v.messages };
}

for (const engine of TEST_ENGINES) {
  describe(`e-reporting services, payments and Z reports on ${engine}`, () => {
    let t: TestDb;
    const env = () => ({ db: t.db, data: t.data, config: { ...defaultConfig(t.data), ereporting: { regime: 'decade', platform: { id: 'P042', name: 'PDP Exemple' } } } });
    let day1: Ticket[];
    let day2: Ticket[];
    beforeEach(async () => {
      t = await openTestDb(engine);
      const b = base();
      await saveBaseData(t.db, b);
      const book = new TicketBook(b.articles);
      day1 = [
        // Goods and a service, paid in full by card.
        book.sell({ day: D1, lines: [at20('12.00'), srv20('60.00')], payments: [{ mode: 'CB' }] }),
        book.sell({ day: D1, lines: [srv10('33.00')], payments: [{ mode: 'ESP' }] }),
        // A business customer: e-invoiced, not e-reported.
        book.sell({ day: D1, customer: 'C0000001', lines: [at20('100.00'), srv20('50.00')], payments: [{ mode: 'CRED' }] }),
        // A named consumer pays 40.00 of a 120.00 service now, the rest on credit.
        book.sell({ day: D1, customer: 'PART01', lines: [srv20('120.00')], payments: [{ mode: 'ESP', amount: '40.00' }, { mode: 'CRED' }] }),
        book.sell({ day: D1, lines: [at10('8.80')], payments: [{ mode: 'ESP' }] }),
      ];
      await storeTickets(t.db, day1);
      await closeDay(day1, '01', null);
      expect((await runIntegration(t.db, t.data, { until: D1 })).errorCount).toBe(0);
      await runPosting(t.db, t.data, { until: D1 });
      const invoice = (await t.db.selectFrom('documents').select('number').where('customer', '=', 'PART01').executeTakeFirstOrThrow()).number;
      day2 = [
        // She pays 50.00 more of her invoice two days later (30.00 stay open).
        book.sell({ day: D2, customer: 'PART01', settlements: [{ kind: 'invoice', ref: invoice, amount: '50.00' }], payments: [{ mode: 'CB' }] }),
        book.sell({ day: D2, lines: [srv20('30.00'), at10('11.00')], payments: [{ mode: 'ESP' }] }),
        book.sell({ day: D2, customer: 'C0000002', lines: [at20('20.00')], payments: [{ mode: 'CB' }] }),
        // A goods return, refunded in cash.
        book.sell({ day: D2, lines: [{ ...at20('5.00'), qty: '-1' }], payments: [{ mode: 'ESP' }] }),
        book.sell({ till: '02', day: D2, lines: [srv10('22.00')], payments: [{ mode: 'CB' }] }),
      ];
      await storeTickets(t.db, day2);
      await closeDay(day2.filter((x) => x.till === '01'), '01', await lastClosure('01'));
      await closeDay(day2.filter((x) => x.till === '02'), '02', null);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    async function lastClosure(till: string): Promise<Closure | null> {
      const rows = await t.db.selectFrom('closures').select('content').where('till', '=', till).execute();
      return rows.map((r) => JSON.parse(r.content) as Closure).sort((a, b) => b.seq - a.seq)[0] ?? null;
    }

    /** The till's Z report of the day, as replication stores it. */
    async function closeDay(tickets: Ticket[], till: string, previous: Closure | null): Promise<void> {
      const c = buildClosure(tickets, previous, { store: 'S1', till }, new Date(`${tickets[0].day}T21:00:00Z`));
      await t.db.insertInto('closures').values({ id: c.id, store: c.store, till: c.till, day: c.day, content: canonicalJson(c), received_at: new Date().toISOString() }).execute();
    }

    it('reports day 2 from the Z reports, then the same figures once it is integrated; payments and books tie out', async () => {
      const fromZ = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect(fromZ.status).toBe('written');
      expect(fromZ.fromZReports.map((z) => [z.day, `${z.store}-${z.till}`, z.closure])).toEqual([
        [D2, 'S1-01', 'S1-01-Z000002'],
        [D2, 'S1-02', 'S1-02-Z000001'],
      ]);
      expect(figures(fromZ)).toEqual({
        days: [
          // 12.00 at 20 % and 8.80 at 10 %; business sales left out.
          `${D1} TLB1 n=2 20%:10.00+2.00 10%:8.00+0.80`,
          // 60.00 + 120.00 at 20 %, 33.00 at 10 %.
          `${D1} TPS1/72 n=3 20%:150.00+30.00 10%:30.00+3.00`,
          // 11.00 at 10 %, the 5.00 return at 20 %.
          `${D2} TLB1 n=2 20%:-4.17+-0.83 10%:10.00+1.00`,
          // 30.00 at 20 % (till 01), 22.00 at 10 % (till 02).
          `${D2} TPS1/72 n=2 20%:25.00+5.00 10%:20.00+2.00`,
        ],
        // Collected for services: day 1 60.00 + 40.00 of 120.00 at 20 %, 33.00 at 10 %; day 2 50.00 paid on the invoice + 30.00 at 20 %, 22.00 at 10 %.
        payments: [`${D1} 20%:100.00 10%:33.00`, `${D2} 20%:80.00 10%:22.00`],
        excl: '248.83',
        vat: '42.97',
      });
      expect(fromZ.tieOut).toMatchObject({ ledgerSales: fromZ.tieOut!.documentsExcl, ledgerVat: fromZ.tieOut!.documentsVat, collected: '235.00' });
      const xml = readFileSync(fromZ.file!, 'utf8');
      expect(xml).toContain('<!-- tillsync: from Z reports, not integrated yet: 2026-11-04 till S1-01 (S1-01-Z000002), 2026-11-04 till S1-02 (S1-02-Z000001) -->');
      expect(xml).toContain('<CategoryCode>TPS1</CategoryCode>');
      expect(valid(fromZ.file!)).toEqual({ xsd: null, fatal: [] });
      const pay = readFileSync(fromZ.paymentsFile!, 'utf8');
      expect(pay).toContain('<PaymentsReport>');
      expect(pay).not.toContain('<TransactionsReport>');
      expect(valid(fromZ.paymentsFile!)).toEqual({ xsd: null, fatal: [] });
      expect(readFileSync(dayLogPath(t.data, new Date()), 'utf8')).toMatch(/EREPORT e-reporting #1 2026-11-D1 \(IN\).*from Z reports \(not integrated yet\): 2026-11-04 S1-01 S1-01-Z000002, 2026-11-04 S1-02 S1-02-Z000001/);
      // The books check recomputes the report as it stands (day 2 still from its Z reports).
      expect((await runBooksChecks(t.db, { data: t.data, only: ['ereports'] }))[0]).toMatchObject({ ok: true });

      // Integration and posting of day 2: the report of the period, made again, says the same.
      expect((await runIntegration(t.db, t.data, { until: D2 })).errorCount).toBe(0);
      await runPosting(t.db, t.data, { until: D2 });
      expect((await runBooksChecks(t.db, { data: t.data, only: ['ereports'] }))[0]).toMatchObject({ ok: true });
      expect(await resetEreports(t.db, [fromZ.id!])).toBe(1);
      const integrated = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect([integrated.status, integrated.typeCode, integrated.fromZReports]).toEqual(['written', 'RE', []]);
      expect(figures(integrated)).toEqual(figures(fromZ));
      // Every figure is in the books now: sales (70) and VAT (4457) = documents = consumers + business.
      const tie = integrated.tieOut!;
      expect([tie.ledgerSales, tie.ledgerVat]).toEqual([tie.documentsExcl, tie.documentsVat]);
      expect([tie.b2cExcl, tie.b2cVat]).toEqual([tie.reportedExcl, tie.reportedVat]);
      expect(valid(integrated.file!)).toEqual({ xsd: null, fatal: [] });
      expect(valid(integrated.paymentsFile!)).toEqual({ xsd: null, fatal: [] });
      expect(readFileSync(integrated.file!, 'utf8')).not.toContain('Z reports');
      const checks = await runBooksChecks(t.db, { data: t.data });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    });

    it('the books check names a report the books no longer give', async () => {
      await runIntegration(t.db, t.data, { until: D2 });
      await runPosting(t.db, t.data, { until: D2 });
      const o = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect(o.fromZReports).toEqual([]);
      await t.db.updateTable('ereports').set({ total_excl: '248.84' }).where('id', '=', o.id!).execute();
      const [r] = await runBooksChecks(t.db, { data: t.data, only: ['ereports'] });
      expect(r.ok).toBe(false);
      expect(r.problems[0].message).toMatch(/e-report 1 \(2026-11-01\.\.2026-11-10\) recorded 248\.84 \+ 42\.97 VAT, the period now gives 248\.83 \+ 42\.97 VAT/);
    });

    it('a day not integrated whose Z report covers tickets the server lacks is refused, naming them', async () => {
      await t.db.deleteFrom('tickets').where('id', '=', day2[1].id).execute();
      await expect(runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' })).rejects.toThrow(/day 2026-11-04 of till S1-01 is not integrated and its Z report S1-01-Z000002 covers tickets 6\.\.9 \(4\), the server holds 3 \(missing 7…\)/);
    });
  });
}
