import { describe, expect, it } from 'vitest';
import { demoBaseData } from '../../fixtures/store.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import { D, fmt } from '../../sync/money.ts';
import type { Ticket } from '../../sync/types.ts';
import { planDocuments as integratePass, type IntegrationSnapshot, type SourceRow } from './document-grouping.ts';

/** The integrate pass, its errors beside what it grouped. */
function planDocuments(rows: SourceRow[], base: IntegrationSnapshot['base'], filters: IntegrationSnapshot['filters']) {
  const r = integratePass({ rows, base, filters });
  return { ...r.result, errors: r.errors };
}
import { rehash, TicketBook } from '../../test/support/test-tickets.ts';

const base = demoBaseData();
const [A1, A2, A3] = base.articles.filter((a) => a.vatCode === 'VN').map((a) => a.code);
const REDUCED = base.articles.find((a) => a.vatCode === 'VR')!.code;
const D1 = '2026-11-02';
const D2 = '2026-11-03';

function rowOf(t: Ticket, o: Partial<SourceRow> = {}): SourceRow {
  return { id: t.id, store: t.store, till: t.till, number: t.number, day: t.day, customer: t.customer, status: 'received', statusReason: null, hash: t.hash, content: canonicalJson(t), documentId: null, integrationBatch: null, ...o };
}

const all = { until: '2026-12-31' };

describe('grouping: one document per customer × day × till × kind', () => {
  it('two customers × two days × two tills → 8 documents whose VAT totals are the sums of their tickets', () => {
    const book = new TicketBook(base.articles);
    const tickets: Ticket[] = [];
    for (const day of [D1, D2]) for (const till of ['01', '02']) for (const customer of ['COMPTOIR', 'C0000001']) for (let i = 0; i < 3; i++) {
      tickets.push(book.sell({ till, day, customer, lines: [{ article: A1, qty: String(i + 1) }, { article: REDUCED }] }));
    }
    const r = planDocuments(tickets.map((t) => rowOf(t)), base, all);
    expect(r.errors).toEqual([]);
    expect(r.documents).toHaveLength(8);
    expect(new Set(r.documents.map((d) => `${d.customer}|${d.day}|${d.till}`)).size).toBe(8);
    for (const d of r.documents) {
      expect(d.kind).toBe('invoice');
      const mine = tickets.filter((t) => t.customer === d.customer && t.day === d.day && t.till === d.till);
      expect(d.tickets).toEqual(mine.map((t) => t.id));
      expect(d.firstTicket).toBe(mine[0].number);
      expect(d.lastTicket).toBe(mine[2].number);
      for (const v of d.byVat) {
        const parts = mine.flatMap((t) => t.totals.byVat.filter((x) => x.vatCode === v.vatCode));
        expect(v.inclVat).toBe(fmt(parts.reduce((a, x) => a.plus(x.inclVat), new D(0))));
        expect(v.base).toBe(fmt(parts.reduce((a, x) => a.plus(x.base), new D(0))));
        expect(v.vat).toBe(fmt(parts.reduce((a, x) => a.plus(x.vat), new D(0))));
      }
      expect(d.totals.inclVat).toBe(fmt(mine.reduce((a, t) => a.plus(t.totals.inclVat), new D(0))));
      expect(new D(d.totals.exclVat).plus(d.totals.vat).eq(d.totals.inclVat)).toBe(true);
    }
    // Numbers follow store, till, day, customer: the order is part of the contract.
    expect(r.documents.map((d) => `${d.till} ${d.day} ${d.customer}`)).toEqual([
      `01 ${D1} C0000001`, `01 ${D1} COMPTOIR`, `01 ${D2} C0000001`, `01 ${D2} COMPTOIR`,
      `02 ${D1} C0000001`, `02 ${D1} COMPTOIR`, `02 ${D2} C0000001`, `02 ${D2} COMPTOIR`,
    ]);
  });

  it('the payment mode decides: delivery-note modes make a delivery note, mixed payment of the goods makes an invoice', () => {
    const book = new TicketBook(base.articles);
    const onAccount = book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A1 }], payments: [{ mode: 'CPT' }] });
    const mixed = book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A2, qty: '2' }], payments: [{ mode: 'CPT', amount: '1.00' }, { mode: 'CB' }] });
    // Goods on account, plus an old invoice paid in cash on the same ticket: the goods are still all on account.
    const onAccountPlusSettlement = book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A3 }], settlements: [{ kind: 'invoice', ref: 'F00000001', amount: '50.00' }], payments: [{ mode: 'ESP', amount: '50.00' }, { mode: 'CPT' }] });
    const cash = book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A1 }], payments: [{ mode: 'ESP' }] });
    const r = planDocuments([onAccount, mixed, onAccountPlusSettlement, cash].map((t) => rowOf(t)), base, all);
    expect(r.errors).toEqual([]);
    const byKind = Object.fromEntries(r.documents.map((d) => [d.kind, d.tickets]));
    expect(byKind['delivery-note']).toEqual([onAccount.id, onAccountPlusSettlement.id]);
    expect(byKind.invoice).toEqual([mixed.id, cash.id]);
    expect(r.documents).toHaveLength(2);
  });

  it('returns make a credit note of their own, with negative totals', () => {
    const book = new TicketBook(base.articles);
    const sale = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A1, qty: '3' }] });
    const ret = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A1, qty: '-1' }], payments: [{ mode: 'ESP' }] });
    const exchange = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A1, qty: '-1' }, { article: A2 }] });
    const r = planDocuments([sale, ret, exchange].map((t) => rowOf(t)), base, all);
    const credit = r.documents.find((d) => d.kind === 'credit-note')!;
    expect(credit.tickets).toEqual(exchange.totals.inclVat.startsWith('-') ? [ret.id, exchange.id] : [ret.id]);
    expect(credit.totals.inclVat.startsWith('-')).toBe(true);
    expect(credit.totals.inclVat).toBe(fmt(new D(ret.totals.inclVat).plus(exchange.totals.inclVat.startsWith('-') ? exchange.totals.inclVat : '0')));
    expect(r.documents.find((d) => d.kind === 'invoice')!.tickets[0]).toBe(sale.id);
  });

  it('a ticket without goods (deposit, invoice settlement) makes no document but is integrated', () => {
    const book = new TicketBook(base.articles);
    const deposit = book.sell({ day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] });
    const sale = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A1 }] });
    const r = planDocuments([deposit, sale].map((t) => rowOf(t)), base, all);
    expect(r.paymentOnly).toEqual([deposit.id]);
    expect(r.documents.map((d) => d.tickets)).toEqual([[sale.id]]);
    expect(r.stats).toMatchObject({ paymentOnly: 1, inDocuments: 1, leftOut: 0 });
  });
});

