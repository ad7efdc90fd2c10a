/**
 * An integration run: pending tickets → documents, under the books lock, in ONE transaction
 * (batch row, documents, numbers, ticket write-back, log-book entries): a crash anywhere leaves
 * the database as it was before the run, and the next run does the whole job. The preview runs
 * the same pipeline without the lock and without writing (the seed's control grid).
 */
import type { Kysely } from 'kysely';
import type { BooksError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, PendingDayLog } from '../log-book.ts';
import { assignNumbers, writeDocuments, type SeriesRange, type WriteState } from './document-writer.ts';
import { describeFilters, type IntegrationFilters } from './filters.ts';
import { addStats, emptyStats, type GroupingResult, type GroupingStats, type PlannedDeposit, type PlannedDocument } from './document-grouping.ts';
import { lastInvoiceDate, lockSeries, readSeries, saveSeries, type Series } from './numbering.ts';
import { runInvoiceDate } from '../invoicing/invoice-dates.ts';
import { planDepositInvoices, writeDepositInvoices } from '../invoicing/deposit-invoices.ts';
import { buildRefs, type IntegrationRefs } from './ticket-checks.ts';
import { pendingTills, type TillSpan } from './ticket-source.ts';
import { openVerdictSource, type CheckMode, type VerdictSource } from './verdict-source.ts';
import { withBooksLock } from '../db/books-lock.ts';

export interface IntegrateHooks {
  /** Where tickets are checked: 'auto' (worker threads on large runs when cores are idle), 'inline' or 'worker'. */
  checks?: CheckMode;
  /** Worker threads with `checks: 'worker'` (default 1). */
  workers?: number;
  /** Rows per page read (default 2000). */
  pageSize?: number;
  /** Called once the selection is known (number of tickets to look at), then as they are read. */
  onStart?: (total: number) => void;
  /** May return a promise: the run waits for it (still holding the lock). */
  onProgress?: (done: number) => void | Promise<void>;
  /** The invoice date of the documents (default: the server's day; tests and drills set the clock here). */
  invoiceDate?: string;
}

export interface IntegrationSummary {
  /** The batch written, or null when there was nothing to integrate (no batch is created then). */
  batch: number | null;
  filters: IntegrationFilters;
  documents: number;
  stats: GroupingStats;
  /** Numbers taken per series (first–last), deposit invoices included. */
  series: Partial<Record<Series, SeriesRange>>;
  /** The documents' invoice date (the run's day); their sale date is their tickets' day. */
  invoiceDate: string;
  errorCount: number;
  /** The first errors (all of them are in the log book). */
  errors: BooksError[];
  elapsedMs: number;
  ticketsPerSecond: number;
  /** Worker threads that read and checked the tickets (0: all in the run's thread). */
  checkWorkers: number;
}

const ERRORS_KEPT = 100;

/** The base data as integration checks it, withdrawn articles and customers included. */
export async function loadRefs(db: Kysely<Database>): Promise<IntegrationRefs> {
  const base = await loadBaseData(db);
  const withdrawn = await db.selectFrom('base_items').select(['kind', 'code']).where('deleted', '=', 1).where('kind', 'in', ['article', 'customer']).execute();
  return buildRefs(base, {
    articles: withdrawn.filter((r) => r.kind === 'article').map((r) => r.code),
    customers: withdrawn.filter((r) => r.kind === 'customer').map((r) => r.code),
  });
}

async function logErrors(trx: Kysely<Database>, log: PendingDayLog, errors: BooksError[]): Promise<void> {
  if (!errors.length) return;
  const at = new Date();
  const rows = errors.map((e) => ({ at: at.toISOString(), severity: 'error', channel: 'integration', file: null, till: e.ref.till ?? null, ticket: e.ref.ticket ?? null, message: e.message }));
  for (let i = 0; i < rows.length; i += 200) await trx.insertInto('log_book').values(rows.slice(i, i + 200)).execute();
  for (const r of rows) log.add(`ERROR [integration ${[r.till, r.ticket].filter(Boolean).join(' ')}] ${r.message}`, at);
}

/**
 * Takes the grouped pieces in order and hands each on (written, or listed by the preview): a
 * till's documents come with its last page.
 */
async function stream(source: VerdictSource, spans: TillSpan[], onResult: (r: GroupingResult) => Promise<void>, hooks: IntegrateHooks): Promise<GroupingStats> {
  const stats = emptyStats();
  for await (const piece of source.pieces(spans)) {
    addStats(stats, piece.stats);
    await hooks.onProgress?.(stats.selected);
    if (piece.documents.length || piece.paymentOnly.length || piece.errors.length) await onResult({ ...piece, stats: { ...stats } });
  }
  return stats;
}

/** `fn`, closing the source (its worker threads) if it fails: past it, the stream closes it. */
async function closingOnError<T>(source: VerdictSource, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await source.close();
    throw e;
  }
}

