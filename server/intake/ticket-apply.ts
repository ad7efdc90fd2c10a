/**
 * The one write path for tickets, whatever the channel (Actual Budget's loot-core style): check
 * everything that can be checked without the database first, then, in ONE transaction, drop what
 * is already known, apply the rest, and only after commit let anything outside the database
 * (day log file, callers' files and answers) learn about it.
 *
 * Uniqueness lives in the database (primary key on the ticket id, unique store+till+number):
 * `INSERT … ON CONFLICT DO NOTHING` cannot store a ticket twice whatever the timing between
 * channels; a ticket that was not inserted is then compared by hash — same hash: duplicate, a
 * no-op; other hash: a conflict recorded for review, the stored ticket never overwritten.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import type { Ticket } from '../../sync/types.ts';
import { checkIncomingTicket, type CheckedTicket, type TicketHead } from './ticket-check.ts';
import { checkLinks } from './chain-check.ts';
import { formatGap, parseGaps, updateGaps, type Gap } from './gaps.ts';
import { EventJournal } from './event-journal.ts';
import { insertTicketRows, type TicketRow } from './ticket-insert.ts';

export type Channel = 'replication' | 'lan' | 'http' | 'mail' | 'manual';

export interface IntakeResult {
  /** Stored now (including the ones flagged `error` below); empty with ApplyOptions.acceptedIds false. */
  accepted: string[];
  /** How many were stored now. */
  acceptedCount: number;
  /** Already stored with the same content: nothing done. */
  duplicates: string[];
  /** Already stored with OTHER content: recorded in ticket_conflicts, the stored one kept. */
  conflicts: string[];
  /** Not stored: malformed, wrong identity, unknown till, or altered (hash mismatch). */
  rejected: { id: string; reason: string }[];
  /** Stored with status `error` (broken hash chain): integration leaves them out. */
  flagged: { id: string; reason: string }[];
  /** Open gaps after this intake, per till touched (`S1-01` → [[from, to]…]). */
  gaps: Record<string, Gap[]>;
}

/** What the checks outside the transaction leave for it. */
export interface PreparedTickets {
  candidates: CheckedTicket[];
  /** Second copies inside the same batch. */
  batchDuplicates: string[];
  batchConflicts: CheckedTicket[];
  rejected: { id: string; reason: string }[];
}

export interface ApplyOptions {
  channel: string;
  /** Package file name, for the log book. */
  file?: string | null;
  packageId?: number | null;
  data: string;
  /**
   * false: `accepted` stays empty and only `acceptedCount` tells how many were stored (a package
   * of a million tickets: its ids are not worth 40 MB; the caller wants the count).
   */
  acceptedIds?: boolean;
}

/**
 * Pure part: shape, identity, enrolment, hash — and copies of one id inside the batch.
 * `contents` only for tickets whose canonical texts were hashed and checked a moment ago (the
 * package reader): `contents[i]` is canonicalJson(tickets[i]).
 */
export function prepareTickets(tickets: unknown[], enrolled: Set<string>, expectTill?: string, contents?: string[]): PreparedTickets {
  const byId = new Map<string, CheckedTicket>();
  const out: PreparedTickets = { candidates: [], batchDuplicates: [], batchConflicts: [], rejected: [] };
  for (let i = 0; i < tickets.length; i++) {
    const raw = tickets[i];
    const v = checkIncomingTicket(raw, expectTill, contents?.[i]);
    if (!v.ok) {
      out.rejected.push({ id: v.id, reason: v.reason });
      continue;
    }
    const t = v.checked.ticket;
    const till = `${t.store}-${t.till}`;
    if (!enrolled.has(till)) {
      out.rejected.push({ id: t.id, reason: `till ${till} is not enrolled on this server` });
      continue;
    }
    const first = byId.get(t.id);
    if (!first) {
      byId.set(t.id, v.checked);
      out.candidates.push(v.checked);
    } else if (first.ticket.hash === t.hash) out.batchDuplicates.push(t.id);
    else out.batchConflicts.push(v.checked);
  }
  return out;
}

