/**
 * The till's durable state behind one object: identity, tickets, closures, acknowledgements,
 * package records and base data, over the RxDB database of open-store.ts. Every write that
 * changes what a status or an extraction reports goes through here, so the in-memory ledger and
 * base index stay exact. Only one process opens a store (see client/lock.ts).
 */
import type { Subscription } from 'rxjs';
import { GENESIS_HASH, ticketId } from '../../sync/ticket-chain.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { TicketRounding } from '../../sync/ticket-math.ts';
import type { JetEvent } from '../../sync/jet.ts';
import type { BaseData, Closure, ClosureKind, PackageKind, Ticket } from '../../sync/types.ts';
import { decodeRanges, encodeRanges, splitRanges } from '../number-ranges.ts';
import { BaseIndex, baseDocsOf } from './base-index.ts';
import { bulkUpsertChunked, lastDoc, lastDocs, openTillDatabase, plain, scanDocs, type StoreLocation, type TillDatabase } from './open-store.ts';
import type { AckDoc, BaseDoc, MetaDoc } from './schemas.ts';
import { TicketLedger, type TicketFlags } from './ticket-ledger.ts';
import { takeStatusSnapshot } from './status-snapshot.ts';

export interface TillIdentity {
  store: string;
  till: string;
  /**
   * The till's AUTH secret, given by the server at enrolment: signs HTTP requests (never sent).
   * Packages and tickets are signed with the till's own key (client/till-signing-key.ts).
   */
  secret: string;
  serverUrl: string | null;
  /** SHA-256 fingerprint of the server's TLS certificate, pinned (https). */
  serverFingerprint?: string | null;
  /** Plain http:// to a non-loopback server, explicitly allowed at init (flagged in status and log). */
  insecureHttp?: boolean;
  createdAt: string;
  rounding: TicketRounding;
}

export interface PackageRecord {
  fileName: string;
  kind: PackageKind;
  createdAt: string;
  count: number;
  /** Relative to the till's data folder when written inside it (relocatable folders), else absolute. */
  path: string;
}

export type FlaggedTicket = Ticket & Pick<TicketFlags, 'packagedIn' | 'acknowledgedAt' | 'documentNumber'>;

/** Longest range text per package record: Deno KV values are capped at 64 KiB. */
const RANGE_CHARS = 30_000;
/** Deno KV refuses one commit over ~800 KB (AtomicWriteTooLarge): at most 20 parts of 30 KB. */
const MAX_RECORD_PARTS = 20;

/** The record parts naming these ticket numbers (one per RANGE_CHARS of range text). */
export function packageRecordParts(numbers: number[]): string[] {
  return splitRanges(encodeRanges(numbers), RANGE_CHARS);
}

/** Whether one atomic package record can name these tickets (checked before a package is written). */
export function packageRecordFits(numbers: number[]): boolean {
  return packageRecordParts(numbers).length <= MAX_RECORD_PARTS;
}

export class TillStore {
  readonly base: BaseIndex;
  identity: TillIdentity | null = null;
  last: { number: number; hash: string } = { number: 0, hash: GENESIS_HASH };
  /** Last day closure (Z). */
  lastClosure: Closure | null = null;
  /** Last event of the technical-event journal. */
  lastEvent: JetEvent | null = null;
  /** Highest ticket number covered by a closure (a closure with no tickets covers none). */
  closedThrough = 0;
  lastServerContact: string | null = null;
  private ledgerState: TicketLedger | null = null;
  private ledgerLoading: Promise<TicketLedger> | null = null;
  private readonly subs: Subscription[] = [];
  private contactWrittenAt = 0;

  private constructor(readonly db: TillDatabase, readonly location: StoreLocation) {
    this.base = new BaseIndex(db.base);
  }

