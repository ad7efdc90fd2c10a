/**
 * What a posting run reads: documents not posted yet and integrated tickets without goods not
 * posted yet, inside the run's filters (the seed's "Intégration jusqu'au", "N° caisse au",
 * "Client au", "Ticket du au") less the exclusion list (the entries unchecked in seed 002's "Liste
 * des écritures"), cut into chunks of whole days × tills so that memory stays flat.
 */
import type { Expression, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { storeOf } from '../db/store.ts';
import type { Ticket, TicketPayment, TicketSettlement } from '../../sync/types.ts';
import type { DocKind, PostingDocument, PostingTicket, PostingTicketLine } from './ledger-types.ts';
import { ticketProvides } from './posting-exclusion.ts';
import type { ParsedTickets } from './parsed-tickets.ts';

export interface PostingFilters {
  until: string;
  tills?: { from: string; to: string };
  /** Only these till codes (the nightly chain run by a till's closure). */
  tillList?: string[];
  customers?: { from: string; to: string };
  /** A document is taken when all its tickets are inside the range. */
  tickets?: { from: number; to: number };
  /**
   * Document numbers and payment-only ticket ids left out of this run (the entries unchecked in
   * the "Liste des écritures"); they stay unposted for a later run. Checked by resolveExclusions.
   */
  exclude?: string[];
}

/** How many documents / payment-only tickets of the selection the exclusion list removed. */
export interface ExcludedCount {
  documents: number;
  tickets: number;
}

const IN_CHUNK = 500;

function textRef(db: Kysely<Database>, column: string): Expression<string> {
  return storeOf(db).bytewise(sql<string>`${sql.ref(column)}`);
}

export async function selectDocuments(db: Kysely<Database>, f: PostingFilters, count?: ExcludedCount): Promise<PostingDocument[]> {
  let q = db
    .selectFrom('documents')
    .select(['id', 'number', 'kind', 'store', 'till', 'customer', 'day', 'total_incl', 'ticket_count'])
    .where('posting_batch', 'is', null)
    .where('day', '<=', f.until);
  if (f.tills) q = q.where(textRef(db, 'till'), '>=', f.tills.from).where(textRef(db, 'till'), '<=', f.tills.to);
  if (f.tillList) q = q.where('till', 'in', f.tillList.length ? f.tillList : ['']);
  if (f.customers) q = q.where(textRef(db, 'customer'), '>=', f.customers.from).where(textRef(db, 'customer'), '<=', f.customers.to);
  if (f.tickets) q = q.where('first_ticket', '>=', f.tickets.from).where('last_ticket', '<=', f.tickets.to);
  const excluded = new Set(f.exclude ?? []);
  const all = await q.orderBy('day').orderBy('store').orderBy('till').orderBy('id').execute();
  // Filtered here rather than in SQL: the list may be long (a whole grid unchecked).
  const rows = excluded.size ? all.filter((r) => !excluded.has(r.number)) : all;
  if (count) count.documents += all.length - rows.length;
  return rows.map((r) => ({
    id: Number(r.id),
    number: r.number,
    kind: r.kind as DocKind,
    store: r.store,
    till: r.till,
    customer: r.customer,
    day: r.day,
    totalIncl: r.total_incl,
    ticketCount: Number(r.ticket_count),
  }));
}

export interface PaymentOnlyRef {
  id: string;
  store: string;
  till: string;
  day: string;
}

/** Integrated tickets without a document (only an invoice settlement or a deposit), not posted yet. */
export async function selectPaymentOnlyTickets(db: Kysely<Database>, f: PostingFilters, count?: ExcludedCount): Promise<PaymentOnlyRef[]> {
  let q = db
    .selectFrom('tickets')
    .select(['id', 'store', 'till', 'day'])
    .where('document_id', 'is', null)
    .where('integration_batch', 'is not', null)
    .where('day', '<=', f.until)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('posted_tickets').select('posted_tickets.ticket_id').whereRef('posted_tickets.ticket_id', '=', 'tickets.id'))));
  if (f.tills) q = q.where(textRef(db, 'till'), '>=', f.tills.from).where(textRef(db, 'till'), '<=', f.tills.to);
  if (f.tillList) q = q.where('till', 'in', f.tillList.length ? f.tillList : ['']);
  if (f.customers) q = q.where(textRef(db, 'customer'), '>=', f.customers.from).where(textRef(db, 'customer'), '<=', f.customers.to);
  if (f.tickets) q = q.where('number', '>=', f.tickets.from).where('number', '<=', f.tickets.to);
  const excluded = new Set(f.exclude ?? []);
  const all = await q.orderBy('day').orderBy('store').orderBy('till').orderBy('number').execute();
  const rows = excluded.size ? all.filter((r) => !excluded.has(r.id)) : all;
  if (count) count.tickets += all.length - rows.length;
  return rows;
}