/** Rows per multi-row INSERT: ~23 parameters a row stays under SQLite's 32,766 and PostgreSQL's 65,535. */
export const INSERT_CHUNK = 1000;

interface StoredLink {
  id: string;
  hash: string;
  prevHash: string;
}

/** Runs inside the caller's transaction; the journal is written there too, flushed to files after commit by the caller. */
export async function applyTickets(trx: Transaction<Database>, prepared: PreparedTickets, opts: ApplyOptions, journal: EventJournal): Promise<IntakeResult> {
  const tillIds = [...new Set(prepared.candidates.map((c) => tillOf(c.ticket)))].sort();
  if (tillIds.length === 0 && prepared.batchConflicts.length === 0 && prepared.rejected.length === 0 && journal.size === 0) {
    return { accepted: [], acceptedCount: 0, duplicates: [...prepared.batchDuplicates], conflicts: [], rejected: [], flagged: [], gaps: {} };
  }
  const applier = new TicketApplier(trx, opts, journal);
  await applier.begin(tillIds);
  await applier.add(prepared.candidates);
  applier.reject(prepared.rejected);
  return applier.finish(prepared);
}

/** A ticket that went to the insert: its head and, when its link is broken, why. */
interface Applied {
  ticket: TicketHead;
  reason: string | null;
}

/**
 * applyTickets in steps, for tickets that arrive page by page inside one transaction (a large
 * package whose lines are judged in worker threads while the pages before are inserted):
 * `begin` with every till concerned, `add` each page, `reject` what checks refused, `finish`.
 *
 * Pages of one till must come in ascending number order: each page's links are checked against
 * the stored tickets around it and against the last new ticket of the pages before (which, as in
 * applyTickets, takes precedence over whatever the database holds at that number), so the
 * verdicts are those of one `add` of every ticket at once. Nothing is journaled before `finish`,
 * so the log book tells the same events in the same order.
 */
export class TicketApplier {
  private now = '';
  private tillIds: string[] = [];
  private readonly tillRows = new Map<string, { id: string; last_number: number | null; gaps: string }>();
  private readonly duplicates: string[] = [];
  private readonly conflicting: CheckedTicket[] = [];
  private readonly rejected: { id: string; reason: string }[] = [];
  /**
   * Inserted, in insert order: ids (unless opts.acceptedIds is false), numbers per till (the
   * gaps), and the flagged ones whole. Not the heads: a million of them weighed ~450 MB.
   */
  private readonly applied: { ids: string[]; count: number; numbers: Map<string, number[]>; flagged: Applied[] } = { ids: [], count: 0, numbers: new Map(), flagged: [] };
  /** Not inserted although not seen stored a moment before (another writer got there first), in insert order. */
  private readonly lost: { checked: CheckedTicket; reason: string | null }[] = [];
  /** Per till, the new ticket with the highest number so far (the predecessor of the next page's first). */
  private readonly lastFresh = new Map<string, { number: number; hash: string; prevHash: string }>();

  constructor(
    private readonly trx: Transaction<Database>,
    private readonly opts: ApplyOptions,
    private readonly journal: EventJournal,
  ) {}

  /** Whether `begin` ran: a batch without any candidate touches no till (nor its last contact). */
  get begun(): boolean {
    return this.now !== '';
  }

  async begin(tillIds: string[]): Promise<void> {
    if (this.begun) throw new Error('TicketApplier.begin called twice');
    this.tillIds = [...tillIds].sort();
    this.now = nowIso();
    if (this.tillIds.length === 0) return;
    // First statement is a write: it takes SQLite's write lock (waiting on busy_timeout) and
    // PostgreSQL's row locks on these tills, so two intakes of one till never interleave.
    await this.trx.updateTable('tills').set({ last_contact_at: this.now }).where('id', 'in', this.tillIds).execute();
    for (const r of await this.trx.selectFrom('tills').select(['id', 'last_number', 'gaps']).where('id', 'in', this.tillIds).execute()) this.tillRows.set(r.id, r);
  }

