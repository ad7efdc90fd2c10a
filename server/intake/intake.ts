/**
 * Intake: every channel (replication, LAN inbox, HTTP upload, mail, manual `server intake`) ends
 * here. `intakeTickets` takes a batch of tickets that came without a package file (replication); `intakePackage` takes a ticket package file and
 * commits its `packages` row in the SAME transaction as its tickets, so a package is either
 * wholly accepted or not at all — a crash in the middle leaves nothing to clean up, and the rerun
 * does the whole job. A refused package is recorded (row + log book) in its own transaction.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { logEvent } from '../log-book.ts';
import { isTillsyncError } from '../../sync/errors.ts';
import { inspectPackage, isPackageError, openTicketPackage, openTicketPackageStream, type StreamedPackage, type TicketLineError } from '../../sync/package-reader.ts';
import type { PackageManifest } from '../../sync/package-format.ts';
import { applyTickets, prepareTickets, TicketApplier, type IntakeResult } from './ticket-apply.ts';
import { herePages, inlinePages, LinesOutOfOrder, LineWorkers, wantsWorkers, type LinesMode, type PackagePages } from './package-pages.ts';
import { EventJournal } from './event-journal.ts';
import { appendDayLog } from '../log-book.ts';
import { packageKeys, saveOfferedKeys } from '../security/package-verifier.ts';

export type { IntakeResult, Channel } from './ticket-apply.ts';

/** What intake needs of the server context. */
export interface IntakeContext {
  db: Kysely<Database>;
  data: string;
}

export interface TicketsInput {
  channel: string;
  file?: string | null;
  packageId?: number | null;
  tickets: unknown[];
  /** `S1-01` when the sender is authenticated as one till: tickets of any other till are refused. */
  expectTill?: string;
}

async function enrolledTills(db: Kysely<Database>): Promise<Set<string>> {
  return new Set((await db.selectFrom('tills').select(['id']).execute()).map((r) => r.id));
}

export async function intakeTickets(ctx: IntakeContext, input: TicketsInput): Promise<IntakeResult> {
  const enrolled = await enrolledTills(ctx.db);
  const prepared = prepareTickets(input.tickets, enrolled, input.expectTill);
  const journal = new EventJournal();
  const result = await ctx.db.transaction().execute((trx) => applyTickets(trx, prepared, { channel: input.channel, file: input.file, packageId: input.packageId, data: ctx.data }, journal));
  journal.flushToDayLog(ctx.data);
  return result;
}

export interface PackageInput {
  bytes: Buffer;
  fileName: string;
  channel: string;
  /** `S1-01` when the sender authenticated as a till: a package of another till is refused. */
  expectTill?: string;
  /** Status recorded for a refused package: `quarantined` when the file goes to quarantine/. */
  refusedStatus?: 'rejected' | 'quarantined';
  /** Where the ticket lines are judged (package-pages.ts LinesMode): 'auto' unless testing. */
  lines?: LinesMode;
  /** Lines per page handed to a worker thread (tests cross page boundaries with small pages). */
  pageLines?: number;
  /**
   * Filled with the milliseconds spent (bench): `read` opening the package (zip, manifest,
   * signature, hashes.bin); `check` judging its lines before the transaction (only for a package
   * whose lines are out of order: otherwise they are read and judged page by page during it);
   * `apply` the transaction. `lines`: where the lines were judged, and `judged` how many pages
   * each side judged.
   */
  timings?: { read?: number; check?: number; apply?: number; lines?: 'inline' | 'workers'; judged?: { here: number; workers: number } };
}

/** Line errors told one by one in a package's outcome (all are counted, and journaled up to the journal's cap). */
export const LINE_ERRORS_KEPT = 1000;

export interface PackageCounts {
  tickets: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  /** Malformed lines + refused tickets (not stored). */
  errors: number;
  /** Stored with status error (broken chain). */
  flagged: number;
}

export type PackageOutcome =
  | { status: 'accepted'; packageId: number; fileName: string; sha256: string; till: string; kind: string; counts: PackageCounts; result: IntakeResult; lineErrors: TicketLineError[] }
  | { status: 'already'; packageId: number; fileName: string; sha256: string; till: string | null; receivedAt: string; channel: string; counts: PackageCounts }
  | { status: 'refused'; packageId: number; fileName: string; sha256: string; till: string | null; reason: string; message: string; hint?: string };

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

type PackageRow = Database['packages'] extends infer T ? { [K in keyof T]: any } : never;

function countsOf(row: PackageRow): PackageCounts {
  return { tickets: Number(row.ticket_count), accepted: Number(row.new_count), duplicates: Number(row.duplicate_count), conflicts: Number(row.conflict_count), errors: Number(row.error_count), flagged: Number(row.flagged_count) };
}