  /**
   * `articles: 'all'` loads every article into memory (till start, benchmark); 'lazy' for one-shot commands.
   * `writeBatch`: documents per store commit (open-store.ts), larger only for a bulk load of tickets.
   */
  static async open(where: StoreLocation, opts: { articles: 'all' | 'lazy'; writeBatch?: number } = { articles: 'lazy' }): Promise<TillStore> {
    // Opening writes to the store: the status snapshot goes first (client/store/status-snapshot.ts).
    const snapshot = 'dir' in where ? takeStatusSnapshot(where.dir) : null;
    const db = await openTillDatabase(where, { writeBatch: opts.writeBatch });
    const s = new TillStore(db, where);
    try {
      await s.loadState(opts.articles === 'all');
      // A contact a status answered from the snapshot saw, later than the store's own record.
      const seen = snapshot?.lastServerContact;
      if (seen && (!s.lastServerContact || seen > s.lastServerContact)) await s.noteServerContact(new Date(seen));
    } catch (e) {
      await db.close();
      throw e;
    }
    return s;
  }

  private async loadState(allArticles: boolean): Promise<void> {
    const identity = await this.db.meta.findOne('identity').exec();
    this.identity = identity ? (identity.toJSON(true).value as unknown as TillIdentity) : null;
    const contact = await this.db.meta.findOne('contact').exec();
    this.lastServerContact = (contact?.toJSON(true).value.lastServerContact as string | undefined) ?? null;
    await this.reloadLast();
    const closures = await this.closures('day');
    this.lastClosure = closures.length ? closures[closures.length - 1] : null;
    this.closedThrough = Math.max(0, ...closures.map((c) => c.lastNumber ?? 0));
    this.lastEvent = await lastDoc<JetEvent>(this.db.journal);
    await this.base.load({ articles: allArticles });
    // Replication and base files write to these collections; keep the memory views in step.
    this.subs.push(
      this.db.base.$.subscribe((ev) => {
        const doc = plain<BaseDoc>(ev.documentData);
        if (ev.operation === 'DELETE' || (ev.documentData as any)._deleted) this.base.remove(doc);
        else this.base.put(doc);
      }),
      this.db.acks.$.subscribe((ev) => {
        if (ev.operation !== 'DELETE') this.ledgerState?.addAck(plain<AckDoc>(ev.documentData));
      }),
    );
  }

  /** Last number and hash, from the tickets themselves (never from a counter that could drift). */
  async reloadLast(): Promise<void> {
    // Ids sort like numbers (zero-padded) and a till's store holds its own tickets only.
    const lastTicket = await lastDoc<Ticket>(this.db.tickets);
    this.last = lastTicket ? { number: lastTicket.number, hash: lastTicket.hash } : { number: 0, hash: GENESIS_HASH };
    if (lastTicket) this.ledgerState?.addTicket({ number: lastTicket.number, degraded: lastTicket.degraded });
  }

  requireIdentity(): TillIdentity {
    if (!this.identity) throw new Error('this till is not initialised');
    return this.identity;
  }

  async setIdentity(identity: TillIdentity): Promise<void> {
    await this.db.meta.upsert({ id: 'identity', kind: 'identity', value: { ...identity } as unknown as Record<string, unknown> });
    this.identity = identity;
  }

  /** Records a successful contact with the server; written at most every 30 s (memory is exact). */
  async noteServerContact(at = new Date()): Promise<void> {
    this.lastServerContact = at.toISOString();
    if (Date.now() - this.contactWrittenAt < 30_000) return;
    this.contactWrittenAt = Date.now();
    await this.db.meta.upsert({ id: 'contact', kind: 'contact', value: { lastServerContact: this.lastServerContact } });
  }

  /** Stores a sold ticket: one atomic, durable commit; resolves only once it is on disk. */
  async appendTicket(t: Ticket): Promise<void> {
    if (t.number !== this.last.number + 1) throw new Error(`ticket ${t.id} is not the next number (last is ${this.last.number})`);
    await this.db.tickets.insert(t);
    this.last = { number: t.number, hash: t.hash };
    this.ledgerState?.addTicket(t);
  }

  private idPrefix(): string {
    const id = this.requireIdentity();
    return `${id.store}-${id.till}-`;
  }

  /** Whether the per-ticket ledger is in memory (a status snapshot is then cheap to write). */
  get ledgerLoaded(): boolean {
    return this.ledgerState !== null;
  }