  async add(candidates: CheckedTicket[]): Promise<void> {
    const byTill = new Map<string, CheckedTicket[]>();
    for (const c of candidates) {
      const key = tillOf(c.ticket);
      if (!this.tillRows.has(key) && !this.tillIds.includes(key)) throw new Error(`ticket ${c.ticket.id} of till ${key}, which this intake did not begin with`);
      const list = byTill.get(key);
      if (list) list.push(c);
      else byTill.set(key, [c]);
    }
    const toInsert: { checked: CheckedTicket; status: string; reason: string | null }[] = [];
    for (const tillId of [...byTill.keys()].sort()) {
      const list = byTill.get(tillId)!;
      const { store, till } = list[0].ticket;
      // A loop, not Math.min(...list): spreading 200,000 arguments overflows the call stack.
      let lo = Infinity;
      let hi = -Infinity;
      for (const c of list) {
        if (c.ticket.number < lo) lo = c.ticket.number;
        if (c.ticket.number > hi) hi = c.ticket.number;
      }
      const stored = new Map<number, StoredLink>();
      const rows = await this.trx
        .selectFrom('tickets')
        .select(['id', 'number', 'hash', 'prev_hash'])
        .where('store', '=', store)
        .where('till', '=', till)
        .where('number', '>=', lo - 1)
        .where('number', '<=', hi + 1)
        .execute();
      for (const r of rows) stored.set(Number(r.number), { id: r.id, hash: r.hash, prevHash: r.prev_hash });

      const fresh: CheckedTicket[] = [];
      for (const c of list) {
        const s = stored.get(c.ticket.number);
        if (!s) fresh.push(c);
        else if (s.hash === c.ticket.hash) this.duplicates.push(c.ticket.id);
        else this.conflicting.push(c);
      }
      // The last new ticket of the pages before stands where the database may now hold it (or,
      // after a lost race, another copy): one `add` of everything would have judged against it.
      const links = new Map<number, Pick<StoredLink, 'hash' | 'prevHash'>>(stored);
      const carried = this.lastFresh.get(tillId);
      if (carried) links.set(carried.number, carried);
      const broken = new Map(
        checkLinks(
          fresh.map((c) => ({ id: c.ticket.id, number: c.ticket.number, hash: c.ticket.hash, prevHash: c.ticket.prevHash })),
          links,
        ).map((b) => [b.id, b.reason]),
      );
      for (const c of fresh) {
        const reason = broken.get(c.ticket.id) ?? null;
        toInsert.push({ checked: c, status: reason ? 'error' : 'received', reason });
        const last = this.lastFresh.get(tillId);
        if (!last || c.ticket.number > last.number) this.lastFresh.set(tillId, { number: c.ticket.number, hash: c.ticket.hash, prevHash: c.ticket.prevHash });
      }
    }

    for (let i = 0; i < toInsert.length; i += INSERT_CHUNK) {
      const chunk = toInsert.slice(i, i + INSERT_CHUNK);
      const rows = chunk.map((x) => ticketValues(x.checked, x.status, x.reason, this.opts, this.now));
      const inserted = new Set(await insertTicketRows(this.trx, rows));
      // Only the head of a stored ticket is kept for the end: its text may go.
      for (const x of chunk) {
        if (inserted.has(x.checked.ticket.id)) this.stored(x.checked.ticket, x.reason);
        else this.lost.push({ checked: x.checked, reason: x.reason });
      }
    }
  }

  private stored(t: TicketHead, reason: string | null): void {
    const a = this.applied;
    a.count++;
    if (this.opts.acceptedIds !== false) a.ids.push(t.id);
    const key = tillOf(t);
    const list = a.numbers.get(key);
    if (list) list.push(t.number);
    else a.numbers.set(key, [t.number]);
    if (reason) a.flagged.push({ ticket: t, reason });
  }

