/**
 * A posting run: documents and payment-only tickets not posted yet → entries, settlement items,
 * letterings, as ONE batch in ONE transaction under the books lock (server/db/books-lock.ts:
 * integration, its undo and posting never interleave). Idempotent: what a run posted is marked
 * (documents.posting_batch, posted_tickets) and a rerun finds nothing left. Crash-safe: a crash
 * anywhere rolls the whole run back. The invariants are the last pass; if one breaks the run is
 * rolled back and reported, nothing is written. runPosting is the one orchestrator of the posting
 * run's passes (docs/developer.md, "The books pipeline").
 *
 * The mapping is checked first (seed 000: posting cannot start while a setting is wrong).
 *
 * An exclusion list (seed 002: the entries unchecked in the "Liste des écritures") leaves named
 * documents and payment-only tickets out, with whatever relies on them (posting-exclusion.ts); the
 * invariants then judge what was posted. A name that is unknown or already posted refuses the run.
 */
import type { Kysely } from 'kysely';
import { TillsyncError, type BooksError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, PendingDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { checkMapping } from './config-check.ts';
import type { Grouping, PostingMode } from './entry-grouping.ts';
import { InvariantLedger, invariantLines, renderInvariants, type InvariantLine } from './invariants.ts';
import { letterLinesOf, planLettering } from './lettering.ts';
import { LetteringWriter } from './lettering-store.ts';
import { customerResolver, loadMapping, mappingPath, readMappingJson } from './mapping.ts';
import { resolveExclusions, selectDocuments, selectPaymentOnlyTickets, type ExcludedCount, type PostingFilters } from './posting-source.ts';
import type { HeldBack } from './posting-exclusion.ts';
import { postChunks, type PostedChunk } from './posting-pass.ts';
import type { PostingOptions } from './posting.ts';
import type { PostingResult } from './ledger-types.ts';
import { planSettlements } from './settlements.ts';
import { PostingWriter } from './posting-writes.ts';
import { UnitSplitCache } from './split-cache.ts';
import { crashPoint } from '../../sync/crash-points.ts';
import type { ParsedTickets } from './parsed-tickets.ts';

export interface PostingRequest extends PostingFilters {
  mode?: PostingMode;
  grouping?: Grouping;
}

export interface PostingHooks {
  onStart?: (tickets: number) => void;
  onProgress?: (done: number) => void;
  /** Tickets per chunk (default 5,000; a chunk is always whole days × tills). */
  chunkTickets?: number;
  /** The night's integration kept its parsed tickets here (parsed-tickets.ts): they are not read again. */
  parsed?: ParsedTickets;
  /**
   * Sees each chunk's result before the run writes it. The invariant tests alter it here, as a bug
   * in the posting pass would, to prove the run's invariants catch it and roll everything back.
   */
  beforeWrite?: (chunk: PostingResult) => void;
}

export interface PostingSummary {
  /** The batch written, or null when there was nothing to post. */
  batch: number | null;
  mode: PostingMode;
  grouping: Grouping;
  filters: PostingFilters;
  documents: number;
  /** Delivery notes handled without a sales entry (invoiced later by the commercial side). */
  deliveryNotes: number;
  tickets: number;
  paymentOnlyTickets: number;
  entries: number;
  lines: number;
  settlements: number;
  lettering: { groups: number; partial: number };
  leftOut: number;
  /** Documents / payment-only tickets of the selection left out by the exclusion list. */
  excluded: ExcludedCount;
  /** What relies on something left out (pays an invoice left out, uses a deposit left out): held back too. */
  heldBack: HeldBack[];
  heldBackCount: number;
  errorCount: number;
  errors: BooksError[];
  warnings: BooksError[];
  configWarnings: number;
  invariants: InvariantLine[];
  elapsedMs: number;
  ticketsPerSecond: number;
}

const KEPT = 100;

/** Refuses to start while the mapping has errors; returns the number of warnings. */
export async function requireValidMapping(db: Kysely<Database>, data: string): Promise<number> {
  loadMapping(data); // creates the default file on first use, and reports a schema error in one line
  const check = checkMapping(readMappingJson(data), await loadBaseData(db));
  if (!check.ok) {
    const first = check.issues.find((i) => i.severity === 'error')!;
    throw new TillsyncError('config-invalid', `the accounting mapping is not ready (${check.errors} error(s)): ${first.path}: ${first.message}`, {
      hint: `fix ${mappingPath(data)}, see: tillsync server config check --data ${data}`,
      ref: { file: mappingPath(data) },
      status: 409,
    });
  }
  return check.warnings;
}

/**
 * One run's state: the transaction and what it writes through, the validate pass's ledger, the
 * log lines kept for after the commit, and the summary being filled.
 */
interface Run {
  trx: Kysely<Database>;
  writer: PostingWriter;
  letters: LetteringWriter;
  invariants: InvariantLedger;
  log: PendingDayLog;
  s: PostingSummary;
  deliveryNotesPosted: boolean;
}

/** Errors of a pass, to the log book (in the run's transaction) and to the day log once committed. */
async function logErrors(trx: Kysely<Database>, log: PendingDayLog, severity: 'error' | 'warning' | 'info', errors: BooksError[]): Promise<void> {
  if (!errors.length) return;
  const at = nowIso();
  const rows = errors.map((e) => ({ at, severity, channel: 'posting', file: null, till: e.ref.till ?? null, ticket: e.ref.ticket ?? null, message: e.message }));
  for (let i = 0; i < rows.length; i += 200) await trx.insertInto('log_book').values(rows.slice(i, i + 200)).execute();
  for (const r of rows) log.add(`${severity.toUpperCase()} [posting ${[r.till, r.ticket].filter(Boolean).join(' ')}] ${r.message}`);
}

const keep = <T>(into: T[], more: T[]) => into.push(...more.slice(0, KEPT - into.length));

/** The run's settings, read before the lock: the mapping (refused while wrong), the filters, the posting pass's options. */
async function prepare(db: Kysely<Database>, data: string, req: PostingRequest) {
  const configWarnings = await requireValidMapping(db, data);
  const mapping = loadMapping(data);
  const base = await loadBaseData(db);
  const mode = req.mode ?? mapping.posting.mode;
  const grouping = req.grouping ?? mapping.posting.grouping;
  const exclude = [...new Set((req.exclude ?? []).map((x) => x.trim()).filter(Boolean))];
  const filters: PostingFilters = { until: req.until, tills: req.tills, tillList: req.tillList, customers: req.customers, tickets: req.tickets, exclude: exclude.length ? exclude : undefined };
  for (const k of Object.keys(filters) as (keyof PostingFilters)[]) if (filters[k] === undefined) delete filters[k];
  const options: PostingOptions = { mapping, customer: customerResolver(mapping, base.customers), mode, grouping, splitCache: new UnitSplitCache(mapping.rounding.decimals) };
  return { configWarnings, mapping, mode, grouping, exclude, filters, options };
}

/** The names the exclusion list leaves out; refuses the run when one is unknown or already posted. */
async function resolveLeftOut(trx: Kysely<Database>, exclude: string[]): Promise<Set<string>> {
  if (!exclude.length) return new Set();
  const r = await resolveExclusions(trx, exclude);
  if (r.problems.length) {
    const more = r.problems.length > 5 ? ` (and ${r.problems.length - 5} more)` : '';
    throw new TillsyncError('exclude-invalid', `cannot leave out: ${r.problems.slice(0, 5).join('; ')}${more}; nothing was posted`, {
      hint: 'give document numbers (F00000003) or payment-only ticket ids (S1-01-00000042) that are not posted yet',
      status: 400,
    });
  }
  return new Set(r.refs);
}

/**
 * One chunk through the passes after posting, each fed from SQL and written back by the run:
 * letter (the chunk's new lines with what is stored under their keys), then the entries, then
 * settle (the open items they pay or use), then the marks; the validate pass takes in its figures.
 */
async function writeChunk(run: Run, c: PostedChunk): Promise<void> {
  const { trx, log, s, writer } = run;
  const r = c.result.result;
  if (c.heldBack.length) {
    s.heldBackCount += c.heldBack.length;
    keep(s.heldBack, c.heldBack);
    await logErrors(trx, log, 'info', c.heldBack.map(heldBackNote));
  }
  await logErrors(trx, log, 'error', c.result.errors);
  s.errorCount += c.result.errors.length;
  keep(s.errors, c.result.errors);
  s.leftOut += r.leftOut.length;
  run.invariants.addPosting(r.postedDocuments, c.tickets, new Set(r.postedPaymentOnly), r.entries, r.adjustments);

  const lettering = planLettering(await run.letters.snapshot(letterLinesOf(r.entries)));
  const written = await writer.writeEntries(r, await run.letters.write(lettering.result));
  s.entries += written.entries;
  s.lines += written.lines;

  const settle = planSettlements({ existing: await writer.openItems([...new Set(r.consumptions.map((x) => x.ref))]), created: r.settlements, consumptions: r.consumptions });
  s.settlements += await writer.writeSettlements(settle.result);
  await logErrors(trx, log, 'warning', settle.errors);
  keep(s.warnings, settle.errors);
  await writer.markPosted(r);

  s.documents += r.postedDocuments.length;
  if (!run.deliveryNotesPosted) s.deliveryNotes += r.postedDocuments.filter((x) => x.kind === 'delivery-note').length;
  s.paymentOnlyTickets += r.postedPaymentOnly.length;
  s.tickets += r.postedDocuments.reduce((a, x) => a + x.ticketCount, 0) + r.postedPaymentOnly.length;
}

/** The validate pass over the whole run: a broken invariant throws, which rolls everything back. */
function validate(run: Run): void {
  const groups = run.letters.groups;
  run.invariants.addLettering(groups);
  run.s.lettering = { groups: groups.length, partial: groups.filter((g) => g.partial).length };
  const v = run.invariants.validate();
  run.s.invariants = invariantLines(v);
  if (v.errors.length) {
    throw new TillsyncError('invariant-broken', `posting rolled back, invariant broken: ${v.errors.map((e) => e.message).join('; ')}`, {
      hint: 'nothing was written; report this with the log of the run',
      ref: { check: v.errors[0].ref.check },
      status: 500,
    });
  }
}

/**
 * The posting run, the one orchestrator of post → settle → letter → validate: it alone reads and
 * writes SQL (one transaction, under the books lock), calls the pure passes in order, and writes
 * the day log only once the transaction has committed (PendingDayLog).
 */
export async function runPosting(db: Kysely<Database>, data: string, req: PostingRequest, hooks: PostingHooks = {}): Promise<PostingSummary> {
  const { configWarnings, mapping, mode, grouping, exclude, filters, options } = await prepare(db, data, req);
  const log = new PendingDayLog(data);

  const summary = await withBooksLock(db, async (trx) => {
    const t0 = performance.now();
    const now = nowIso();
    const leftOutRefs = await resolveLeftOut(trx, exclude);
    const excluded: ExcludedCount = { documents: 0, tickets: 0 };
    const docs = await selectDocuments(trx, filters, excluded);
    const paymentOnly = await selectPaymentOnlyTickets(trx, filters, excluded);
    const s: PostingSummary = {
      batch: null, mode, grouping, filters, documents: 0, deliveryNotes: 0, tickets: 0, paymentOnlyTickets: 0, entries: 0, lines: 0, settlements: 0,
      lettering: { groups: 0, partial: 0 }, leftOut: 0, excluded, heldBack: [], heldBackCount: 0, errorCount: 0, errors: [], warnings: [], configWarnings, invariants: [], elapsedMs: 0, ticketsPerSecond: 0,
    };
    if (!docs.length && !paymentOnly.length) return s;
    hooks.onStart?.(docs.reduce((a, x) => a + x.ticketCount, 0) + paymentOnly.length);

    const batch = await trx
      .insertInto('batches')
      .values({ kind: 'posting', status: 'running', started_at: now, finished_at: null, params: JSON.stringify({ ...filters, mode, grouping }), summary: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const batchId = Number(batch.id);
    s.batch = batchId;
    const letters = new LetteringWriter(trx, batchId);
    await letters.init();
    const run: Run = { trx, writer: await PostingWriter.open(trx, batchId, now, mapping.rounding.decimals), letters, invariants: new InvariantLedger(mapping), log, s, deliveryNotesPosted: mapping.posting.deliveryNotes === 'post' };
    let done = 0;
    let first = true;
    // The posting pass, chunk by chunk (its tickets read here, in the run's transaction).
    for await (const c of postChunks(trx, { documents: docs, paymentOnly }, options, { leftOut: leftOutRefs, chunkTickets: hooks.chunkTickets, parsed: hooks.parsed })) {
      hooks.beforeWrite?.(c.result);
      await writeChunk(run, c);
      done += c.selected;
      hooks.onProgress?.(done);
      if (first) crashPoint('posting:after-first-chunk');
      first = false;
    }

    if (!s.documents && !s.paymentOnlyTickets && !s.entries) {
      // Everything selected was left out (held back, or refused by an error already logged): no
      // empty batch in the books, the run says there was nothing to post.
      await trx.deleteFrom('batches').where('id', '=', batchId).execute();
      s.batch = null;
      return s;
    }
    validate(run);
    await run.writer.finish();
    s.elapsedMs = Math.round(performance.now() - t0);
    s.ticketsPerSecond = Math.round((s.tickets * 1000) / Math.max(s.elapsedMs, 1));
    const { errors: _e, warnings: _w, ...stored } = s;
    await trx.updateTable('batches').set({ status: 'done', finished_at: nowIso(), summary: JSON.stringify(stored) }).where('id', '=', batchId).execute();
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'posting', file: null, till: null, ticket: null, message: describePosting(s) }).execute();
    return s;
  }).catch(async (e) => {
    log.rolledBack('posting', e);
    if (e instanceof TillsyncError && e.code === 'invariant-broken') {
      await db.insertInto('log_book').values({ at: nowIso(), severity: 'error', channel: 'posting', file: null, till: null, ticket: null, message: e.message }).execute();
    }
    throw e;
  });
  // Committed: now the day log.
  log.flush();
  appendDayLog(data, `INFO [posting] ${describePosting(summary)}`);
  for (const c of summary.invariants) appendDayLog(data, `INFO [posting] invariant ${c.ok ? 'ok' : 'BROKEN'}: ${c.name}: ${c.detail}`);
  return summary;
}

function heldBackNote(h: HeldBack): BooksError {
  const what = h.kind === 'document' ? `document ${h.id}` : `ticket ${h.id}`;
  return { source: 'posting', message: `${what} held back: it relies on ${h.because}, left out of this run; the next run posts them in order`, ref: h.kind === 'ticket' ? { ticket: h.id } : {} };
}

function describeExclusion(s: PostingSummary): string {
  const { documents, tickets } = s.excluded;
  const parts: string[] = [];
  if (documents || tickets) parts.push(`${[documents ? `${documents} document(s)` : '', tickets ? `${tickets} payment-only ticket(s)` : ''].filter(Boolean).join(' and ')} left out as asked`);
  if (s.heldBackCount) parts.push(`${s.heldBackCount} held back with them`);
  return parts.join(', ');
}

export function describePosting(s: PostingSummary): string {
  if (s.batch === null) {
    const why = [s.leftOut ? `${s.leftOut} document(s) left out (see the log book)` : '', describeExclusion(s)].filter(Boolean).join('; ');
    return `nothing to post (until ${s.filters.until}${why ? `; ${why}` : ''})`;
  }
  const parts = [
    `batch ${s.batch} (${s.mode}, by ${s.grouping}): ${s.documents} document(s), ${s.tickets} ticket(s) → ${s.entries} entries, ${s.lines} lines, ${s.settlements} settlement item(s)`,
    `lettering ${s.lettering.groups} group(s), ${s.lettering.partial} partial`,
  ];
  if (s.deliveryNotes) parts.push(`${s.deliveryNotes} delivery note(s) left to the commercial invoice`);
  if (s.leftOut) parts.push(`${s.leftOut} document(s) left out (see the log book)`);
  const ex = describeExclusion(s);
  if (ex) parts.push(`${ex}; they stay for the next run`);
  if (s.warnings.length) parts.push(`${s.warnings.length} warning(s)`);
  return parts.join('; ');
}

export function renderPosting(s: PostingSummary): string {
  const lines = [describePosting(s)];
  for (const e of s.errors.slice(0, 10)) lines.push(`  error: ${e.message}`);
  if (s.errorCount > 10) lines.push(`  … ${s.errorCount - 10} more in the log book`);
  for (const w of s.warnings.slice(0, 10)) lines.push(`  warning: ${w.message}`);
  for (const h of s.heldBack.slice(0, 10)) lines.push(`  held back: ${heldBackNote(h).message}`);
  if (s.heldBackCount > 10) lines.push(`  … ${s.heldBackCount - 10} more in the log book`);
  if (s.invariants.length) lines.push('invariants:', renderInvariants(s.invariants));
  if (s.batch !== null) lines.push(`undo with: tillsync server undo --batch ${s.batch} (while not exported)`);
  return lines.join('\n');
}
