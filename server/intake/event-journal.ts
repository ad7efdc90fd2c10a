/**
 * Log-book events of one intake, written in the intake's own transaction (so the log book never
 * tells of a ticket that was rolled back) and copied to the day's log file only after commit.
 * Same rows and same file format as server/log-book.ts logEvent.
 *
 * A package of 100,000 bad lines must not write 100,000 log-book rows: each kind of problem is
 * logged one by one up to a cap, then summed up in one line.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { appendDayLog, type LogEvent } from '../log-book.ts';

export const EVENTS_PER_KIND = 50;

export class EventJournal {
  private readonly events: (LogEvent & { at: string })[] = [];
  private readonly counts = new Map<string, number>();
  private readonly overflow = new Map<string, { count: number; sample: LogEvent; summary: (n: number) => string }>();

  /** `kind` groups events for the cap (e.g. "malformed-line", "conflict"). */
  add(kind: string, ev: LogEvent, summary?: (more: number) => string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= EVENTS_PER_KIND || !summary) {
      this.events.push({ ...ev, at: new Date().toISOString() });
      return;
    }
    const o = this.overflow.get(kind);
    if (o) o.count++;
    else this.overflow.set(kind, { count: 1, sample: ev, summary });
  }

  get size(): number {
    return this.events.length + this.overflow.size;
  }

  private all(): (LogEvent & { at: string })[] {
    const at = new Date().toISOString();
    const summaries = [...this.overflow.values()].map((o) => ({ ...o.sample, ticket: null, message: o.summary(o.count), at }));
    return [...this.events, ...summaries];
  }

  /** Inserts the log-book rows inside the caller's transaction. */
  async write(trx: Kysely<Database> | Transaction<Database>): Promise<void> {
    const rows = this.all().map((e) => ({ at: e.at, severity: e.severity, channel: e.channel ?? null, file: e.file ?? null, till: e.till ?? null, ticket: e.ticket ?? null, message: e.message }));
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('log_book').values(rows.slice(i, i + 200)).execute();
  }

  /** After commit: the same events to DATA/log/YYYY-MM-DD.log. */
  flushToDayLog(data: string): void {
    for (const e of this.all()) {
      const where = [e.channel, e.file, e.till, e.ticket].filter(Boolean).join(' ');
      appendDayLog(data, `${e.severity.toUpperCase()} ${where ? `[${where}] ` : ''}${e.message}`, new Date(e.at));
    }
  }
}