export interface ResolvedExclusions {
  /** Refs left out (document numbers, orders of the deposits left out): what relies on them is held back. */
  refs: Set<string>;
  /** Why some names cannot be left out (unknown, already posted, a ticket of a document…). */
  problems: string[];
}

/**
 * Checks every name of an exclusion list against the books: a document not posted yet, or an
 * integrated payment-only ticket not posted yet. Anything else is a problem (a typo would
 * otherwise post what the user meant to keep out).
 */
export async function resolveExclusions(db: Kysely<Database>, exclude: string[]): Promise<ResolvedExclusions> {
  const refs = new Set<string>();
  const problems: string[] = [];
  const names = [...new Set(exclude)];
  const docs = new Map<string, number | null>();
  for (let i = 0; i < names.length; i += IN_CHUNK) {
    const rows = await db.selectFrom('documents').select(['number', 'posting_batch']).where('number', 'in', names.slice(i, i + IN_CHUNK)).execute();
    for (const r of rows) docs.set(r.number, r.posting_batch === null ? null : Number(r.posting_batch));
  }
  const rest = names.filter((n) => !docs.has(n));
  const tickets = new Map<string, { document: string | null; integrated: boolean; content: string }>();
  const posted = new Map<string, number>();
  for (let i = 0; i < rest.length; i += IN_CHUNK) {
    const ids = rest.slice(i, i + IN_CHUNK);
    const rows = await db.selectFrom('tickets').select(['id', 'document_number', 'integration_batch', 'content']).where('id', 'in', ids).execute();
    for (const r of rows) tickets.set(r.id, { document: r.document_number, integrated: r.integration_batch !== null, content: r.content });
    const done = await db.selectFrom('posted_tickets').select(['ticket_id', 'batch_id']).where('ticket_id', 'in', ids).execute();
    for (const r of done) posted.set(r.ticket_id, Number(r.batch_id));
  }
  for (const n of names) {
    if (docs.has(n)) {
      const batch = docs.get(n);
      if (batch === null) refs.add(n);
      else problems.push(`${n} is already posted (batch ${batch})`);
      continue;
    }
    const t = tickets.get(n);
    if (!t) problems.push(`${n} is neither a document number nor a ticket id`);
    else if (t.document !== null) problems.push(`${n} is a ticket of document ${t.document} (leave out ${t.document})`);
    else if (!t.integrated) problems.push(`${n} is not integrated yet (posting does not take it)`);
    else if (posted.has(n)) problems.push(`${n} is already posted (batch ${posted.get(n)})`);
    else for (const order of ticketProvides({ settlements: (JSON.parse(t.content) as Ticket).settlements ?? [] })) refs.add(order);
  }
  return { refs, problems };
}

export function toPostingTicket(row: { id: string; document_id: number | null; document_number: string | null; content: string }): PostingTicket {
  const p = toPostingFields(row.id, JSON.parse(row.content) as Ticket);
  p.documentId = row.document_id === null ? null : Number(row.document_id);
  p.documentNumber = row.document_number;
  return p;
}

/** What posting reads of a parsed ticket, its document not set yet (parsed-tickets.ts keeps these). */
export function toPostingFields(id: string, t: Ticket): PostingTicket {
  return {
    id,
    store: t.store,
    till: t.till,
    number: t.number,
    day: t.day,
    customer: t.customer,
    documentId: null,
    documentNumber: null,
    // Only what posting reads: the parsed ticket (labels, hashes, totals by rate…) then dies young
    // instead of staying referenced for the whole chunk.
    lines: t.lines.map(postingLine),
    settlements: t.settlements ?? [],
    payments: t.payments ?? [],
    goods: t.totals.inclVat,
  };
}

/** What posting reads of a line; the discount only when there is one (most lines have none). */
function postingLine(l: Ticket['lines'][number]): PostingTicketLine {
  // qty and unitPrice are references into the parsed ticket (no copy): read when the books round per product.
  return l.discount ? { vatCode: l.vatCode, vatRate: l.vatRate, inclVat: l.inclVat, discount: l.discount.amount, qty: l.qty, unitPrice: l.unitPrice } : { vatCode: l.vatCode, vatRate: l.vatRate, inclVat: l.inclVat, qty: l.qty, unitPrice: l.unitPrice };
}