  /** Builds the per-ticket ledger on first use (one pass over tickets, acks and package records). */
  async ledger(): Promise<TicketLedger> {
    if (this.ledgerState) return this.ledgerState;
    if (!this.ledgerLoading) {
      this.ledgerLoading = (async () => {
        const l = new TicketLedger(this.idPrefix());
        await scanDocs<Ticket>(this.db.tickets, {}, (t) => l.addTicket(t));
        if (l.lastNumber < this.last.number) l.lastNumber = this.last.number;
        await scanDocs<AckDoc>(this.db.acks, {}, (a) => l.addAck(a));
        await scanDocs<MetaDoc>(this.db.meta, { from: 'package:', to: 'package:\uffff' }, (m) => l.addPackage(String(m.value.fileName), decodeRanges(String(m.value.numbers))));
        this.ledgerState = l;
        return l;
      })();
    }
    return this.ledgerLoading;
  }

  async withFlags(tickets: Ticket[]): Promise<FlaggedTicket[]> {
    const l = await this.ledger();
    return tickets.map((t) => {
      const f = l.flags(t.number);
      return { ...t, packagedIn: f.packagedIn, acknowledgedAt: f.acknowledgedAt, documentNumber: f.documentNumber };
    });
  }

  /** Tickets with these numbers, in number order (ids sort like numbers: they are zero-padded). */
  async ticketsByNumbers(numbers: number[]): Promise<Ticket[]> {
    if (!numbers.length) return [];
    const id = this.requireIdentity();
    const wanted = new Set(numbers);
    const sorted = [...wanted].sort((a, b) => a - b);
    const out: Ticket[] = [];
    await scanDocs<Ticket>(this.db.tickets, { from: ticketId(id.store, id.till, sorted[0]), to: ticketId(id.store, id.till, sorted[sorted.length - 1]) }, (t) => {
      if (wanted.has(t.number)) out.push(t);
    });
    return out;
  }

  /**
   * ticketsByNumbers page by page (`numbers` ascending): one page of tickets in memory at a time,
   * so that extracting a week's backlog of a busy till does not hold the whole backlog.
   */
  async *ticketPages(numbers: number[], pageSize = 2000): AsyncGenerator<Ticket[]> {
    const id = this.requireIdentity();
    for (let i = 0; i < numbers.length; i += pageSize) {
      const slice = numbers.slice(i, i + pageSize);
      const wanted = new Set(slice);
      const page: Ticket[] = [];
      await scanDocs<Ticket>(this.db.tickets, { from: ticketId(id.store, id.till, slice[0]), to: ticketId(id.store, id.till, slice[slice.length - 1]) }, (t) => {
        if (wanted.has(t.number)) page.push(t);
      });
      if (page.length !== slice.length) throw new TillsyncError('store-inconsistent', `the store holds ${page.length} of the ${slice.length} tickets ${slice[0]}–${slice[slice.length - 1]} to extract`, { hint: 'run tillsync till status and report it' });
      page.sort((a, b) => a.number - b.number);
      yield page;
    }
  }

  /** Tickets numbered `first` to `last`, in number order: one page of a catch-up (client/ticket-push.ts). */
  async ticketsBetween(first: number, last: number): Promise<Ticket[]> {
    if (first > last) return [];
    const id = this.requireIdentity();
    return scanDocs<Ticket>(this.db.tickets, { from: ticketId(id.store, id.till, Math.max(1, first)), to: ticketId(id.store, id.till, last) });
  }

  /** Tickets numbered from `first` to the last one. */
  async ticketsFrom(first: number): Promise<Ticket[]> {
    if (first > this.last.number) return [];
    const id = this.requireIdentity();
    return scanDocs<Ticket>(this.db.tickets, { from: ticketId(id.store, id.till, Math.max(1, first)), to: ticketId(id.store, id.till, this.last.number) });
  }

  async recentTickets(limit: number): Promise<Ticket[]> {
    return lastDocs<Ticket>(this.db.tickets, limit);
  }

  async ticket(number: number): Promise<Ticket | null> {
    const id = this.requireIdentity();
    const d = await this.db.tickets.findOne(ticketId(id.store, id.till, number)).exec();
    return d ? plain<Ticket>(d.toJSON(true)) : null;
  }

  async appendClosure(c: Closure): Promise<void> {
    await this.db.closures.insert(c);
    if ((c.kind ?? 'day') !== 'day') return;
    this.lastClosure = c;
    if (c.lastNumber !== null && c.lastNumber > this.closedThrough) this.closedThrough = c.lastNumber;
  }

