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
import type { OnAccepted } from './ticket-verdict.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { crashPoint } from '../../sync/crash-points.ts';

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
  /** Each ticket accepted, parsed, when checked in this thread (verdict-source.ts): the nightly chain keeps them for posting. */
  onAccepted?: OnAccepted;
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

/** Errors of a pass, to the log book (in the run's transaction) and to the day log once committed. */
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
    const r = piece.result;
    addStats(stats, r.stats);
    await hooks.onProgress?.(stats.selected);
    if (r.documents.length || r.paymentOnly.length || piece.errors.length) await onResult({ result: { ...r, stats: { ...stats } }, errors: piece.errors });
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

/** One run's state: its transaction, the numbering it writes with, what it keeps for the summary and for after the commit. */
interface Run {
  trx: Kysely<Database>;
  filters: IntegrationFilters;
  requestedAt: string;
  state: WriteState;
  batchId: number | null;
  documents: number;
  errorCount: number;
  firstErrors: BooksError[];
  deposits: PlannedDeposit[];
  log: PendingDayLog;
}

function takeErrors(run: Run, errors: BooksError[]): void {
  run.errorCount += errors.length;
  run.firstErrors.push(...errors.slice(0, ERRORS_KEPT - run.firstErrors.length));
}

/** One piece of the integrate pass, written: its errors to the log book, its documents numbered (the batch opened on the first). */
async function writePiece(run: Run, { result: r, errors }: GroupingResult): Promise<void> {
  const { trx, state } = run;
  run.deposits.push(...r.deposits);
  await logErrors(trx, run.log, errors);
  takeErrors(run, errors);
  if (!r.documents.length && !r.paymentOnly.length) return;
  const first = run.batchId === null;
  if (first) {
    const row = await trx
      .insertInto('batches')
      .values({ kind: 'integration', status: 'running', started_at: state.now, finished_at: null, params: JSON.stringify({ ...run.filters, requestedAt: run.requestedAt }), summary: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    run.batchId = Number(row.id);
    state.batchId = run.batchId;
  }
  await writeDocuments(trx, r.documents, r.paymentOnly, state);
  run.documents += r.documents.length;
  if (first) crashPoint('integration:after-first-write');
}

/** The deposit-invoice pass over the run's deposits, then their writing (FA series). */
async function invoiceDeposits(run: Run): Promise<void> {
  if (run.batchId === null || !run.deposits.length) return;
  const plan = planDepositInvoices({ deposits: run.deposits, base: await loadBaseData(run.trx) });
  await logErrors(run.trx, run.log, plan.errors);
  takeErrors(run, plan.errors);
  const numbers = await writeDepositInvoices(run.trx, plan.result, { ...run.state, batchId: run.batchId });
  if (numbers.length) run.state.numbered.set('deposit-invoice', { first: numbers[0], last: numbers[numbers.length - 1], count: numbers.length });
}

/**
 * The integration run, the one orchestrator of the integrate pass: it alone reads and writes SQL
 * (one transaction, under the books lock), feeds the pass page by page (verdict-source.ts, worker
 * threads on large runs), and writes the day log only once the transaction has committed — but
 * for the line saying a run starts, written before the lock so an operator following the log
 * sees a long run begin (it claims no work).
 */
export async function runIntegration(db: Kysely<Database>, data: string, filters: IntegrationFilters, hooks: IntegrateHooks = {}): Promise<IntegrationSummary> {
  const requestedAt = nowIso();
  let t0 = 0;
  const log = new PendingDayLog(data);
  appendDayLog(data, `INFO [integration] run started (${describeFilters(filters)})`);
  const summary = await withBooksLock(db, async (trx) => {
    t0 = performance.now();
    const refs = await loadRefs(trx);
    // Opened first: its workers, if any, load while the selection is made.
    const source = await openVerdictSource(trx, refs, filters, { mode: hooks.checks, workers: hooks.workers, pageSize: hooks.pageSize, onAccepted: hooks.onAccepted });
    const { spans, series, invoiceDate } = await closingOnError(source, async () => {
      const spans = await pendingTills(trx, filters);
      const series = await lockSeries(trx);
      return { spans, series, invoiceDate: runInvoiceDate(hooks.invoiceDate, await lastInvoiceDate(trx)) };
    });
    hooks.onStart?.(spans.reduce((a, s) => a + s.count, 0));
    const before = new Map(series);
    const run: Run = { trx, filters, requestedAt, state: { batchId: 0, now: nowIso(), invoiceDate, series, numbered: new Map() }, batchId: null, documents: 0, errorCount: 0, firstErrors: [], deposits: [], log };
    const stats = await stream(source, spans, (r) => writePiece(run, r), hooks).finally(() => source.close());
    await invoiceDeposits(run);

    const elapsedMs = performance.now() - t0;
    const summary: IntegrationSummary = {
      batch: run.batchId,
      filters,
      documents: run.documents,
      stats,
      series: Object.fromEntries(run.state.numbered),
      invoiceDate,
      errorCount: run.errorCount,
      errors: run.firstErrors,
      elapsedMs: Math.round(elapsedMs),
      ticketsPerSecond: Math.round((stats.selected * 1000) / Math.max(elapsedMs, 1)),
      checkWorkers: source.workers,
    };
    if (run.batchId !== null) {
      await saveSeries(trx, before, series, invoiceDate);
      const { errors: _omitted, ...stored } = summary;
      await trx.updateTable('batches').set({ status: 'done', finished_at: nowIso(), summary: JSON.stringify(stored) }).where('id', '=', run.batchId).execute();
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
  // Committed: now the day log.
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
  const stats = await stream(source, spans, async ({ result: r, errors: found }) => {
    for (const n of assignNumbers(r.documents, series)) documents.push({ number: n.number, ...n.doc });
    paymentOnly.push(...r.paymentOnly);
    errors.push(...found);
  }, hooks).finally(() => source.close());
  return { filters, documents, paymentOnly, stats, errors };
}
