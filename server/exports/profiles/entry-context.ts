/**
 * What a profile needs to know about the documents behind a page of entries, and that entry lines
 * do not carry: the document's kind (credit notes go to their own journal), store and till
 * (analytics, labels), customer (per-customer accounts), tickets (ticket range) and payment mode
 * (the settlement items of the document), and for an article analytic axis its ticket lines. One
 * query per table per page.
 */
import { sql } from 'kysely';
import { D, type Dec } from '../../../sync/money.ts';
import type { Db } from '../../db/database.ts';
import type { LedgerEntry } from '../ledger-model.ts';

export interface DocumentInfo {
  number: string;
  kind: string;
  store: string;
  till: string;
  customer: string;
  day: string;
  firstTicket: number;
  lastTicket: number;
  /** Mode of the largest payment of the document (settlement items), null when none. */
  paymentMode: string | null;
  /** The document's ticket lines (article, base VAT code, amount incl VAT): read only for an article analytic axis. */
  lines?: { article: string; vatCode: string; inclVat: string }[];
}

export async function documentsOf(db: Db, entries: LedgerEntry[], opts: { lines?: boolean } = {}): Promise<Map<string, DocumentInfo>> {
  const numbers = new Set<string>();
  for (const e of entries) {
    if (e.piece && !e.piece.startsWith('*')) numbers.add(e.piece);
    for (const l of e.lines) if (l.documentNumber) numbers.add(l.documentNumber);
  }
  const out = new Map<string, DocumentInfo>();
  const list = [...numbers];
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500);
    const docs = await db.selectFrom('documents').select(['number', 'kind', 'store', 'till', 'customer', 'day', 'first_ticket', 'last_ticket']).where('number', 'in', chunk).execute();
    for (const d of docs) out.set(d.number, { number: d.number, kind: d.kind, store: d.store, till: d.till, customer: d.customer, day: d.day, firstTicket: Number(d.first_ticket), lastTicket: Number(d.last_ticket), paymentMode: null });
    const pays = await sql<{ document_number: string; mode: string; amount: string }>`select document_number, mode, amount from settlements where kind = 'payment' and document_number in (${sql.join(chunk)})`.execute(db);
    const best = new Map<string, { mode: string; amount: Dec }>();
    for (const p of pays.rows) {
      const a = new D(p.amount).abs();
      const cur = best.get(p.document_number);
      if (!cur || a.greaterThan(cur.amount)) best.set(p.document_number, { mode: p.mode, amount: a });
    }
    for (const [n, b] of best) {
      const d = out.get(n);
      if (d) d.paymentMode = b.mode;
    }
    if (opts.lines) {
      const tickets = await db.selectFrom('tickets').select(['document_number', 'content']).where('document_number', 'in', chunk).orderBy('id').execute();
      for (const t of tickets) {
        const d = t.document_number ? out.get(t.document_number) : undefined;
        if (!d) continue;
        const content = JSON.parse(t.content) as { lines?: { article?: unknown; vatCode?: unknown; inclVat?: unknown }[] };
        d.lines ??= [];
        for (const l of content.lines ?? []) d.lines.push({ article: String(l.article ?? ''), vatCode: String(l.vatCode ?? ''), inclVat: String(l.inclVat ?? '0') });
      }
    }
  }
  return out;
}
