/**
 * The dashboard's charts, read from the books: sales per day and till, takings per payment mode,
 * VAT per rate, degraded-mode periods per till, packages per channel, over a period of days.
 * Amounts are summed exactly (decimal text, sync/money.ts) and kept as text: the charts draw
 * them as numbers (a position on screen), the data tables under each chart show the exact text.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { D, sum, type Dec } from '../../sync/money.ts';
import type { Ticket } from '../../sync/types.ts';

export interface ChartPeriod {
  from: string;
  to: string;
}

export interface ChartData {
  period: ChartPeriod;
  days: string[];
  /** Takings (total due, incl. VAT) per till per day: one value per entry of `days`. */
  salesPerTill: { till: string; perDay: string[] }[];
  /** Takings per payment mode over the period. */
  modes: { mode: string; amount: string; count: number }[];
  /** VAT of the period's documents per rate (credit notes negative). */
  vat: { code: string; rate: string; base: string; vat: string }[];
  /** Periods each till sold in degraded mode: first and last ticket of each run of degraded tickets. */
  degraded: { till: string; periods: { from: string; to: string; tickets: number }[] }[];
  /** Packages received per channel since the period's first day (they arrive after their sales). */
  channels: { channel: string; packages: number; tickets: number }[];
}

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included. */
export function daysOf(p: ChartPeriod): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${p.from}T00:00:00Z`); t <= Date.parse(`${p.to}T00:00:00Z`) && out.length < 400; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The period a chart shows when none is asked: the 30 days ending on the last day sold. */
export async function defaultPeriod(db: Kysely<Database>, days = 30): Promise<ChartPeriod> {
  const last = await db.selectFrom('tickets').select((eb) => eb.fn.max<string>('day').as('day')).executeTakeFirst();
  const to = last?.day ?? new Date().toISOString().slice(0, 10);
  return { from: new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10), to };
}

export async function loadCharts(db: Kysely<Database>, period: ChartPeriod): Promise<ChartData> {
  const days = daysOf(period);
  const tickets = await db
    .selectFrom('tickets')
    .select(['store', 'till', 'day', 'sold_at', 'total_due', 'degraded', 'content'])
    .where('day', '>=', period.from)
    .where('day', '<=', period.to)
    .where('status', '=', 'received')
    .orderBy('store')
    .orderBy('till')
    .orderBy('sold_at')
    .execute();

  // Sales per till and day.
  const byTill = new Map<string, Map<string, string[]>>();
  for (const t of tickets) {
    const till = `${t.store}-${t.till}`;
    const m = byTill.get(till) ?? new Map<string, string[]>();
    byTill.set(till, m);
    m.set(t.day, [...(m.get(t.day) ?? []), t.total_due]);
  }
  const salesPerTill = [...byTill].map(([till, m]) => ({ till, perDay: days.map((d) => sum(m.get(d) ?? []).toFixed(2)) }));

  // Takings per payment mode (what the tickets say they were paid with).
  const modes = new Map<string, { amounts: string[]; count: number }>();
  for (const t of tickets) {
    let content: Ticket;
    try {
      content = JSON.parse(t.content) as Ticket;
    } catch {
      continue;
    }
    for (const p of content.payments ?? []) {
      const m = modes.get(p.mode) ?? { amounts: [], count: 0 };
      m.amounts.push(String(p.amount));
      m.count++;
      modes.set(p.mode, m);
    }
  }

  // Degraded runs per till: consecutive degraded tickets, broken by a ticket sold online.
  const degraded: ChartData['degraded'] = [];
  let cur: { till: string; periods: { from: string; to: string; tickets: number }[] } | null = null;
  let open: { from: string; to: string; tickets: number } | null = null;
  for (const t of tickets) {
    const till = `${t.store}-${t.till}`;
    if (!cur || cur.till !== till) {
      cur = { till, periods: [] };
      degraded.push(cur);
      open = null;
    }
    if (Number(t.degraded)) {
      if (open) {
        open.to = t.sold_at;
        open.tickets++;
      } else cur.periods.push((open = { from: t.sold_at, to: t.sold_at, tickets: 1 }));
    } else open = null;
  }

  const vatRows = await db
    .selectFrom('document_vat')
    .innerJoin('documents', 'documents.id', 'document_vat.document_id')
    .select(['document_vat.vat_code as code', 'document_vat.rate as rate', 'document_vat.base as base', 'document_vat.vat as vat'])
    .where('documents.day', '>=', period.from)
    .where('documents.day', '<=', period.to)
    .execute();
  const vat = new Map<string, { code: string; rate: string; base: Dec; vat: Dec }>();
  for (const r of vatRows) {
    const k = `${r.code}|${r.rate}`;
    const v = vat.get(k) ?? { code: r.code, rate: r.rate, base: new D(0), vat: new D(0) };
    v.base = v.base.plus(r.base);
    v.vat = v.vat.plus(r.vat);
    vat.set(k, v);
  }

  const packages = await db
    .selectFrom('packages')
    .select(['channel', 'ticket_count'])
    // From the period's first day on: packages arrive after the sales they carry (a till away for days).
    .where('received_at', '>=', `${period.from}T00:00:00`)
    .execute();
  const channels = new Map<string, { packages: number; tickets: number }>();
  for (const p of packages) {
    const c = channels.get(p.channel) ?? { packages: 0, tickets: 0 };
    c.packages++;
    c.tickets += Number(p.ticket_count);
    channels.set(p.channel, c);
  }

  return {
    period,
    days,
    salesPerTill,
    modes: [...modes].map(([mode, m]) => ({ mode, amount: sum(m.amounts).toFixed(2), count: m.count })).sort((a, b) => a.mode.localeCompare(b.mode)),
    vat: [...vat.values()].sort((a, b) => Number(new D(a.rate).minus(b.rate).toNumber()) || a.code.localeCompare(b.code)).map((v) => ({ code: v.code, rate: v.rate, base: v.base.toFixed(2), vat: v.vat.toFixed(2) })),
    degraded: degraded.filter((d) => d.periods.length),
    channels: [...channels].map(([channel, c]) => ({ channel, ...c })).sort((a, b) => a.channel.localeCompare(b.channel)),
  };
}