export async function runIntegration(db: Kysely<Database>, data: string, filters: IntegrationFilters, hooks: IntegrateHooks = {}): Promise<IntegrationSummary> {
  const requestedAt = nowIso();
  let t0 = 0;
  const log = new PendingDayLog(data);
  const summary = await withBooksLock(db, async (trx) => {
    t0 = performance.now();
    const now = nowIso();
    // Written at once: an operator following the log sees a long run start.
    appendDayLog(data, `INFO [integration] run started (${describeFilters(filters)})`);
    const refs = await loadRefs(trx);
    // Opened first: its workers, if any, load while the selection is made.
    const source = await openVerdictSource(trx, refs, filters, { mode: hooks.checks, workers: hooks.workers, pageSize: hooks.pageSize });
    const { spans, series, invoiceDate } = await closingOnError(source, async () => {
      const spans = await pendingTills(trx, filters);
      const series = await lockSeries(trx);
      return { spans, series, invoiceDate: runInvoiceDate(hooks.invoiceDate, await lastInvoiceDate(trx)) };
    });
    hooks.onStart?.(spans.reduce((a, s) => a + s.count, 0));
    const before = new Map(series);
    const state: WriteState = { batchId: 0, now, invoiceDate, series, numbered: new Map() };
    let batchId: number | null = null;
    let documents = 0;
    let errorCount = 0;
    const firstErrors: BooksError[] = [];
    const deposits: PlannedDeposit[] = [];

    const stats = await stream(source, spans, async (r) => {
      deposits.push(...r.deposits);
      await logErrors(trx, log, r.errors);
      errorCount += r.errors.length;
      firstErrors.push(...r.errors.slice(0, ERRORS_KEPT - firstErrors.length));
      if (!r.documents.length && !r.paymentOnly.length) return;
      if (batchId === null) {
        const row = await trx
          .insertInto('batches')
          .values({ kind: 'integration', status: 'running', started_at: now, finished_at: null, params: JSON.stringify({ ...filters, requestedAt }), summary: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        batchId = Number(row.id);
        state.batchId = batchId;
      }
      await writeDocuments(trx, r.documents, r.paymentOnly, state);
      documents += r.documents.length;
    }, hooks).finally(() => source.close());

    let depositInvoices: string[] = [];
    if (batchId !== null && deposits.length) {
      const plan = planDepositInvoices(deposits, await loadBaseData(trx));
      await logErrors(trx, log, plan.errors);
      errorCount += plan.errors.length;
      firstErrors.push(...plan.errors.slice(0, ERRORS_KEPT - firstErrors.length));
      depositInvoices = await writeDepositInvoices(trx, plan.invoices, { ...state, batchId });
      if (depositInvoices.length) state.numbered.set('deposit-invoice', { first: depositInvoices[0], last: depositInvoices[depositInvoices.length - 1], count: depositInvoices.length });
    }

    const elapsedMs = performance.now() - t0;
    const summary: IntegrationSummary = {
      batch: batchId,
      filters,
      documents,
      stats,
      series: Object.fromEntries(state.numbered),
      invoiceDate,
      errorCount,
      errors: firstErrors,
      elapsedMs: Math.round(elapsedMs),
      ticketsPerSecond: Math.round((stats.selected * 1000) / Math.max(elapsedMs, 1)),
      checkWorkers: source.workers,
    };
    if (batchId !== null) {
      await saveSeries(trx, before, series, invoiceDate);
      const { errors: _omitted, ...stored } = summary;
      await trx.updateTable('batches').set({ status: 'done', finished_at: nowIso(), summary: JSON.stringify(stored) }).where('id', '=', batchId).execute();
      await trx
        .insertInto('log_book')
        .values({ at: nowIso(), severity: 'info', channel: 'integration', file: null, till: null, ticket: null, message: describeRun(summary) })
        .execute();
    }
    return summary;
  }).catch((e) => {
    log.rolledBack('integration', e);
    throw e;
  });
  log.flush();
  // From the lock to the commit: what the run took, writing to disk included.
  const elapsedMs = performance.now() - t0;
  summary.elapsedMs = Math.round(elapsedMs);
  summary.ticketsPerSecond = Math.round((summary.stats.selected * 1000) / Math.max(elapsedMs, 1));
  appendDayLog(data, `INFO [integration] ${describeRun(summary)}`);
  return summary;
}

export function describeRun(s: IntegrationSummary): string {
  const head = s.batch === null ? 'nothing to integrate' : `batch ${s.batch}: ${s.documents} document(s) from ${s.stats.inDocuments} ticket(s)`;
  const extra = [
    s.stats.paymentOnly ? `${s.stats.paymentOnly} payment-only ticket(s) marked integrated` : '',
    s.stats.leftOut ? `${s.stats.leftOut} ticket(s) left out (see the log book)` : '',
    s.stats.excluded ? `${s.stats.excluded} excluded` : '',
  ].filter(Boolean);
  return `${head} (${describeFilters(s.filters)})${extra.length ? `; ${extra.join('; ')}` : ''}`;
}

export interface GridDocument extends PlannedDocument {
  /** The number the document would take if the run were made now. */
  number: string;
}

export interface PreviewResult {
  filters: IntegrationFilters;
  documents: GridDocument[];
  paymentOnly: string[];
  stats: GroupingStats;
  errors: BooksError[];
}

/** The control grid: what a run with these filters would create now, nothing written. */
export async function previewIntegration(db: Kysely<Database>, filters: IntegrationFilters, hooks: IntegrateHooks = {}): Promise<PreviewResult> {
  const refs = await loadRefs(db);
  const source = await openVerdictSource(db, refs, filters, { mode: hooks.checks, workers: hooks.workers, pageSize: hooks.pageSize });
  const { spans, series } = await closingOnError(source, async () => ({ spans: await pendingTills(db, filters), series: await readSeries(db) }));
  hooks.onStart?.(spans.reduce((a, s) => a + s.count, 0));
  const documents: GridDocument[] = [];
  const paymentOnly: string[] = [];
  const errors: BooksError[] = [];
  const stats = await stream(source, spans, async (r) => {
    for (const n of assignNumbers(r.documents, series)) documents.push({ number: n.number, ...n.doc });
    paymentOnly.push(...r.paymentOnly);
    errors.push(...r.errors);
  }, hooks).finally(() => source.close());
  return { filters, documents, paymentOnly, stats, errors };
}
