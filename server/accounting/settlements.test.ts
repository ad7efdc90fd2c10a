import { describe, expect, it } from 'vitest';
import { rng, pick } from '../../fixtures/random.ts';
import type { Consumption, SettlementDraft } from './ledger-types.ts';
import { planSettlements, type NewItem, type OpenItem, type ParentRef, type SettlementPlan } from './settlements.ts';
import type { PassResult } from '../books/pass.ts';

/**
 * The planner as first written (every consumption scans every open item), kept as the definition
 * the indexed planner must match item for item.
 */
function referencePlan(existing: OpenItem[], created: SettlementDraft[], consumptions: Consumption[]): PassResult<SettlementPlan> {
  const items: NewItem[] = created.map((c) => ({ ...c, parent: null, closed: false }));
  const work = [
    ...existing.map((e) => ({ ref: { db: e.id } as ParentRef, item: e as OpenItem | NewItem, open: e.open, closed: false })),
    ...items.map((it, i) => ({ ref: { local: i } as ParentRef, item: it as OpenItem | NewItem, open: it.open, closed: false })),
  ].filter((w) => w.item.kind !== 'payment' && w.open !== 0);
  const closeIds: number[] = [];
  const warnings: PassResult<SettlementPlan>['errors'] = [];
  for (const c of consumptions) {
    let left = c.amount;
    for (const w of work) {
      if (left === 0) break;
      if (w.closed || w.item.kind !== c.kind || w.item.documentNumber !== c.ref) continue;
      if (w.open < 0 !== left < 0) continue;
      const take = left < 0 ? Math.max(w.open, left) : Math.min(w.open, left);
      left -= take;
      w.closed = true;
      if (w.ref && 'db' in w.ref) closeIds.push(w.ref.db);
      else items[(w.ref as { local: number }).local].closed = true;
      const rest = w.open - take;
      if (rest !== 0) {
        const i = items.length;
        items.push({ kind: w.item.kind, customer: w.item.customer, thirdParty: w.item.thirdParty, documentNumber: w.item.documentNumber, ticketId: c.ticketId, mode: w.item.mode, state: w.item.state, amount: rest, open: rest, day: c.day, parent: w.ref, closed: false });
        work.push({ ref: { local: i }, item: items[i], open: rest, closed: false });
      }
    }
    if (left !== 0) warnings.push({ source: 'settlements', message: `${c.ticketId} ${c.kind} ${c.ref} ${left}`, ref: { ticket: c.ticketId } });
  }
  return { result: { items, closeIds }, errors: warnings };
}

describe('planSettlements', () => {
  it('matches the scan-everything definition on 3,000 random days of receivables, deposits, payments and consumptions', () => {
    const r = rng(424242);
    const refs = ['F1', 'F2', 'F3', '10001651', '10001652', null];
    const kinds = ['payment', 'receivable', 'deposit'] as const;
    const amount = () => (r() < 0.1 ? -1 : 1) * (1 + Math.floor(r() * 50)) * 10_000;
    let closing = 0;
    let splitting = 0;
    for (let round = 0; round < 3000; round++) {
      const draft = (i: number): SettlementDraft => {
        const kind = pick(r, kinds);
        const a = amount();
        return { kind, customer: 'C1', thirdParty: 'T1', documentNumber: pick(r, refs), ticketId: `t${i}`, mode: 'CB', state: 'BPV', amount: a, open: kind === 'payment' ? 0 : r() < 0.2 ? 0 : a, day: '2026-11-02' };
      };
      const existing: OpenItem[] = Array.from({ length: Math.floor(r() * 6) }, (_, i) => ({ ...draft(i), id: 100 + i }));
      const created = Array.from({ length: Math.floor(r() * 8) }, (_, i) => draft(50 + i));
      const consumptions: Consumption[] = Array.from({ length: Math.floor(r() * 8) }, (_, i) => ({ kind: r() < 0.5 ? 'receivable' : 'deposit', ref: pick(r, refs.slice(0, 5)) as string, amount: amount(), ticketId: `c${i}`, day: '2026-11-03' }));
      const { result: got, errors } = planSettlements({ existing, created, consumptions });
      const want = referencePlan(existing, created, consumptions);
      expect(got.items).toEqual(want.result.items);
      expect(got.closeIds).toEqual(want.result.closeIds);
      expect(errors.map((w) => w.ref.ticket)).toEqual(want.errors.map((w) => w.ref.ticket));
      if (got.closeIds.length) closing++;
      if (got.items.length > created.length) splitting++;
    }
    // The random days do exercise closing stored items and leaving rests open.
    expect(closing).toBeGreaterThan(300);
    expect(splitting).toBeGreaterThan(300);
  });
});
