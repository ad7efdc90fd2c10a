/**
 * The integrate pass, the pure core of nightly integration: stored tickets in, planned documents
 * and errors out (server/books/pass.ts: errors as data, beancount style). One document per
 * customer × day × till × kind (seed 003: "une seule facture (ou un seul BL) par client, jour,
 * caisse, facture ou BL").
 *
 * Tickets are fed in (store, till, number) order, so a million of them stream through: the
 * documents of a till are complete when the next till starts, and only then leave the grouper
 * (InlineGrouping, fed page by page by the run, integrate.ts, or by a check worker).
 * `planDocuments` is the same pass over a whole snapshot at once, for tests.
 */
import type { BooksError } from '../../sync/errors.ts';
import type { BooksPass, PassResult } from '../books/pass.ts';
import type { BaseData, TicketSettlement, VatTotal } from '../../sync/types.ts';
import { D, fmt, type Decimals } from '../../sync/money.ts';
import { DOCUMENT_KINDS, type DocumentKind } from './document-kind.ts';
import { formatScaled, toScaled } from '../../sync/scaled-money.ts';
import { isSelected, type IntegrationFilters } from './filters.ts';
import { buildRefs, type IntegrationRefs, type Link, type StoredTicket } from './ticket-checks.ts';
import { ticketVerdict, type AcceptedTicket, type CheckTask, type OnAccepted, type Verdict } from './ticket-verdict.ts';

/** A row of the tickets table as the grouper needs it. */
export interface SourceRow extends StoredTicket {
  documentId: number | null;
  integrationBatch: number | null;
}

export interface PlannedDocument {
  kind: DocumentKind;
  store: string;
  till: string;
  day: string;
  customer: string;
  /** Ticket ids in number order. */
  tickets: string[];
  firstTicket: number;
  lastTicket: number;
  /** Σ of the tickets' goods totals (negative on a credit note, like the returns it holds). */
  totals: { inclVat: string; exclVat: string; vat: string };
  /** Σ of the tickets' byVat, by VAT code. */
  byVat: VatTotal[];
}

export interface GroupingStats {
  /** Tickets inside the selection (before exclusions and checks). */
  selected: number;
  excluded: number;
  leftOut: number;
  inDocuments: number;
  paymentOnly: number;
  /** Integrated although their predecessor is not on the server (a numbering gap intake reports). */
  unverifiedLinks: number;
}

/** A deposit (acompte) a ticket of the run takes: what deposit invoices are made from (server/invoicing). */
export interface PlannedDeposit {
  ticket: string;
  store: string;
  till: string;
  day: string;
  customer: string;
  /** Index of the settlement on its ticket. */
  index: number;
  settlement: TicketSettlement;
}

export interface GroupedTickets {
  documents: PlannedDocument[];
  /** Tickets with no goods (invoice settlement, deposit): integrated without a document. */
  paymentOnly: string[];
  /** Deposits taken by the accepted tickets (rare: only tickets that take one). */
  deposits: PlannedDeposit[];
  stats: GroupingStats;
}

/** The integrate pass's outcome: a ticket left out is named in `errors`, the others go on. */
export type GroupingResult = PassResult<GroupedTickets>;

const SCALE = 4;

/** Sums amount texts exactly: scaled integers while they fit, decimal.js past that. */
class Sum {
  private n = 0;
  private big: InstanceType<typeof D> | null = null;
  add(text: string): void {
    const v = this.big === null ? toScaled(text, SCALE) : null;
    if (v !== null && Number.isSafeInteger(this.n + v)) this.n += v;
    else this.big = (this.big ?? new D(formatScaled(this.n, SCALE))).plus(text);
  }
  text(decimals: Decimals): string {
    return this.big === null ? fmt(formatScaled(this.n, SCALE), decimals) : fmt(this.big, decimals);
  }
}

interface OpenDocument {
  kind: DocumentKind;
  store: string;
  till: string;
  day: string;
  customer: string;
  tickets: string[];
  first: number;
  last: number;
  decimals: Decimals;
  incl: Sum;
  excl: Sum;
  vat: Sum;
  byVat: Map<string, { rate: string; base: Sum; vat: Sum; incl: Sum }>;
}

const KIND_ORDER = new Map(DOCUMENT_KINDS.map((k, i) => [k, i]));