export async function intakePackage(ctx: IntakeContext, input: PackageInput): Promise<PackageOutcome> {
  const sha256 = sha256Of(input.bytes);
  const fileName = input.fileName;
  const previous = await ctx.db.selectFrom('packages').selectAll().where('sha256', '=', sha256).executeTakeFirst();
  if (previous?.status === 'accepted') return logAlready(ctx, input, alreadyOutcome(previous, fileName));

  const clock = { at: performance.now() };
  const lap = (phase: 'read' | 'check' | 'apply') => {
    const now = performance.now();
    if (input.timings) input.timings[phase] = now - clock.at;
    clock.at = now;
  };
  let manifest: PackageManifest | null = null;
  let streamed: StreamedPackage;
  // Spawned before the zip checks, so that loading their modules overlaps them.
  let workers: LineWorkers | null = null;
  const refusal = (e: unknown) => {
    const till = manifest ? `${manifest.store}-${manifest.till}` : null;
    if (isPackageError(e)) return refuse(ctx, input, sha256, till, e.reason, e.message, e.hint);
    if (isTillsyncError(e)) return refuse(ctx, input, sha256, till, e.code, e.message, e.hint);
    return null;
  };
  try {
    try {
      manifest = inspectPackage(input.bytes, fileName);
      const claimed = `${manifest.store}-${manifest.till}`;
      if (input.expectTill && claimed !== input.expectTill) {
        return await refuse(ctx, input, sha256, claimed, 'wrong-till', `${fileName}: package of till ${claimed} sent with the credentials of till ${input.expectTill}`, 'send each till\'s packages with that till\'s own credentials');
      }
      if (wantsWorkers(manifest.count, input.lines)) workers = LineWorkers.spawn();
      // The one spot where a package's signature is judged (sync/package-reader.ts checkPackageSignature).
      const keys = await packageKeys(ctx.db, ctx.data, manifest);
      // Manifest, signature and hashes.bin verified now; tickets.jsonl is read page by page inside
      // the transaction, its checksum known after the last page (a mismatch rolls it all back).
      streamed = openTicketPackageStream(input.bytes, fileName, keys.verifier);
      await saveOfferedKeys(ctx.db, ctx.data, keys);
    } catch (e) {
      const refused = refusal(e);
      if (refused) return await refused;
      throw e;
    }

    lap('read');
    const tillId = `${streamed.manifest.store}-${streamed.manifest.till}`;
    const pages = workers ? workers.judge(streamed, fileName, tillId, { strict: input.lines === 'workers-only', pageLines: input.pageLines }) : herePages(streamed, fileName, tillId, input.pageLines);
    if (input.timings) input.timings.lines = pages.kind;
    lap('check');
    try {
      return await applyPackage(ctx, input, sha256, streamed.manifest, pages, lap);
    } catch (e) {
      // Checksum, line count, line cap, numbers against the manifest: known during or after the
      // last page, the transaction rolled back, the package refused.
      const refused = refusal(e);
      if (refused) return await refused;
      // Lines out of order: the transaction rolled back, judge them again in one piece.
      if (!(e instanceof LinesOutOfOrder)) throw e;
    }
    if (input.timings) input.timings.lines = 'inline';
    let whole: PackagePages;
    try {
      const opened = openTicketPackage(input.bytes, fileName, (await packageKeys(ctx.db, ctx.data, streamed.manifest)).verifier);
      whole = inlinePages(opened, fileName, tillId);
    } catch (e) {
      const refused = refusal(e);
      if (refused) return await refused;
      throw e;
    }
    lap('check');
    return await applyPackage(ctx, input, sha256, streamed.manifest, whole, lap);
  } finally {
    await workers?.close();
  }
}

/**
 * The package's row and its tickets in ONE transaction, page by page. A PackageError out of the
 * pages (numbers outside the manifest's range, found after the last line) rolls it all back and
 * is the caller's to record as a refusal.
 */
