/**
 * The tickets' push to the server, page by page from a checkpoint kept in the till store.
 *
 * RxDB's push replication held every ticket sold while the server was away in its task queue
 * (the change stream's documents), then sent them all at once: a week's outage of a busy till
 * was the whole backlog in memory and thousands of requests in flight when the network came
 * back. Here one page of tickets (by number, from the store) is in memory and one request in
 * flight, whatever the backlog; a sale only wakes the loop.
 *
 * The checkpoint is the highest number the server has answered for (accepted, already known,
 * conflict or refused: each answer is final), saved after each answer. A crash between the
 * answer and the save sends that page again: the server's intake takes a ticket once, and answers
 * "already known" for the copy (sync/crash-points.ts `replication:after-page`).
 */
import { crashPoint } from '../sync/crash-points.ts';
import type { Ticket } from '../sync/types.ts';
import type { TillStore } from './store/till-store.ts';

/** Meta document holding the checkpoint: `{ number }`, the last ticket number the server answered for. */
export const PUSH_CHECKPOINT = 'push:tickets';

/** Tickets per request: a catch-up of 200,000 tickets is 200 requests of ~1.5 MB (the server takes 20 MB). */
export const PUSH_PAGE = 1000;

export interface TicketPushOptions {
  store: TillStore;
  /** Sends one page; throws when the server did not answer (the page is sent again after `retryDelay`). */
  send: (tickets: Ticket[]) => Promise<void>;
  /** How long to wait before the next try after a failure (the caller's backoff). */
  retryDelay: () => number;
  pageSize?: number;
}

export class TicketPusher {
  private checkpoint: number | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** The server was seen again (serverBack): cuts even a backoff short, once. */
  private serverSeen = false;
  private retrying = false;
  private idleWaiters: (() => void)[] = [];
  private running: Promise<void> | null = null;
  /** Settles when the request in flight (if any) would be sent; what stop() need not wait past. */
  private inFlight: Promise<void> | null = null;
  private readonly pageSize: number;

  constructor(private readonly opts: TicketPushOptions) {
    this.pageSize = opts.pageSize ?? PUSH_PAGE;
  }

  /** `onError`: a store read or write failed (the loop waits `retryDelay` and goes on). */
  start(onError: (e: unknown) => void = () => {}): void {
    this.running ??= this.loop(onError);
  }

  /** A sale was made (or the server may be back): look again now. */
  wake(): void {
    this.woken = true;
    // After a failure, the backoff holds: a sale does not hammer a server that is away.
    if (!this.retrying) this.wakeUp?.();
  }

  /**
   * The server answers again (the till's health probe or another channel reached it): push now,
   * without waiting out the backoff — a cashier expects the tickets to flow as soon as the
   * network is back. Only this cuts a backoff short; a sale's wake() does not.
   */
  serverBack(): void {
    this.serverSeen = true;
    this.woken = true;
    this.wakeUp?.();
  }

  /** Resolves once every ticket sold so far has had the server's answer. */
  awaitInSync(): Promise<void> {
    if (this.inSync()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops after the store write under way; a request in flight is not waited for (its answer is dropped, the page goes again next time). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await Promise.race([this.running, this.inFlight ?? this.running]);
  }

  private inSync(): boolean {
    return this.checkpoint !== null && this.checkpoint >= this.opts.store.last.number;
  }

  /**
   * Where to start: the saved checkpoint, or (a till that pushed with RxDB before, or never)
   * just before its first ticket the server has not acknowledged.
   */
  private async load(): Promise<number> {
    const saved = await this.opts.store.getMeta(PUSH_CHECKPOINT);
    if (saved && Number.isInteger(saved.number)) return saved.number as number;
    const l = await this.opts.store.ledger();
    let n = 0;
    while (n < this.opts.store.last.number && l.isAcknowledged(n + 1)) n++;
    return n;
  }

  /** Until woken (a sale, the server back, stop) or `ms` passed; `backoff`: only stop or the server back cuts it short. */
  private sleep(ms: number | null, backoff = false): Promise<void> {
    if (this.stopped || this.serverSeen || (this.woken && !backoff)) {
      this.woken = false;
      this.serverSeen = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(done, ms);
      timer?.unref();
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        self.wakeUp = null;
        self.woken = false;
        self.serverSeen = false;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async loop(onError: (e: unknown) => void): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step();
      } catch (e) {
        if (this.stopped) return;
        onError(e);
        await this.sleep(this.opts.retryDelay());
      }
    }
  }

  /** One turn: wait for work, or send the next page and save the checkpoint. */
  private async step(): Promise<void> {
    const { store } = this.opts;
    this.checkpoint ??= await this.load();
    if (this.inSync()) {
      for (const w of this.idleWaiters.splice(0)) w();
      await this.sleep(null);
      return;
    }
    const from = this.checkpoint + 1;
    const to = Math.min(store.last.number, from + this.pageSize - 1);
    const l = await store.ledger();
    // Tickets the server already acknowledged (sent in a package, say) do not go again.
    const page = (await store.ticketsBetween(from, to)).filter((t) => !l.isAcknowledged(t.number));
    if (page.length) {
      let release!: () => void;
      this.inFlight = new Promise<void>((resolve) => (release = resolve));
      try {
        await this.opts.send(page);
      } catch {
        release();
        this.inFlight = null;
        this.retrying = true;
        try {
          await this.sleep(this.opts.retryDelay(), true);
        } finally {
          this.retrying = false;
        }
        return;
      }
      release();
      this.inFlight = null;
    }
    if (this.stopped) return;
    crashPoint('replication:after-page');
    await store.setMeta(PUSH_CHECKPOINT, 'push-checkpoint', { number: to });
    this.checkpoint = to;
  }
}