  /**
   * Second copies of a number inside one package: judged at finish against the ticket stored
   * (the first copy, or an earlier one) — the same hash is a duplicate, another one a conflict
   * recorded in ticket_conflicts like a copy arriving by another channel.
   */
  copies(list: CheckedTicket[]): void {
    for (const checked of list) this.lost.push({ checked, reason: null });
  }

  reject(list: { id: string; reason: string }[]): void {
    for (const r of list) this.rejected.push(r);
  }

  /** Settles the races, journals, records conflicts and gaps. `batch`: copies of one id within the batch (prepareTickets). */
  async finish(batch: Pick<PreparedTickets, 'batchDuplicates' | 'batchConflicts'> = { batchDuplicates: [], batchConflicts: [] }): Promise<IntakeResult> {
    const { trx, opts, journal } = this;
    if (!this.now) this.now = nowIso();
    const result: IntakeResult = { accepted: this.applied.ids, acceptedCount: this.applied.count, duplicates: [...batch.batchDuplicates, ...this.duplicates], conflicts: [], rejected: [...this.rejected], flagged: [], gaps: {} };
    const base = { channel: opts.channel, file: opts.file ?? null };
    for (const r of this.rejected) {
      journal.add('rejected', { ...base, severity: 'error', ticket: r.id === '?' ? null : r.id, till: tillOfId(r.id), message: `ticket refused: ${r.reason}` }, (n) => `…and ${n} more tickets refused in this batch`);
    }
    const conflicting: CheckedTicket[] = [...batch.batchConflicts, ...this.conflicting];
    if (this.lost.length) {
      const hashes = new Map<string, string>();
      for (let i = 0; i < this.lost.length; i += INSERT_CHUNK) {
        const ids = this.lost.slice(i, i + INSERT_CHUNK).map((x) => x.checked.ticket.id);
        for (const r of await trx.selectFrom('tickets').select(['id', 'hash']).where('id', 'in', ids).execute()) hashes.set(r.id, r.hash);
      }
      for (const x of this.lost) {
        if (hashes.get(x.checked.ticket.id) === x.checked.ticket.hash) result.duplicates.push(x.checked.ticket.id);
        else conflicting.push(x.checked);
      }
    }

    for (const x of this.applied.flagged) {
      result.flagged.push({ id: x.ticket.id, reason: x.reason! });
      journal.add('chain', { ...base, severity: 'error', till: tillOf(x.ticket), ticket: x.ticket.id, message: `${x.reason}; stored with status error and left out of integration` }, (n) => `…and ${n} more tickets with a broken hash chain in this batch`);
    }

    await recordConflicts(trx, conflicting, opts, this.now, journal, result);
    await moveGaps(trx, this.tillIds, this.tillRows, this.applied.numbers, base, journal, result);
    await journal.write(trx);
    return result;
  }
}