async function applyPackage(ctx: IntakeContext, input: PackageInput, sha256: string, m: PackageManifest, source: PackagePages, lap: (phase: 'apply') => void): Promise<PackageOutcome> {
  const fileName = input.fileName;
  const tillId = `${m.store}-${m.till}`;
  const journal = new EventJournal();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const inserted = await trx
      .insertInto('packages')
      .values({ sha256, file_name: fileName, channel: input.channel, till_id: tillId, kind: m.kind, status: 'accepted', reason: null, ticket_count: m.count, new_count: 0, duplicate_count: 0, conflict_count: 0, error_count: 0, flagged_count: 0, received_at: now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .returning('id')
      .executeTakeFirst();
    let packageId: number;
    if (inserted) packageId = Number(inserted.id);
    else {
      // Recorded before (refused earlier, or accepted by a concurrent channel a moment ago).
      const row = await trx.selectFrom('packages').selectAll().where('sha256', '=', sha256).executeTakeFirstOrThrow();
      if (row.status === 'accepted') return alreadyOutcome(row, fileName);
      packageId = Number(row.id);
      await trx.updateTable('packages').set({ file_name: fileName, channel: input.channel, till_id: tillId, kind: m.kind, status: 'accepted', reason: null, ticket_count: m.count, received_at: now }).where('id', '=', packageId).execute();
    }
    const applier = new TicketApplier(trx, { channel: input.channel, file: fileName, packageId, data: ctx.data, acceptedIds: false }, journal);
    // Every line error is counted and journaled (the journal sums up past its cap); the first
    // LINE_ERRORS_KEPT are told in the outcome, not a million of a hostile package.
    const lineErrors: TicketLineError[] = [];
    let lineErrorCount = 0;
    let rejected = 0;
    for await (const page of source.pages()) {
      for (const le of page.lineErrors) {
        lineErrorCount++;
        if (lineErrors.length < LINE_ERRORS_KEPT) lineErrors.push(le);
        journal.add('malformed-line', { severity: 'error', channel: input.channel, file: fileName, till: tillId, ticket: le.ticket ?? null, message: `ticket line refused, the rest of the package goes on: ${le.message}` }, (n) => `${fileName}: …and ${n} more malformed lines refused`);
      }
      rejected += page.rejected.length;
      applier.reject(page.rejected);
      applier.copies(page.copies);
      if (page.candidates.length === 0) continue;
      // As applyTickets: a package without a single candidate touches no till row.
      if (!applier.begun) await applier.begin([tillId]);
      await applier.add(page.candidates);
    }
    const result = await applier.finish();
    const counts: PackageCounts = {
      tickets: m.count,
      accepted: result.acceptedCount,
      duplicates: result.duplicates.length,
      conflicts: result.conflicts.length,
      errors: lineErrorCount + rejected,
      flagged: result.flagged.length,
    };
    await trx
      .updateTable('packages')
      .set({ new_count: counts.accepted, duplicate_count: counts.duplicates, conflict_count: counts.conflicts, error_count: counts.errors, flagged_count: counts.flagged })
      .where('id', '=', packageId)
      .execute();
    return { status: 'accepted' as const, packageId, fileName, sha256, till: tillId, kind: m.kind, counts, result, lineErrors };
  });
  lap('apply');
  if (input.timings) input.timings.judged = { ...source.judged };
  if (outcome.status === 'accepted') {
    journal.flushToDayLog(ctx.data);
    // Seed 000: every run is in the day's log, not only the problems.
    const c = outcome.counts;
    appendDayLog(ctx.data, `INFO [${input.channel} ${fileName} ${outcome.till ?? ''}] package accepted: ${c.tickets} ticket(s), ${c.accepted} new, ${c.duplicates} already known, ${c.conflicts} conflict(s), ${c.errors} refused`);
  } else if (outcome.status === 'already') {
    logAlready(ctx, input, outcome);
  }
  return outcome;
}

function logAlready(ctx: IntakeContext, input: PackageInput, outcome: PackageOutcome): PackageOutcome {
  if (outcome.status === 'already') appendDayLog(ctx.data, `INFO [${input.channel} ${input.fileName}] package already received (${outcome.channel}, ${outcome.receivedAt}): nothing to do`);
  return outcome;
}

function alreadyOutcome(row: PackageRow, fileName: string): PackageOutcome {
  return { status: 'already', packageId: Number(row.id), fileName, sha256: row.sha256, till: row.till_id, receivedAt: row.received_at, channel: row.channel, counts: countsOf(row) };
}

/** A refused package: its row and its log-book event, in their own transaction. */
async function refuse(ctx: IntakeContext, input: PackageInput, sha256: string, till: string | null, reason: string, message: string, hint?: string): Promise<PackageOutcome> {
  const status = input.refusedStatus ?? 'rejected';
  const text = `${reason}: ${message}`;
  const packageId = await ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const row = await trx
      .insertInto('packages')
      .values({ sha256, file_name: input.fileName, channel: input.channel, till_id: till, kind: null, status, reason: text, ticket_count: 0, new_count: 0, duplicate_count: 0, conflict_count: 0, error_count: 0, flagged_count: 0, received_at: now })
      // Never downgrade a package another channel got accepted in the meantime.
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ file_name: input.fileName, channel: input.channel, till_id: till, status, reason: text, received_at: now }).where('packages.status', '<>', 'accepted'))
      .returning('id')
      .executeTakeFirst();
    await logEvent(trx, ctx.data, { severity: 'error', channel: input.channel, file: input.fileName, till, message: `package refused (${reason}): ${message}${hint ? ` — ${hint}` : ''}` });
    return row ? Number(row.id) : Number((await trx.selectFrom('packages').select('id').where('sha256', '=', sha256).executeTakeFirstOrThrow()).id);
  });
  return { status: 'refused', packageId, fileName: input.fileName, sha256, till, reason, message, hint };
}
