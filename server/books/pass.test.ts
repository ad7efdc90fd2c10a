import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { TicketBook } from '../../test/support/test-tickets.ts';
import { doc, options, ticket } from '../../test/support/posting-fixtures.ts';
import { defaultMapping } from '../accounting/default-mapping.ts';
import { InvariantLedger } from '../accounting/invariants.ts';
import { letterLinesOf, planLettering, type CurrentLettering, type LetterLine } from '../accounting/lettering.ts';
import { postDocuments } from '../accounting/posting.ts';
import { splitSales } from '../accounting/sales-split.ts';
import { planSettlements, type OpenItem } from '../accounting/settlements.ts';
import { unitsText } from '../accounting/units.ts';
import { planDocuments, type SourceRow } from '../integration/document-grouping.ts';
import { planDepositInvoices } from '../invoicing/deposit-invoices.ts';
import type { BooksPass } from './pass.ts';

/**
 * The pass contract (server/books/pass.ts) held to: each pass gets its snapshot deep-frozen (a write
 * into it throws) and must give the same result as on a thawed copy; Maps, which freezing does not
 * guard, are compared before and after. Seed data: invoice 10001434 = 248.69 sold on credit, 100.69
 * paid at the till the next day (148.00 left open, partially lettered).
 */
function deepFreeze<T>(x: T): T {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return x;
  if (x instanceof Map) for (const [k, v] of x) (deepFreeze(k), deepFreeze(v));
  else for (const v of Object.values(x)) deepFreeze(v);
  return Object.freeze(x);
}

/** Runs `pass` on a frozen snapshot, checks it changed nothing and errs like on an unfrozen copy. */
function runFrozen<S, R>(pass: BooksPass<S, R>, make: () => S) {
  const snapshot = make();
  const maps = Object.values(snapshot as object).filter((v): v is Map<unknown, unknown> => v instanceof Map);
  const mapsBefore = maps.map((m) => [...m.entries()]);
  const out = pass(deepFreeze(snapshot));
  expect(maps.map((m) => [...m.entries()])).toEqual(mapsBefore);
  const thawed = pass(make());
  expect(out.errors).toEqual(thawed.errors);
  return out;
}

const D1 = '2026-11-02';
const D2 = '2026-11-03';