async function recordConflicts(trx: Transaction<Database>, conflicting: CheckedTicket[], opts: ApplyOptions, now: string, journal: EventJournal, result: IntakeResult): Promise<void> {
  if (conflicting.length === 0) return;
  const storedHash = new Map<string, string>();
  for (let i = 0; i < conflicting.length; i += INSERT_CHUNK) {
    const ids = conflicting.slice(i, i + INSERT_CHUNK).map((c) => c.ticket.id);
    for (const r of await trx.selectFrom('tickets').select(['id', 'hash']).where('id', 'in', ids).execute()) storedHash.set(r.id, r.hash);
  }
  const recorded = new Set<string>();
  for (let i = 0; i < conflicting.length; i += INSERT_CHUNK) {
    const rows = conflicting.slice(i, i + INSERT_CHUNK).map((c) => ({ ticket_id: c.ticket.id, hash: c.ticket.hash, content: c.content, channel: opts.channel, package_id: opts.packageId ?? null, received_at: now, resolved: 0 }));
    const back = await trx.insertInto('ticket_conflicts').values(rows).onConflict((oc) => oc.columns(['ticket_id', 'hash']).doNothing()).returning(['ticket_id', 'hash']).execute();
    for (const r of back) recorded.add(`${r.ticket_id}:${r.hash}`);
  }
  for (const c of conflicting) {
    result.conflicts.push(c.ticket.id);
    // The same other copy arriving again (another channel, a retry) is already up for review.
    if (!recorded.has(`${c.ticket.id}:${c.ticket.hash}`)) continue;
    const was = storedHash.get(c.ticket.id);
    journal.add(
      'conflict',
      {
        channel: opts.channel,
        file: opts.file ?? null,
        severity: 'warning',
        till: tillOf(c.ticket),
        ticket: c.ticket.id,
        message: `ticket ${c.ticket.id} received again with different content (hash ${c.ticket.hash.slice(0, 12)}…${was ? `, stored ${was.slice(0, 12)}…` : ''}): the stored ticket is kept, the other copy is recorded in ticket_conflicts for review`,
      },
      (n) => `…and ${n} more ticket conflicts in this batch (see ticket_conflicts)`,
    );
  }
}

async function moveGaps(
  trx: Transaction<Database>,
  tillIds: string[],
  tillRows: Map<string, { id: string; last_number: number | null; gaps: string }>,
  storedNumbers: Map<string, number[]>,
  base: { channel: string; file: string | null },
  journal: EventJournal,
  result: IntakeResult,
): Promise<void> {
  for (const tillId of tillIds) {
    const row = tillRows.get(tillId);
    const numbers = storedNumbers.get(tillId) ?? [];
    const state = { lastNumber: row?.last_number == null ? null : Number(row.last_number), gaps: parseGaps(row?.gaps) };
    const u = updateGaps(state, numbers);
    result.gaps[tillId] = u.gaps;
    if (numbers.length === 0) continue;
    await trx.updateTable('tills').set({ last_number: u.lastNumber, gaps: JSON.stringify(u.gaps) }).where('id', '=', tillId).execute();
    for (const g of u.opened) {
      journal.add('gap', { ...base, severity: 'warning', till: tillId, message: `till ${tillId}: tickets ${formatGap(g)} missing (gap in the numbering, reported until they arrive)` });
    }
    for (const g of u.filled) journal.add('gap', { ...base, severity: 'info', till: tillId, message: `till ${tillId}: gap ${formatGap(g)} filled` });
    for (const g of u.narrowed) {
      const left = u.gaps.filter((h) => h[0] >= g[0] && h[1] <= g[1]).map(formatGap).join(', ');
      journal.add('gap', { ...base, severity: 'warning', till: tillId, message: `till ${tillId}: gap ${formatGap(g)} partly filled, still missing ${left}` });
    }
  }
}

/** The row in TICKET_COLUMNS order (ticket-insert.ts). */
function ticketValues(c: CheckedTicket, status: string, reason: string | null, opts: ApplyOptions, now: string): TicketRow {
  const t = c.ticket;
  // prettier-ignore
  return [t.id, t.store, t.till, t.number, t.day, t.soldAt, t.customer, t.totals.inclVat, t.totals.due, t.hash, t.prevHash, t.degraded ? 1 : 0, c.content, opts.channel, opts.packageId ?? null, now, status, reason, null, null, null, now];
}

function tillOf(t: Pick<Ticket, 'store' | 'till'>): string {
  return `${t.store}-${t.till}`;
}

/** `S1-01-00000042` → `S1-01` (null when the id does not look like a ticket id). */
function tillOfId(id: string): string | null {
  const m = /^(.+)-(\d+)$/.exec(id);
  if (!m) return null;
  const n = m[1].lastIndexOf('-');
  return n > 0 ? m[1] : null;
}

