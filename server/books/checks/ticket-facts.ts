/**
 * Every integrated ticket read back from its stored, signed content and recomputed with the checks'
 * own arithmetic (amounts.ts): per document and VAT code the amounts incl VAT and the VAT under the
 * till's rules, the lines (for the books' rules), and each ticket's payments. Read in pages of
 * tickets, once per run of the checks.
 */
import type { Db } from '../../db/database.ts';
import type { CheckPeriod } from './check.ts';
import { amountText, splitIncl, units } from './amounts.ts';

export interface CodeFacts {
  rate: string;
  /** Σ lines incl VAT, units. */
  incl: bigint;
  /** VAT under the tills' rules (per line or on the ticket's total per code), summed over the tickets, units. */
  vat: bigint;
  /** Each line incl VAT, units, in ticket order (the books split them again under their own rules). */
  lines: bigint[];
  /** The same lines as products (quantity, unit price incl VAT, discount incl VAT; units), for books rounding per product; null for a line without them. */
  products: ({ qty: bigint; unit: bigint; discount: bigint } | null)[];
}

export interface DocumentFacts {
  tickets: number;
  /** Σ ticket goods (lines incl VAT), units. */
  goods: bigint;
  byCode: Map<string, CodeFacts>;
}

export interface TicketPaymentFacts {
  documentId: number | null;
  day: string;
  payments: { mode: string; amount: bigint }[];
}

export interface TicketFacts {
  documents: Map<number, DocumentFacts>;
  /** Integrated tickets with at least one payment. */
  payments: Map<string, TicketPaymentFacts>;
  /** Tickets whose content cannot be read, or whose stored goods total is not Σ its lines. */
  broken: { ticket: string; message: string; amounts?: Record<string, string> }[];
  count: number;
}

interface StoredLine {
  qty?: unknown;
  unitPrice?: unknown;
  discount?: { amount?: unknown };
  inclVat?: unknown;
  vatCode?: unknown;
  vatRate?: unknown;
}

const PAGE = 2000;
/** Documents per page of a period check: their tickets come in one query (about six tickets a document). */
const DOC_PAGE = 500;

type FactRow = { id: string; document_id: number | null; day: string; total_incl: string; content: string };
const COLUMNS = ['id', 'document_id', 'day', 'total_incl', 'content'] as const;

/**
 * In a period check, the tickets of the period's documents (by the documents' day: the
 * tickets_pending index leads with document_id), 500 documents at a time, then the period's
 * tickets without a document (posted alone). One query with both in an OR, paged by ticket id, read
 * more than the period: with the statistics stale (right after the night's integration) PostgreSQL
 * scanned and sorted every ticket per page (470 ms for one store's night of 20,000 tickets), and
 * with fresh ones it walked the ticket ids, the history's included (ids are till then number).
 */
export async function loadTicketFacts(db: Db, period: CheckPeriod | null = null): Promise<TicketFacts> {
  const out: TicketFacts = { documents: new Map(), payments: new Map(), broken: [], count: 0 };
  const take = (rows: FactRow[]) => {
    for (const r of rows) {
      out.count++;
      addTicket(out, r);
    }
  };
  if (period === null) {
    await pagesById(db, (q) => q, take);
    return out;
  }
  // The period's document ids in one pass over documents (ids only), then their tickets a page of documents at a time.
  const docIds = (await db.selectFrom('documents').select('id').where('day', '>=', period.from).where('day', '<=', period.to).orderBy('id').execute()).map((d) => Number(d.id));
  for (let i = 0; i < docIds.length; i += DOC_PAGE) {
    // Ticket order within a document as in a whole-books check (by id): its lines are summed in that order.
    take(await db.selectFrom('tickets').select(COLUMNS).where('integration_batch', 'is not', null).where('document_id', 'in', docIds.slice(i, i + DOC_PAGE)).orderBy('id').execute());
  }
  await pagesById(db, (q) => q.where('document_id', 'is', null).where('day', '>=', period.from).where('day', '<=', period.to), take);
  return out;
}

/** Integrated tickets (narrowed by `where`) a page at a time, by id. */
async function pagesById(db: Db, where: (q: Integrated) => Integrated, take: (rows: FactRow[]) => void): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await where(integrated(db)).where('id', '>', after).orderBy('id').limit(PAGE).execute();
    if (!rows.length) return;
    after = rows[rows.length - 1].id;
    take(rows);
  }
}

function integrated(db: Db) {
  return db.selectFrom('tickets').select(COLUMNS).where('integration_batch', 'is not', null);
}
type Integrated = ReturnType<typeof integrated>;

function addTicket(out: TicketFacts, r: FactRow): void {
  let t: { lines?: StoredLine[]; payments?: { mode?: unknown; amount?: unknown }[]; rounding?: { decimals?: number; vatOn?: string } };
  try {
    t = JSON.parse(r.content);
  } catch {
    out.broken.push({ ticket: r.id, message: 'stored content is not JSON' });
    return;
  }
  const decimals = t.rounding?.decimals ?? 2;
  const vatOn = t.rounding?.vatOn ?? 'line';
  // Per code for this ticket first: with VAT on the total the split is made once per ticket and code.
  const mine = new Map<string, CodeFacts>();
  let goods = 0n;
  for (const l of t.lines ?? []) {
    const incl = units(l.inclVat);
    const code = String(l.vatCode ?? '');
    const rate = String(l.vatRate ?? '');
    if (incl === null || units(rate) === null) {
      out.broken.push({ ticket: r.id, message: `a line of VAT code ${code} has amount ${String(l.inclVat)} / rate ${rate}, not numbers` });
      return;
    }
    goods += incl;
    let c = mine.get(code);
    if (!c) mine.set(code, (c = { rate, incl: 0n, vat: 0n, lines: [], products: [] }));
    c.incl += incl;
    c.lines.push(incl);
    const qty = units(l.qty);
    const unit = units(l.unitPrice);
    c.products.push(qty !== null && unit !== null ? { qty, unit, discount: units(l.discount?.amount) ?? 0n } : null);
    if (vatOn === 'line') c.vat += splitIncl(incl, rate, decimals).vat;
  }
  if (vatOn !== 'line') for (const c of mine.values()) c.vat = splitIncl(c.incl, c.rate, decimals).vat;
  const stored = units(r.total_incl);
  if (stored !== goods) out.broken.push({ ticket: r.id, message: 'stored goods total is not Σ its lines', amounts: { expected: amountText(goods, decimals), found: r.total_incl } });

  if (r.document_id !== null) {
    const id = Number(r.document_id);
    let d = out.documents.get(id);
    if (!d) out.documents.set(id, (d = { tickets: 0, goods: 0n, byCode: new Map() }));
    d.tickets++;
    d.goods += goods;
    for (const [code, c] of mine) {
      const acc = d.byCode.get(code);
      if (!acc) d.byCode.set(code, c);
      else {
        acc.incl += c.incl;
        acc.vat += c.vat;
        for (const x of c.lines) acc.lines.push(x);
        for (const x of c.products) acc.products.push(x);
      }
    }
  }
  const payments: TicketPaymentFacts['payments'] = [];
  for (const p of t.payments ?? []) {
    const amount = units(p.amount);
    if (amount === null) {
      out.broken.push({ ticket: r.id, message: `payment ${String(p.mode)} of ${String(p.amount)} is not an amount` });
      continue;
    }
    payments.push({ mode: String(p.mode), amount });
  }
  if (payments.length) out.payments.set(r.id, { documentId: r.document_id === null ? null : Number(r.document_id), day: r.day, payments });
}

