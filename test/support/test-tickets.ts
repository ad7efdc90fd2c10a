/**
 * For integration tests and the benchmark: sync Tickets made by hand (chained per till exactly as
 * a till would, through computeLine/computeTotals/hashTicket) and stored as rows of the tickets
 * table the way intake stores them (content = canonical JSON). Not the intake pipeline: no package,
 * no dedupe, no chain check at arrival — a test that wants those goes through intake.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { fmt, sum } from '../../sync/money.ts';
import { computeLine, computeTotals, type TicketRounding } from '../../sync/ticket-math.ts';
import { GENESIS_HASH, canonicalJson, hashTicket, ticketId } from '../../sync/ticket-chain.ts';
import type { Article, Ticket, TicketPayment, TicketSettlement } from '../../sync/types.ts';
import { VAT_RATES } from '../../fixtures/store.ts';

export interface RowOptions {
  status?: 'received' | 'error';
  statusReason?: string | null;
  channel?: string;
  at?: string;
}

export function ticketRow(t: Ticket, o: RowOptions = {}) {
  const at = o.at ?? new Date().toISOString();
  return {
    id: t.id,
    store: t.store,
    till: t.till,
    number: t.number,
    day: t.day,
    sold_at: t.soldAt,
    customer: t.customer,
    total_incl: t.totals.inclVat,
    total_due: t.totals.due,
    hash: t.hash,
    prev_hash: t.prevHash,
    degraded: t.degraded ? 1 : 0,
    content: canonicalJson(t),
    channel: o.channel ?? 'manual',
    package_id: null,
    received_at: at,
    status: o.status ?? 'received',
    status_reason: o.statusReason ?? null,
    document_id: null,
    document_number: null,
    integration_batch: null,
    updated_at: at,
  };
}

/** Stores tickets as received rows, in chunks, in one transaction. Returns how many. */
export async function storeTickets(db: Kysely<Database>, tickets: Iterable<Ticket>, o: RowOptions = {}): Promise<number> {
  let n = 0;
  await db.transaction().execute(async (trx) => {
    let chunk: ReturnType<typeof ticketRow>[] = [];
    const flush = async () => {
      if (chunk.length) await trx.insertInto('tickets').values(chunk).execute();
      n += chunk.length;
      chunk = [];
    };
    for (const t of tickets) {
      chunk.push(ticketRow(t, o));
      if (chunk.length >= 200) await flush();
    }
    await flush();
  });
  return n;
}

export interface SaleLine {
  article: string;
  qty?: string;
  /** Default: the article's price. */
  price?: string;
  discount?: { percent?: string; amount?: string };
  returnOf?: string;
}

export interface Sale {
  till?: string;
  day: string;
  customer?: string;
  lines?: SaleLine[];
  settlements?: TicketSettlement[];
  /** A payment without amount takes what is left to pay. Default: all in cash (ESP). */
  payments?: { mode: string; amount?: string; ref?: string }[];
}

/** Sells tickets till by till like the till software: numbered from 1 and chained per till. */
export class TicketBook {
  private readonly last = new Map<string, { number: number; hash: string }>();
  private readonly articles: Map<string, Article>;

  constructor(
    articles: Article[],
    private readonly store = 'S1',
    private readonly rounding: TicketRounding = { decimals: 2, vatOn: 'line' },
  ) {
    this.articles = new Map(articles.map((a) => [a.code, a]));
  }

  sell(s: Sale): Ticket {
    const till = s.till ?? '01';
    const prev = this.last.get(till) ?? { number: 0, hash: GENESIS_HASH };
    const number = prev.number + 1;
    const lines = (s.lines ?? []).map((l) => {
      const a = this.articles.get(l.article);
      if (!a) throw new Error(`test sale: no article ${l.article}`);
      const rate = VAT_RATES.find((v) => v.code === a.vatCode)?.rate ?? '20';
      return computeLine({ article: a.code, label: a.label, qty: l.qty ?? '1', unitPrice: l.price ?? a.price, vatCode: a.vatCode, vatRate: rate, discount: l.discount, returnOf: l.returnOf }, this.rounding);
    });
    const settlements = s.settlements ?? [];
    const totals = computeTotals(lines, settlements, this.rounding);
    let left = sum([totals.due]);
    const payments: TicketPayment[] = (s.payments ?? [{ mode: 'ESP' }]).map((p) => {
      const amount = p.amount ?? fmt(left, this.rounding.decimals);
      left = left.minus(amount);
      return p.ref ? { mode: p.mode, amount, ref: p.ref } : { mode: p.mode, amount };
    });
    const base: Omit<Ticket, 'hash'> = {
      id: ticketId(this.store, till, number),
      store: this.store,
      till,
      number,
      soldAt: `${s.day}T10:00:00.000Z`,
      day: s.day,
      customer: s.customer ?? 'COMPTOIR',
      lines,
      settlements,
      payments,
      totals,
      degraded: false,
      rounding: this.rounding,
      prevHash: prev.hash,
    };
    const ticket: Ticket = { ...base, hash: hashTicket(base) };
    this.last.set(till, { number, hash: ticket.hash });
    return ticket;
  }
}

/** Re-hashes a ticket after a test changed it (so that only the intended fault remains). */
export function rehash(t: Ticket): Ticket {
  const { hash: _old, ...rest } = t;
  return { ...rest, hash: hashTicket(rest) };
}
