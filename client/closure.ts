/**
 * The Z report as a pure function: the tickets sold since the previous closure in, the Closure out.
 * `total` is the goods sold incl. VAT (returns subtract); settlements taken at the till (invoice
 * payments, deposits) are money in but not sales, so they appear in `byMode` and not in `total`.
 * The perpetual grand total carries on from the previous closure (NF525).
 */
import { createHash } from 'node:crypto';
import { fmt, sum, type Decimals } from '../sync/money.ts';
import { canonicalJson } from '../sync/ticket-chain.ts';
import type { Closure, Ticket, VatTotal } from '../sync/types.ts';
import { localDay, localIso } from './sale.ts';

export function closureId(store: string, till: string, seq: number): string {
  return `${store}-${till}-Z${String(seq).padStart(6, '0')}`;
}

export function hashClosure(c: Omit<Closure, 'hash'> | Closure): string {
  const { hash: _ignored, ...content } = c as Closure;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export function buildClosure(tickets: Ticket[], previous: Closure | null, till: { store: string; till: string }, now: Date, decimals: Decimals = 2): Closure {
  const sorted = [...tickets].sort((a, b) => a.number - b.number);
  const vat = new Map<string, { rate: string; base: string[]; vat: string[]; incl: string[] }>();
  const modes = new Map<string, { amounts: string[]; count: number }>();
  for (const t of sorted) {
    for (const v of t.totals.byVat) {
      const g = vat.get(v.vatCode) ?? { rate: v.rate, base: [], vat: [], incl: [] };
      g.base.push(v.base);
      g.vat.push(v.vat);
      g.incl.push(v.inclVat);
      vat.set(v.vatCode, g);
    }
    for (const p of t.payments) {
      const g = modes.get(p.mode) ?? { amounts: [], count: 0 };
      g.amounts.push(p.amount);
      g.count++;
      modes.set(p.mode, g);
    }
  }
  const byVat: VatTotal[] = [...vat.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([vatCode, g]) => ({ vatCode, rate: g.rate, base: fmt(sum(g.base), decimals), vat: fmt(sum(g.vat), decimals), inclVat: fmt(sum(g.incl), decimals) }));
  const byMode = [...modes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([mode, g]) => ({ mode, amount: fmt(sum(g.amounts), decimals), count: g.count }));
  const total = sum(sorted.map((t) => t.totals.inclVat));
  const seq = (previous?.seq ?? 0) + 1;
  const body: Omit<Closure, 'hash'> = {
    id: closureId(till.store, till.till, seq),
    store: till.store,
    till: till.till,
    seq,
    closedAt: localIso(now),
    day: sorted.length ? sorted[0].day : localDay(now),
    firstNumber: sorted.length ? sorted[0].number : null,
    lastNumber: sorted.length ? sorted[sorted.length - 1].number : null,
    ticketCount: sorted.length,
    byVat,
    byMode,
    total: fmt(total, decimals),
    grandTotal: fmt(total.plus(previous?.grandTotal ?? '0'), decimals),
  };
  return { ...body, hash: hashClosure(body) };
}
