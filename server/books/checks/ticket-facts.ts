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

/**
 * In a period check, the tickets of the period's documents (by the documents' day: the tickets_pending
 * index leads with document_id) and the period's tickets without a document (posted alone).
 */
export async function loadTicketFacts(db: Db, period: CheckPeriod | null = null): Promise<TicketFacts> {
  const out: TicketFacts = { documents: new Map(), payments: new Map(), broken: [], count: 0 };
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('tickets')
      .select(['id', 'document_id', 'day', 'total_incl', 'content'])
      .where('integration_batch', 'is not', null)
      .$if(period !== null, (q) =>
        q.where((eb) =>
          eb.or([
            eb('document_id', 'in', eb.selectFrom('documents as d').select('d.id').where('d.day', '>=', period!.from).where('d.day', '<=', period!.to)),
            eb.and([eb('document_id', 'is', null), eb('day', '>=', period!.from), eb('day', '<=', period!.to)]),
          ]),
        ),
      )
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    for (const r of rows) {
      out.count++;
      addTicket(out, r);
    }
  }
  return out;
}

function addTicket(out: TicketFacts, r: { id: string; document_id: number | null; day: string; total_incl: string; content: string }): void {
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

