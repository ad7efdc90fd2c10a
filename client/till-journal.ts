/**
 * The till's technical-event journal (JET): appends signed, chained events (sync/jet.ts) to the
 * store's `journal` collection, one at a time in order. An event that cannot be written is logged to
 * the day log and never breaks the action it records (a sale must not fail because its journal line
 * did), but the next event still chains to the last one stored, so the journal has no hole.
 *
 * Before each event it compares the clock with the last event's: a clock gone back more than a
 * minute, or jumped more than a day ahead while the till ran, is itself a journal event.
 */
import { nextJetEvent, type JetEvent, type JetType } from '../sync/jet.ts';
import type { TillKeyPair } from '../sync/till-keys.ts';
import { logTillEvent } from './day-log.ts';
import type { TillStore } from './store/till-store.ts';
import { loadOrCreateTillSigningKey } from './till-signing-key.ts';

const BACK_TOLERANCE_MS = 60_000;

export class TillJournal {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: TillStore, private readonly dataDir: string, private readonly clock: () => Date = () => new Date()) {}

  /** The till's current signing key, read each time: `till rotate-key` may replace it while the till runs. */
  get key(): TillKeyPair {
    return loadOrCreateTillSigningKey(this.dataDir);
  }

  private origin(): string {
    const id = this.store.requireIdentity();
    return `${id.store}-${id.till}`;
  }

  /** Appends one event; resolves with it once durable (null when it could not be written). */
  record(type: JetType, data: Record<string, unknown> = {}): Promise<JetEvent | null> {
    const next = this.tail.then(() => this.append(type, data));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async append(type: JetType, data: Record<string, unknown>): Promise<JetEvent | null> {
    try {
      const now = this.clock();
      const last = this.store.lastEvent;
      if (last && type !== 'clock-jump') {
        const lastAt = Date.parse(last.at);
        if (now.getTime() < lastAt - BACK_TOLERANCE_MS) await this.write('clock-jump', { from: last.at, to: now.toISOString(), direction: 'back' }, now);
      }
      return await this.write(type, data, now);
    } catch (e) {
      logTillEvent(this.dataDir, 'error', `journal event ${type} could not be written: ${(e as Error).message}`);
      return null;
    }
  }

  private async write(type: JetType, data: Record<string, unknown>, at: Date): Promise<JetEvent> {
    const e = nextJetEvent(this.store.lastEvent, this.origin(), type, data, this.key, at);
    await this.store.appendEvent(e);
    return e;
  }

  /** Waits for every event recorded so far. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