  /** Closures of one kind in seq order (all kinds, day first, when none is given). */
  async closures(kind?: ClosureKind): Promise<Closure[]> {
    const order: Record<ClosureKind, number> = { day: 0, month: 1, year: 2 };
    const all = await scanDocs<Closure>(this.db.closures);
    return all.filter((c) => !kind || (c.kind ?? 'day') === kind).sort((a, b) => order[a.kind ?? 'day'] - order[b.kind ?? 'day'] || a.seq - b.seq);
  }

  /** Appends one journal event (ids sort like seqs: zero-padded), durable once resolved. */
  async appendEvent(e: JetEvent): Promise<void> {
    if (e.seq !== (this.lastEvent?.seq ?? 0) + 1) throw new Error(`journal event ${e.id} is not the next one (last is ${this.lastEvent?.seq ?? 0})`);
    await this.db.journal.insert(e);
    this.lastEvent = e;
  }

  async journal(): Promise<JetEvent[]> {
    return scanDocs<JetEvent>(this.db.journal);
  }

  async getMeta(id: string): Promise<Record<string, unknown> | null> {
    const d = await this.db.meta.findOne(id).exec();
    return d ? (d.toJSON(true).value as Record<string, unknown>) : null;
  }

  async setMeta(id: string, kind: MetaDoc['kind'], value: Record<string, unknown>): Promise<void> {
    await this.db.meta.upsert({ id, kind, value });
  }

  async deleteMeta(id: string): Promise<void> {
    const d = await this.db.meta.findOne(id).exec();
    if (d) await d.remove();
  }

  async metaRange(prefix: string): Promise<MetaDoc[]> {
    return scanDocs<MetaDoc>(this.db.meta, { from: prefix, to: `${prefix}\uffff` });
  }

  /**
   * Records that a package file holds these tickets. All parts go in one bulk write of at most
   * MAX_RECORD_PARTS documents, which the denokv storage commits atomically: a crash leaves the tickets
   * either all marked or all unmarked (then the next extraction simply packages them again).
   */
  async recordPackage(rec: PackageRecord, numbers: number[]): Promise<void> {
    const pieces = packageRecordParts(numbers);
    if (pieces.length > MAX_RECORD_PARTS) throw new Error(`package ${rec.fileName}: ticket numbers too scattered to record in one commit (${pieces.length} parts)`);
    const docs: MetaDoc[] = pieces.map((numbersText, part) => ({ id: `package:${rec.fileName}#${part}`, kind: 'package', value: { ...rec, part, parts: pieces.length, numbers: numbersText } }));
    const res = await this.db.meta.bulkUpsert(docs);
    if (res.error.length) throw new Error(`recording package ${rec.fileName} failed`);
    (await this.ledger()).addPackage(rec.fileName, numbers);
  }

  async packages(): Promise<(PackageRecord & { numbers: string })[]> {
    const docs = await scanDocs<MetaDoc>(this.db.meta, { from: 'package:', to: 'package:\uffff' });
    const byFile = new Map<string, PackageRecord & { numbers: string }>();
    for (const d of docs) {
      const v = d.value as any;
      const cur = byFile.get(v.fileName);
      if (cur) cur.numbers = `${cur.numbers},${v.numbers}`;
      else byFile.set(v.fileName, { fileName: v.fileName, kind: v.kind, createdAt: v.createdAt, count: v.count, path: v.path, numbers: v.numbers });
    }
    return [...byFile.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Upserts base data (init, base files); the base index follows through the change stream. */
  async applyBase(base: Partial<BaseData>, opts: { at?: string; onProgress?: (n: number) => void } = {}): Promise<number> {
    const docs = baseDocsOf(base, opts.at ?? new Date().toISOString());
    await bulkUpsertChunked(this.db.base, docs, opts.onProgress);
    for (const d of docs) this.base.put(d);
    return docs.length;
  }

  /** Acknowledgements written directly (replication writes to the same collection). */
  async recordAcks(acks: AckDoc[]): Promise<void> {
    await bulkUpsertChunked(this.db.acks, acks);
    const l = await this.ledger();
    for (const a of acks) l.addAck(a);
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.db.close();
  }
}