function closeDocument(o: OpenDocument): PlannedDocument {
  return {
    kind: o.kind,
    store: o.store,
    till: o.till,
    day: o.day,
    customer: o.customer,
    tickets: o.tickets,
    firstTicket: o.first,
    lastTicket: o.last,
    totals: { inclVat: o.incl.text(o.decimals), exclVat: o.excl.text(o.decimals), vat: o.vat.text(o.decimals) },
    byVat: [...o.byVat.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([vatCode, v]) => ({ vatCode, rate: v.rate, base: v.base.text(o.decimals), vat: v.vat.text(o.decimals), inclVat: v.incl.text(o.decimals) })),
  };
}

/** Order of documents, hence of their numbers: store, till, day, customer, kind. */
export function compareDocuments(a: PlannedDocument, b: PlannedDocument): number {
  for (const k of ['store', 'till', 'day', 'customer'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)!;
}

/**
 * First step, row by row in (store, till, number) order: the chain state (each row's predecessor),
 * the selection and the exclusions. Rows outside the selection only serve the chain check.
 */
export class TicketSelector {
  private readonly excluded: Set<string>;
  private prev: { till: string; number: number; hash: string } | null = null;
  selected = 0;
  excludedCount = 0;

  constructor(private readonly filters: IntegrationFilters) {
    this.excluded = new Set(filters.exclude ?? []);
  }

  /** The check to make on this row, or null. */
  select(row: SourceRow): CheckTask | null {
    const till = `${row.store}-${row.till}`;
    if (this.prev && this.prev.till === till && row.number <= this.prev.number) {
      throw new Error(`integration rows out of order: ${row.id} after number ${this.prev.number}`);
    }
    const link: Link = this.prev && this.prev.till === till ? { number: this.prev.number, hash: this.prev.hash } : null;
    this.prev = { till, number: row.number, hash: row.hash };
    if (!isSelected(row, this.filters)) return null;
    this.selected += 1;
    if (this.excluded.has(row.id)) {
      this.excludedCount += 1;
      return null;
    }
    return { row, link };
  }
}

/** Which ticket a verdict is about (all the grouper needs of a refused one). */
export interface TicketRef {
  id: string;
  store: string;
  till: string;
}

/**
 * Second step, in the same order: verdicts in, documents out. The documents of a till are complete
 * when the next till starts (or closeTill() is called), and only then leave the grouper.
 */
export class DocumentGrouper {
  private currentTill: string | null = null;
  private open = new Map<string, OpenDocument>();
  private completed: PlannedDocument[] = [];
  private paymentOnly: string[] = [];
  private deposits: PlannedDeposit[] = [];
  private errors: BooksError[] = [];
  private readonly counts = { leftOut: 0, inDocuments: 0, paymentOnly: 0, unverifiedLinks: 0 };

  /** `selector`: where the selection counts come from (the one this run's rows went through). */
  constructor(private readonly selector: { selected: number; excludedCount: number }) {}

  get stats(): GroupingStats {
    return { selected: this.selector.selected, excluded: this.selector.excludedCount, ...this.counts };
  }

  accept(ref: TicketRef, verdict: Verdict): void {
    const till = `${ref.store}-${ref.till}`;
    if (till !== this.currentTill) {
      this.closeTill();
      this.currentTill = till;
    }
    if (!verdict.result) {
      this.counts.leftOut += 1;
      this.errors.push({ source: 'integration', message: `ticket ${ref.id} left out of integration: ${verdict.errors.map((e) => e.message).join('; ')}`, ref: { ticket: ref.id, till } });
      return;
    }
    if (verdict.result.linkUnverified) this.counts.unverifiedLinks += 1;
    this.place(verdict.result.ticket);
  }

  private place(t: AcceptedTicket): void {
    for (const d of t.deposits ?? []) this.deposits.push({ ticket: t.id, store: t.store, till: t.till, day: t.day, customer: t.customer, index: d.index, settlement: d.settlement });
    const kind = t.kind;
    if (kind === null) {
      this.paymentOnly.push(t.id);
      this.counts.paymentOnly += 1;
      return;
    }
    const key = `${t.day}\u0000${t.customer}\u0000${kind}`;
    let doc = this.open.get(key);
    if (!doc) {
      doc = { kind, store: t.store, till: t.till, day: t.day, customer: t.customer, tickets: [], first: t.number, last: t.number, decimals: t.decimals, incl: new Sum(), excl: new Sum(), vat: new Sum(), byVat: new Map() };
      this.open.set(key, doc);
    }
    doc.tickets.push(t.id);
    doc.last = t.number;
    // A till switched to more decimals mid-day keeps every digit in the document.
    if (t.decimals > doc.decimals) doc.decimals = t.decimals;
    doc.incl.add(t.totals.inclVat);
    doc.excl.add(t.totals.exclVat);
    doc.vat.add(t.totals.vat);
    for (const v of t.byVat) {
      let acc = doc.byVat.get(v.vatCode);
      if (!acc) {
        acc = { rate: v.rate, base: new Sum(), vat: new Sum(), incl: new Sum() };
        doc.byVat.set(v.vatCode, acc);
      }
      acc.base.add(v.base);
      acc.vat.add(v.vat);
      acc.incl.add(v.inclVat);
    }
    this.counts.inDocuments += 1;
  }

  /** The current till has no more rows: its documents are complete (also done on the next till's first row). */
  closeTill(): void {
    if (!this.open.size) return;
    const docs = [...this.open.values()].map(closeDocument).sort(compareDocuments);
    this.completed.push(...docs);
    this.open.clear();
  }

  /** Documents of the tills already finished (and their payment-only tickets, and errors so far). */
  take(): GroupingResult {
    const out = { result: { documents: this.completed, paymentOnly: this.paymentOnly, deposits: this.deposits, stats: this.stats }, errors: this.errors };
    this.completed = [];
    this.paymentOnly = [];
    this.deposits = [];
    this.errors = [];
    return out;
  }

  /** No more rows: the last till's documents are complete. */
  finish(): GroupingResult {
    this.closeTill();
    this.currentTill = null;
    return this.take();
  }
}

export function emptyStats(): GroupingStats {
  return { selected: 0, excluded: 0, leftOut: 0, inDocuments: 0, paymentOnly: 0, unverifiedLinks: 0 };
}

const STAT_KEYS = Object.keys(emptyStats()) as (keyof GroupingStats)[];

/** `into` += `add`, field by field. */
export function addStats(into: GroupingStats, add: GroupingStats): void {
  for (const k of STAT_KEYS) into[k] += add[k];
}

/** What one page of a till gave: the till's documents once it ends, and the counts of this page alone. */
export interface GroupingPiece extends GroupingResult {
  endOfTill: boolean;
}

/**
 * Selector, checks and grouper, row by row: the reference pipeline. It runs in this thread or in a
 * check worker (verdict-source.ts), fed one page at a time; `piece()` hands over what the page gave,
 * with its counts as a difference so that the pieces of several workers add up.
 */
export class InlineGrouping {
  readonly selector: TicketSelector;
  readonly grouper: DocumentGrouper;
  private counted = emptyStats();
  constructor(
    readonly refs: IntegrationRefs,
    filters: IntegrationFilters,
    private readonly onAccepted?: OnAccepted,
  ) {
    this.selector = new TicketSelector(filters);
    this.grouper = new DocumentGrouper(this.selector);
  }
  add(row: SourceRow): void {
    const task = this.selector.select(row);
    if (task) this.grouper.accept(task.row, ticketVerdict(task.row, task.link, this.refs, this.onAccepted));
  }
  /** After a page's rows: its payment-only tickets and errors, and the till's documents when `endOfTill`. */
  piece(endOfTill: boolean): GroupingPiece {
    if (endOfTill) this.grouper.closeTill();
    const { result: r, errors } = this.grouper.take();
    const stats = emptyStats();
    for (const k of STAT_KEYS) stats[k] = r.stats[k] - this.counted[k];
    this.counted = r.stats;
    return { result: { documents: r.documents, paymentOnly: r.paymentOnly, deposits: r.deposits, stats }, errors, endOfTill };
  }
}

/** What the integrate pass reads: the stored tickets (any order), the base data, the run's filters. */
export interface IntegrationSnapshot {
  rows: readonly SourceRow[];
  base: BaseData | IntegrationRefs;
  filters: IntegrationFilters;
}

/** The integrate pass over a whole snapshot at once (rows sorted here). */
export const planDocuments: BooksPass<IntegrationSnapshot, GroupedTickets> = ({ rows, base, filters }) => {
  const refs = 'customers' in base && base.customers instanceof Set ? (base as IntegrationRefs) : buildRefs(base as BaseData);
  const g = new InlineGrouping(refs, filters);
  const sorted = [...rows].sort((a, b) => (a.store !== b.store ? (a.store < b.store ? -1 : 1) : a.till !== b.till ? (a.till < b.till ? -1 : 1) : a.number - b.number));
  for (const r of sorted) g.add(r);
  return g.grouper.finish();
};
