/**
 * Writes planned documents inside the run's transaction: numbers from the series, the documents
 * and their VAT lines, and the write-back on every ticket (document id and number, batch, and a
 * new updated_at: the checkpoint the acks replication pulls to the till).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { PlannedDocument } from './document-grouping.ts';
import { formatNumber, type Series, type SeriesState } from './numbering.ts';
import { nowIso } from '../db/dialect.ts';
import { storeOf, type Row, type TicketMark } from '../db/store.ts';

const DOC_CHUNK = 200;
const DOC_COLUMNS = ['number', 'series', 'seq', 'kind', 'store', 'till', 'customer', 'day', 'total_incl', 'total_excl', 'total_vat', 'ticket_count', 'first_ticket', 'last_ticket', 'batch_id', 'posting_batch', 'created_at', 'invoice_date', 'complement_of'];
const VAT_COLUMNS = ['document_id', 'vat_code', 'rate', 'base', 'vat', 'incl'];

export interface SeriesRange {
  first: string;
  last: string;
  count: number;
}

export interface WriteState {
  batchId: number;
  now: string;
  /** The run's invoice date (server/invoicing/invoice-dates.ts); the documents' sale date is their `day`. */
  invoiceDate: string;
  series: SeriesState;
  /** What this run numbered, per series. */
  numbered: Map<Series, SeriesRange>;
}

/** Takes the next numbers, in the order of the documents given. */
export function assignNumbers(docs: PlannedDocument[], series: SeriesState): { doc: PlannedDocument; seq: number; number: string }[] {
  return docs.map((doc) => {
    const seq = (series.get(doc.kind) ?? 0) + 1;
    series.set(doc.kind, seq);
    return { doc, seq, number: formatNumber(doc.kind, seq) };
  });
}

/**
 * The write-back, in ticket order whatever the document: a till's documents interleave through its
 * numbers, and updating document by document revisits every page once per document (measured 10×
 * slower on SQLite). Ranges of consecutive numbers do not help either: documents interleave so
 * much that a run averages ~2 tickets (measured slower than one row at a time). How each engine
 * writes it: its store's markTickets (server/db/sqlite-store.ts, postgres-store.ts).
 */
async function markTickets(trx: Kysely<Database>, marks: TicketMark[], batchId: number, now: string): Promise<void> {
  marks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await storeOf(trx).markTickets(trx, marks, batchId, now);
}

const keyOf = (d: { store: string; till: string; day: string; customer: string; kind: string }) => `${d.store}\u0000${d.till}\u0000${d.day}\u0000${d.customer}\u0000${d.kind}`;

/**
 * The ordinary documents earlier runs made for these documents' keys (customer × day × till ×
 * kind): a run that finds one makes a *complementary* document citing it (one ordinary document
 * per key, whatever the number of runs its tickets arrive in).
 */
async function earlierDocuments(trx: Kysely<Database>, docs: PlannedDocument[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!docs.length) return out;
  const tills = [...new Set(docs.map((d) => d.till))];
  const days = [...new Set(docs.map((d) => d.day))];
  const rows = await trx
    .selectFrom('documents')
    .select(['number', 'store', 'till', 'day', 'customer', 'kind'])
    .where('till', 'in', tills)
    .where('day', 'in', days)
    .where('complement_of', 'is', null)
    .execute();
  const wanted = new Set(docs.map(keyOf));
  for (const r of rows) if (wanted.has(keyOf(r))) out.set(keyOf(r), r.number);
  return out;
}

export async function writeDocuments(trx: Kysely<Database>, docs: PlannedDocument[], paymentOnly: string[], w: WriteState): Promise<void> {
  const numbered = assignNumbers(docs, w.series);
  const marks: TicketMark[] = [];
  for (let i = 0; i < numbered.length; i += DOC_CHUNK) {
    const chunk = numbered.slice(i, i + DOC_CHUNK);
    const earlier = await earlierDocuments(trx, chunk.map((c) => c.doc));
    // Precompiled multi-row INSERTs (the store's insertRows): the query builder's tree of ~4,000
    // value nodes per chunk cost more than the insert. The ids come back by number (unique).
    const docRows: Row[] = chunk.map(({ doc, seq, number }) => [number, doc.kind, seq, doc.kind, doc.store, doc.till, doc.customer, doc.day, doc.totals.inclVat, doc.totals.exclVat, doc.totals.vat, doc.tickets.length, doc.firstTicket, doc.lastTicket, w.batchId, null, w.now, w.invoiceDate, earlier.get(keyOf(doc)) ?? null]);
    await storeOf(trx).insertRows(trx, 'documents', DOC_COLUMNS, docRows);
    const inserted = await trx.selectFrom('documents').select(['id', 'number']).where('number', 'in', chunk.map((c) => c.number)).execute();
    const idOf = new Map(inserted.map((r) => [r.number, Number(r.id)]));
    const vatRows: Row[] = chunk.flatMap(({ doc, number }) => doc.byVat.map((v) => [idOf.get(number)!, v.vatCode, v.rate, v.base, v.vat, v.inclVat]));
    await storeOf(trx).insertRows(trx, 'document_vat', VAT_COLUMNS, vatRows);
    for (const { doc, number } of chunk) {
      const documentId = idOf.get(number)!;
      for (const id of doc.tickets) marks.push({ id, documentId, number });
      const r = w.numbered.get(doc.kind);
      if (r) {
        r.last = number;
        r.count += 1;
      } else w.numbered.set(doc.kind, { first: number, last: number, count: 1 });
    }
  }
  for (const id of paymentOnly) marks.push({ id, documentId: null, number: null });
  // Stamped as late as possible: on PostgreSQL intake commits during a run, and a replication pull
  // that saw a later stamp before this run commits would skip these tickets (see docs/server.md, PostgreSQL).
  await markTickets(trx, marks, w.batchId, nowIso());
}