describe('the books passes leave their snapshot as they found it', () => {
  it('integrate: tickets in, one document per customer × day × till, a bad ticket as an error naming it', () => {
    const base = demoBaseData();
    const book = new TicketBook(base.articles);
    const A = base.articles.filter((a) => a.vatCode === 'VN').map((a) => a.code);
    const tickets = [book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }] }), book.sell({ day: D1, customer: 'C0000042', lines: [{ article: A[1] }] })];
    const rows: SourceRow[] = tickets.map((t) => ({ id: t.id, store: t.store, till: t.till, number: t.number, day: t.day, customer: t.customer, status: 'received', statusReason: null, hash: t.hash, content: canonicalJson(t), documentId: null, integrationBatch: null }));
    const r = runFrozen(planDocuments, () => ({ rows: structuredClone(rows), base: demoBaseData(), filters: { until: D1 } }));
    expect(r.result.documents.map((d) => [d.customer, d.tickets])).toEqual([['C0000001', [tickets[0].id]]]);
    expect(r.errors).toEqual([{ source: 'integration', message: `ticket ${tickets[1].id} left out of integration: unknown customer C0000042`, ref: { ticket: tickets[1].id, till: 'S1-01' } }]);
  });

  it('deposit invoices: a services deposit whose VAT code is gone is an error, the others are invoiced', () => {
    const base = demoBaseData();
    const deposit = (ticket: string, settlement: object) => ({ ticket, store: 'S1', till: '01', day: D1, customer: 'C0000002', index: 0, settlement: { kind: 'deposit' as const, ...settlement } as never });
    const r = runFrozen(planDepositInvoices, () => ({ deposits: [deposit('S1-01-00000001', { ref: '10001651', amount: '100.00' }), deposit('S1-01-00000002', { ref: 'X', amount: '10.00', category: 'services', vatCode: 'XX' })], base }));
    expect(r.result.map((i) => i.order)).toEqual(['10001651']);
    expect(r.errors.map((e) => e.ref.ticket)).toEqual(['S1-01-00000002']);
  });

  it('post → settle → letter → validate on the seed partial settlement', () => {
    const m = defaultMapping();
    const invoice = doc('10001434', '248.69', { customer: 'C0000001' });
    const sale = ticket({ number: 7, doc: invoice, lines: ['VN 248.69'], payments: ['CRED 248.69'] });
    const payment = ticket({ number: 8, day: D2, customer: 'C0000001', payments: ['CB 100.69'], settlements: ['invoice 10001434 100.69'] });

    const split = runFrozen(splitSales, () => ({ total: new D('248.69'), lines: [...sale.lines], rules: m.rounding, vat: m.vat }));
    expect([unitsText(split.result!.parts[0].net, 2), unitsText(split.result!.parts[0].vat, 2)]).toEqual(['207.24', '41.45']);
    const refused = runFrozen(splitSales, () => ({ total: new D('248.69'), lines: [{ vatCode: 'ZZ', vatRate: '20', inclVat: '248.69' }], rules: m.rounding, vat: m.vat }));
    expect([refused.result, refused.errors.map((e) => e.message)]).toEqual([null, ['VAT code ZZ has no accounting mapping (add vat.ZZ to accounting.json)']]);

    const day1 = runFrozen(postDocuments, () => ({ documents: [structuredClone(invoice)], tickets: [structuredClone(sale)], options: options() }));
    const day2 = runFrozen(postDocuments, () => ({ documents: [], tickets: [structuredClone(payment)], options: options() }));
    expect([day1.errors, day2.errors]).toEqual([[], []]);

    // The receivable day 1 left open, as the run reads it back; day 2's payment consumes it.
    const open: OpenItem = { ...day1.result.settlements[0], id: 1 };
    const settle = runFrozen(planSettlements, () => ({ existing: [{ ...open }], created: structuredClone(day2.result.settlements), consumptions: structuredClone(day2.result.consumptions) }));
    expect(settle.errors).toEqual([]);
    expect(settle.result.closeIds).toEqual([1]);
    expect(settle.result.items.filter((i) => i.kind === 'receivable').map((i) => [i.state, i.open])).toEqual([['C10', 1480000]]);
    const overpaid = runFrozen(planSettlements, () => ({ existing: [], created: [], consumptions: structuredClone(day2.result.consumptions) }));
    expect(overpaid.errors.map((e) => e.ref.ticket)).toEqual([payment.id]);

    // Day 1's customer line is stored (lettering 3 does not exist yet: none); day 2's lines are new.
    const stored: LetterLine[] = letterLinesOf(day1.result.entries).map((l, i) => ({ ...l, ref: { db: 100 + i } }));
    const letter = runFrozen(planLettering, () => ({ lines: [...stored, ...letterLinesOf(day2.result.entries)], current: new Map<number, CurrentLettering>(), nextSeq: new Map([['411000\u0000C0000001', 4]]), batchId: 2 }));
    expect(letter.result.groups.map((g) => [g.key, g.code, g.partial, g.debit.toFixed(2), g.credit.toFixed(2)])).toEqual([['10001434', 'AAE', true, '248.69', '100.69']]);
    expect([...letter.result.nextSeq]).toEqual([['411000\u0000C0000001', 5]]);

    const inv = new InvariantLedger(m);
    inv.addPosting(day1.result.postedDocuments, [sale], new Set(), day1.result.entries, day1.result.adjustments);
    inv.addPosting([], [payment], new Set(day2.result.postedPaymentOnly), day2.result.entries, day2.result.adjustments);
    inv.addLettering(letter.result.groups);
    const valid = inv.validate();
    expect(valid.errors).toEqual([]);
    expect(valid.result.map((f) => f.name)).toContain('lettered groups sum to zero');

    const broken = new InvariantLedger(m);
    broken.addLettering([{ ...letter.result.groups[0], partial: false }]);
    expect(broken.validate().errors.map((e) => [e.source, e.ref.check])).toEqual([['invariants', 'lettered groups sum to zero']]);
  });
});