describe('grouping: checks leave the bad ticket out and keep the rest', () => {
  function faulty(): { tickets: Ticket[]; rows: SourceRow[]; expect: Record<string, RegExp> } {
    const book = new TicketBook(base.articles);
    const tickets = Array.from({ length: 10 }, () => book.sell({ day: D1, lines: [{ article: A1 }, { article: REDUCED, qty: '2' }] }));
    const rows = tickets.map((t) => rowOf(t));
    const swap = (i: number, t: Ticket, o: Partial<SourceRow> = {}) => (rows[i] = rowOf(t, o));
    swap(1, rehash({ ...tickets[1], customer: 'NOBODY' }));
    swap(2, rehash({ ...tickets[2], lines: [{ ...tickets[2].lines[0], article: 'A999999' }, tickets[2].lines[1]] }));
    const badRate = structuredClone(tickets[3]);
    badRate.lines[1].vatRate = '7';
    swap(3, rehash(badRate));
    const badLine = structuredClone(tickets[4]);
    badLine.lines[0].inclVat = fmt(new D(badLine.lines[0].inclVat).plus(1));
    swap(4, rehash(badLine));
    // Altered after sale: content changed, hash kept.
    swap(5, { ...tickets[5], customer: 'C0000001' }, { hash: tickets[5].hash, customer: 'C0000001' });
    // Forged link: a ticket re-made with another predecessor, consistently hashed.
    swap(6, rehash({ ...tickets[6], prevHash: 'f'.repeat(64) }));
    rows[7] = { ...rows[7], status: 'error', statusReason: 'previous hash does not match ticket 6' };
    return {
      tickets,
      rows,
      expect: {
        [tickets[1].id]: /unknown customer NOBODY/,
        [tickets[2].id]: /unknown article A999999/,
        [tickets[3].id]: /VAT VR at 7 % on line 2 does not match the VAT table \(10 %\)/,
        [tickets[4].id]: /line 1 .*inclVat/,
        [tickets[5].id]: /does not match its hash/,
        [tickets[6].id]: /chain break: previous hash does not match ticket 6/,
        [tickets[7].id]: /status error at intake \(previous hash does not match ticket 6\)/,
      },
    };
  }

  it('each fault is reported with its reason, the good tickets still make their document', () => {
    const f = faulty();
    const r = planDocuments(f.rows, base, all);
    expect(r.errors.map((e) => e.ref.ticket).sort()).toEqual(Object.keys(f.expect).sort());
    for (const e of r.errors) {
      expect(e.message).toMatch(f.expect[e.ref.ticket!]);
      expect(e.message).toContain(`ticket ${e.ref.ticket} left out of integration`);
      expect(e.ref.till).toBe('S1-01');
    }
    expect(r.documents).toHaveLength(1);
    expect(r.documents[0].tickets).toEqual([f.tickets[0].id, f.tickets[8].id, f.tickets[9].id]);
    expect(r.stats).toMatchObject({ selected: 10, leftOut: 7, inDocuments: 3 });
  });

  it('a missing predecessor (a gap intake reports) does not stop the ticket after it', () => {
    const book = new TicketBook(base.articles);
    const tickets = Array.from({ length: 5 }, () => book.sell({ day: D1, lines: [{ article: A1 }] }));
    const r = planDocuments([tickets[0], tickets[1], tickets[3], tickets[4]].map((t) => rowOf(t)), base, all);
    expect(r.errors).toEqual([]);
    expect(r.documents[0].tickets).toHaveLength(4);
    expect(r.stats.unverifiedLinks).toBe(1);
  });
});