/**
 * The fields posting reads of a stored ticket, picked by its store (on SQLite by SQLite itself, one
 * json_extract in C: JavaScript then parses about a third of the text). Same values as
 * toPostingTicket's, in this order.
 */
const PICK = ['$.store', '$.till', '$.number', '$.day', '$.customer', '$.lines', '$.settlements', '$.payments', '$.totals.inclVat'] as const;

type Picked = [string, string, number, string, string, Ticket['lines'], TicketSettlement[] | null, TicketPayment[] | null, string];

export function fromPicked(id: string, documentId: number | null, documentNumber: string | null, picked: Picked): PostingTicket {
  const [store, till, number, day, customer, lines, settlements, payments, goods] = picked;
  return {
    id,
    store,
    till,
    number,
    day,
    customer,
    documentId: documentId === null ? null : Number(documentId),
    documentNumber,
    lines: lines.map(postingLine),
    settlements: settlements ?? [],
    payments: payments ?? [],
    goods,
  };
}

/**
 * The tickets of these documents and these payment-only tickets. With `parsed` (the night's
 * integration kept them, parsed-tickets.ts) only the rows' ids, documents and hashes are read, and
 * the content of those it does not hold.
 */
export async function loadTickets(db: Kysely<Database>, docIds: number[], looseIds: string[], parsed?: ParsedTickets): Promise<PostingTicket[]> {
  if (!parsed?.size) return fromStore(db, docIds, looseIds);
  const out: PostingTicket[] = [];
  const missing: string[] = [];
  const take = (r: { id: string; document_id: number | null; document_number: string | null; hash: string }) => {
    const t = parsed.take({ id: r.id, hash: r.hash, documentId: r.document_id === null ? null : Number(r.document_id), documentNumber: r.document_number });
    if (t) out.push(t);
    else missing.push(r.id);
  };
  const cols = ['id', 'document_id', 'document_number', 'hash'] as const;
  for (let i = 0; i < docIds.length; i += IN_CHUNK) {
    for (const r of await db.selectFrom('tickets').select(cols).where('document_id', 'in', docIds.slice(i, i + IN_CHUNK)).execute()) take(r);
  }
  for (let i = 0; i < looseIds.length; i += IN_CHUNK) {
    for (const r of await db.selectFrom('tickets').select(cols).where('id', 'in', looseIds.slice(i, i + IN_CHUNK)).execute()) take(r);
  }
  if (missing.length) out.push(...(await fromStore(db, [], missing)));
  return out;
}

async function fromStore(db: Kysely<Database>, docIds: number[], looseIds: string[]): Promise<PostingTicket[]> {
  const rows = await storeOf(db).ticketFields(db, docIds, looseIds, PICK);
  return rows.map((r) => fromPicked(r.id, r.documentId, r.documentNumber, r.values as Picked));
}

export interface Chunk {
  documents: PostingDocument[];
  paymentOnly: PaymentOnlyRef[];
}

/**
 * Whole (day, store, till) slices, so that a group (by customer or by account) never straddles two
 * chunks; a chunk closes once it holds about `tickets` tickets (small enough that a chunk's
 * tickets die young; a chunk's fixed costs are a few queries).
 */
export function* chunksOf(docs: PostingDocument[], paymentOnly: PaymentOnlyRef[], tickets = 5_000): Generator<Chunk> {
  const slice = (x: { day: string; store: string; till: string }) => `${x.day}\u0000${x.store}\u0000${x.till}`;
  const slices = new Map<string, Chunk & { size: number }>();
  for (const d of docs) {
    const k = slice(d);
    let s = slices.get(k);
    if (!s) slices.set(k, (s = { documents: [], paymentOnly: [], size: 0 }));
    s.documents.push(d);
    s.size += d.ticketCount;
  }
  for (const t of paymentOnly) {
    const k = slice(t);
    let s = slices.get(k);
    if (!s) slices.set(k, (s = { documents: [], paymentOnly: [], size: 0 }));
    s.paymentOnly.push(t);
    s.size += 1;
  }
  let cur: Chunk = { documents: [], paymentOnly: [] };
  let size = 0;
  for (const k of [...slices.keys()].sort()) {
    const s = slices.get(k)!;
    cur.documents.push(...s.documents);
    cur.paymentOnly.push(...s.paymentOnly);
    size += s.size;
    if (size >= tickets) {
      yield cur;
      cur = { documents: [], paymentOnly: [] };
      size = 0;
    }
  }
  if (cur.documents.length || cur.paymentOnly.length) yield cur;
}
