/**
 * What a till does, over an open TillStore: sell, report, close, extract, send. The CLI (when it
 * owns the store) and the local HTTP API of `till start` both call these, so a sale is the same
 * sale whichever way it came in.
 */
import { relativePath } from '../sync/config-file.ts';
import { resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { D } from '../sync/money.ts';
// The package writer (adm-zip) and the transports load when a command extracts or sends: a status
// or a sale must not pay for them (docs/start-up.md).
import type { SendResult } from '../sync/transports/transport-for.ts';
import type { Closure, PackageKind, Ticket } from '../sync/types.ts';
import { buildClosure, closurePeriod } from './closure.ts';
import { TillJournal } from './till-journal.ts';
import { localDay } from './sale.ts';
import { logTillEvent } from './day-log.ts';
import { loadOrCreateTillSigningKey, readKeyChanges } from './till-signing-key.ts';
import type { HealthMonitor } from './health.ts';
import { ownPackageFile } from './own-package.ts';
import { buildTicket, type SaleCatalog } from './sale.ts';
import { composeStatus, type StatusFacts, type TillStatus } from './till-status.ts';
import { packageRecordFits, type FlaggedTicket, type TillIdentity, type TillStore } from './store/till-store.ts';

export type { TillStatus } from './till-status.ts';

export interface ExtractResult {
  kind: PackageKind;
  count: number;
  /** null when there was nothing to extract. */
  file: { path: string; fileName: string; bytes: number } | null;
  /** Same as file.path / file.fileName, for scripts that read the top level. */
  path: string | null;
  fileName: string | null;
  firstNumber: number | null;
  lastNumber: number | null;
  message: string;
}

export interface SendOptions {
  lan?: string;
  mail?: string[];
  smtp?: string;
  from?: string;
}

/** Serialises work that must not interleave (numbering, packaging). */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class TillService {
  private readonly sales = new Queue();
  private readonly packaging = new Queue();
  /** Filled by `till start` with the replication's state, for status. */
  replicationStatus: (() => unknown) | null = null;
  /** The technical-event journal (JET) of this till. */
  readonly journal: TillJournal;
  /** soldAt of the last ticket, for the clock-jump check (loaded at the first sale). */
  private lastSoldAt: string | null | undefined;

  constructor(readonly store: TillStore, readonly dataDir: string, readonly health: HealthMonitor) {
    this.journal = new TillJournal(store, dataDir);
  }

  get identity(): TillIdentity {
    const id = this.store.identity;
    if (!id) throw new TillsyncError('not-initialised', `no till is initialised in ${resolve(this.dataDir)}`, { hint: 'run tillsync till init --data DIR --store S1 --till 01 first' });
    return id;
  }

  /** Catalog for one sale: in-memory lookups, with articles fetched first when not all loaded. */
  private async catalogFor(input: unknown): Promise<SaleCatalog> {
    const base = this.store.base;
    if (!base.complete && input && typeof input === 'object' && Array.isArray((input as any).lines)) {
      for (const l of (input as any).lines) if (l && typeof l.article === 'string') await base.findArticle(l.article.trim());
    }
    return {
      article: (ref) => base.article(ref),
      customer: (code) => base.customers.get(code),
      counterCustomer: () => base.counterCustomer(),
      vatRate: (code) => base.vatRates.get(code),
      paymentMode: (code) => base.paymentModes.get(code),
    };
  }

  /** Runs work no sale may interleave with (applying base data): sales wait for it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.sales.run(fn);
  }

  /** Sells one ticket; resolves once the ticket is durably stored. */
  sell(input: unknown): Promise<FlaggedTicket> {
    const id = this.identity;
    return this.sales.run(async () => {
      const catalog = await this.catalogFor(input);
      const degraded = await this.health.isDegraded();
      const last = this.store.last;
      let ticket: Ticket;
      try {
        ticket = buildTicket(input, catalog, { store: id.store, till: id.till, lastNumber: last.number, lastHash: last.hash, rounding: id.rounding }, { now: new Date(), degraded });
      } catch (e) {
        logTillEvent(this.dataDir, 'warning', `sale refused: ${(e as Error).message}`);
        throw e;
      }
      if (await this.training()) {
        const { storeTrainingTicket } = await import('./training.ts');
        return storeTrainingTicket(this, ticket);
      }
      try {
        await this.store.appendTicket(ticket);
      } catch (e) {
        // Whether or not the write reached the disk, the next number comes from what is stored.
        await this.store.reloadLast().catch(() => undefined);
        logTillEvent(this.dataDir, 'error', `ticket ${ticket.id} could not be stored: ${(e as Error).message}`);
        throw new TillsyncError('store-write-failed', `cannot store ticket ${ticket.id}: ${(e as Error).message}`, { hint: `check free space and permissions of ${resolve(this.dataDir)}, then sell again`, status: 507, ref: { ticket: ticket.id }, cause: e });
      }
      await this.journalSale(ticket, catalog);
      return { ...ticket, packagedIn: null, acknowledgedAt: null, documentNumber: null };
    });
  }

  /** Whether the till sells in training mode (tickets in their own series, never in the books). */
  async training(): Promise<boolean> {
    return Boolean((await this.store.getMeta('training'))?.on);
  }

  /** The journal lines a sale calls for: prices changed by hand, and a clock gone back. */
  private async journalSale(ticket: Ticket, catalog: SaleCatalog): Promise<void> {
    for (const l of ticket.lines) {
      const price = catalog.article(l.article)?.price;
      if (price === undefined || price === l.unitPrice) continue;
      const lower = new D(l.unitPrice).lt(price);
      void this.journal.record(lower ? 'discount' : 'price-override', { ticket: ticket.id, article: l.article, from: price, to: l.unitPrice, cashier: ticket.cashier ?? null });
    }
    if (this.lastSoldAt === undefined) this.lastSoldAt = ticket.number > 1 ? ((await this.store.ticket(ticket.number - 1))?.soldAt ?? null) : null;
    if (this.lastSoldAt && Date.parse(ticket.soldAt) < Date.parse(this.lastSoldAt) - 60_000) {
      void this.journal.record('clock-jump', { from: this.lastSoldAt, to: ticket.soldAt, direction: 'back', ticket: ticket.id });
    }
    this.lastSoldAt = ticket.soldAt;
  }

  async status(): Promise<TillStatus> {
    return composeStatus(await this.statusFacts(), {
      dataDir: this.dataDir,
      health: this.health,
      articles: this.store.base.complete ? this.store.base.articlesByCode.size : null,
      replication: this.replicationStatus?.(),
    });
  }

  /** What status reports from the store alone (also kept as the status snapshot: client/store/status-snapshot.ts). */
  async statusFacts(): Promise<StatusFacts> {
    const id = this.identity;
    const ledger = await this.store.ledger();
    const c = this.store.lastClosure;
    const lastOf = (list: Closure[]) => (list.length ? { id: list[list.length - 1].id, period: closurePeriod(list[list.length - 1]) } : null);
    const pending = await this.store.getMeta('pending-closure');
    return {
      identity: { store: id.store, till: id.till, serverUrl: id.serverUrl, serverFingerprint: id.serverFingerprint ?? null, insecureHttp: id.insecureHttp ?? false },
      lastNumber: this.store.last.number,
      lastHash: this.store.last.hash,
      counts: ledger.counts(),
      lastServerContact: this.store.lastServerContact,
      lastClosure: c ? { id: c.id, seq: c.seq, closedAt: c.closedAt, day: c.day, ticketCount: c.ticketCount, firstNumber: c.firstNumber, lastNumber: c.lastNumber, total: c.total, grandTotal: c.grandTotal } : null,
      openTickets: this.store.last.number - this.store.closedThrough,
      fiscal: {
        lastMonth: lastOf(await this.store.closures('month')),
        lastYear: lastOf(await this.store.closures('year')),
        journalEvents: this.store.lastEvent?.seq ?? 0,
        training: await this.training(),
        pendingClosure: pending ? `${pending.kind} ${pending.period ?? ''}`.trim() : null,
      },
      customers: this.store.base.customers.size,
    };
  }

  /** Z report of everything sold since the previous closure. */
  close(): Promise<Closure> {
    const id = this.identity;
    return this.sales.run(async () => {
      const prev = this.store.lastClosure;
      const from = this.store.closedThrough + 1;
      const tickets = await this.store.ticketsFrom(from);
      const now = new Date();
      if (!tickets.length && prev && closurePeriod(prev) === localDay(now)) {
        throw new TillsyncError('already-closed', `day ${localDay(now)} is already closed by ${prev.id} and nothing was sold since`, { hint: 'a day is closed once; the next Z closes the next day', status: 409 });
      }
      const closure = buildClosure(tickets, prev, id, now, id.rounding.decimals, { key: this.journal.key, lastTicketHash: this.store.last.hash });
      await this.store.appendClosure(closure);
      await this.journal.record('closure', { id: closure.id, kind: 'day', period: closure.period, tickets: closure.ticketCount, total: closure.total, grandTotal: closure.grandTotal });
      logTillEvent(this.dataDir, 'info', `closure ${closure.id}: ${closure.ticketCount} tickets, total ${closure.total}, grand total ${closure.grandTotal}`);
      return closure;
    });
  }

  /**
   * Writes the TicDeg / TicDep package and only then records the tickets as packaged: a failed
   * write (disk full…) leaves them unmarked, a crash in between only means they are packaged again.
   */
  extract(opts: { kind: PackageKind; includeSent?: boolean; out: string; onProgress?: (done: number, total: number) => void }): Promise<ExtractResult> {
    const id = this.identity;
    if (opts.kind !== 'degraded' && opts.kind !== 'untransferred') {
      throw new TillsyncError('usage', `--kind must be degraded or untransferred, not "${opts.kind}"`, { hint: 'degraded: tickets sold while the server was away; untransferred: every ticket the server has not acknowledged' });
    }
    return this.packaging.run(async () => {
      const ledger = await this.store.ledger();
      const numbers = ledger.selectForExtract(opts.kind, Boolean(opts.includeSent));
      const what = opts.kind === 'degraded' ? 'degraded tickets' : 'untransferred tickets';
      if (!numbers.length) {
        return { kind: opts.kind, count: 0, file: null, path: null, fileName: null, firstNumber: null, lastNumber: null, message: `nothing to extract: no ${what} ${opts.includeSent ? 'left unacknowledged' : 'waiting (already packaged ones need --include-sent)'}` };
      }
      if (!packageRecordFits(numbers)) {
        throw new TillsyncError('too-scattered', `the ${numbers.length} ${what} are too scattered between acknowledged ones to record as one package`, { hint: 'extract --kind degraded first, or wait for the server to acknowledge more tickets' });
      }
      const created = new Date();
      const signer = { key: loadOrCreateTillSigningKey(this.dataDir), authSecret: id.secret, keyChanges: readKeyChanges(this.dataDir) };
      // Streamed page by page from the store into the package: memory stays at one page of tickets.
      const sorted = [...numbers].sort((a, b) => a - b);
      const { streamTicketPackage } = await import('../sync/package-stream-writer.ts');
      const written = await streamTicketPackage(resolve(opts.out), { store: id.store, till: id.till, kind: opts.kind, pages: this.store.ticketPages(sorted), count: sorted.length, signer, created, onProgress: opts.onProgress ? (done) => opts.onProgress!(done, sorted.length) : undefined });
      const tickets = { length: written.manifest.count };
      await this.store.recordPackage({ fileName: written.fileName, kind: opts.kind, createdAt: created.toISOString(), count: tickets.length, path: relativePath(this.dataDir, written.path) }, numbers);
      await this.journal.record('export', { file: written.fileName, kind: opts.kind, count: tickets.length, first: numbers[0], last: numbers[numbers.length - 1] });
      const first = numbers[0];
      const last = numbers[numbers.length - 1];
      logTillEvent(this.dataDir, 'info', `extracted ${tickets.length} ${what} (${first}–${last}) to ${written.path}`);
      return { kind: opts.kind, count: tickets.length, file: { path: written.path, fileName: written.fileName, bytes: written.bytes }, path: written.path, fileName: written.fileName, firstNumber: first, lastNumber: last, message: `${tickets.length} ${what} (${first}–${last}) written to ${written.path}` };
    });
  }

  async send(file: string, opts: SendOptions): Promise<SendResult & { file: string }> {
    const id = this.identity;
    // Only this till's own packages leave it, whoever asks (no /etc/passwd, no symlink out).
    let path: string;
    try {
      path = ownPackageFile(this.dataDir, file, (await this.store.packages()).map((p) => p.path));
    } catch (e) {
      logTillEvent(this.dataDir, 'warning', (e as Error).message);
      throw e;
    }
    const { transportFor } = await import('../sync/transports/transport-for.ts');
    const transport = transportFor({ lan: opts.lan, mail: opts.mail, smtp: opts.smtp, from: opts.from, tillId: `${id.store}-${id.till}`, secret: id.secret, fingerprint: id.serverFingerprint });
    try {
      const res = await transport.send(path);
      logTillEvent(this.dataDir, 'info', `sent ${path} by ${res.channel} to ${res.target}`);
      return { ...res, file: path };
    } catch (e) {
      logTillEvent(this.dataDir, 'error', `sending ${path} failed: ${(e as Error).message}`);
      await this.journal.record('error', { action: 'send', file: path, message: (e as Error).message });
      throw e;
    }
  }

  async tickets(limit = 50): Promise<FlaggedTicket[]> {
    return this.store.withFlags(await this.store.recentTickets(Math.max(1, Math.min(limit, 1000))));
  }

  searchArticles(q: string, limit?: number) {
    return this.store.base.searchArticles(q, limit);
  }

  searchCustomers(q: string, limit?: number) {
    return this.store.base.searchCustomers(q, limit);
  }
}