describe('grouping: filters', () => {
  const book = new TicketBook(base.articles);
  const tickets: Ticket[] = [];
  for (const day of [D1, D2]) for (const till of ['01', '02', '03']) for (const customer of ['COMPTOIR', 'C0000001', 'C0000003']) tickets.push(book.sell({ till, day, customer, lines: [{ article: A1 }] }));
  const rows = tickets.map((t) => rowOf(t));
  const integrated = (f: Parameters<typeof planDocuments>[2]) => planDocuments(rows, base, f).documents.flatMap((d) => d.tickets).sort();
  const expected = (pred: (t: Ticket) => boolean) => tickets.filter(pred).map((t) => t.id).sort();

  it('until', () => expect(integrated({ until: D1 })).toEqual(expected((t) => t.day <= D1)));
  it('till range', () => expect(integrated({ ...all, tills: { from: '02', to: '03' } })).toEqual(expected((t) => t.till >= '02')));
  it('counter customer alone', () => expect(integrated({ ...all, customers: { from: 'COMPTOIR', to: 'COMPTOIR' } })).toEqual(expected((t) => t.customer === 'COMPTOIR')));
  it('customer range', () => expect(integrated({ ...all, customers: { from: 'C0000001', to: 'C0000002' } })).toEqual(expected((t) => t.customer === 'C0000001')));
  it('ticket number range', () => expect(integrated({ ...all, tickets: { from: 2, to: 4 } })).toEqual(expected((t) => t.number >= 2 && t.number <= 4)));
  it('exclusions', () => {
    const out = [tickets[0].id, tickets[7].id];
    const r = planDocuments(rows, base, { ...all, exclude: out });
    expect(r.documents.flatMap((d) => d.tickets).sort()).toEqual(expected((t) => !out.includes(t.id)));
    expect(r.stats.excluded).toBe(2);
  });
  it('already integrated tickets are never taken again', () => {
    const done = rows.map((r, i) => (i % 2 ? { ...r, documentId: 1 } : i % 3 ? { ...r, integrationBatch: 1 } : r));
    expect(planDocuments(done, base, all).documents.flatMap((d) => d.tickets).sort()).toEqual(rows.filter((_, i) => !(i % 2) && !(i % 3)).map((r) => r.id).sort());
  });
});
