/**
 * The log book (seed "livre de bord"): every event worth a look — a quarantined package, a ticket
 * left out of integration, a gap in a till's numbering — goes to the log_book table and to the
 * day's log file DATA/log/YYYY-MM-DD.log, so an operator can read it with or without the server.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './db/schema.ts';

export type Severity = 'info' | 'warning' | 'error';

export interface LogEvent {
  severity: Severity;
  message: string;
  channel?: string | null;
  file?: string | null;
  till?: string | null;
  ticket?: string | null;
}

export function dayLogPath(data: string, at = new Date()): string {
  return join(data, 'log', `${at.toISOString().slice(0, 10)}.log`);
}

/** Appends one line to the day's log file (also used for run summaries that are not log-book events). */
export function appendDayLog(data: string, line: string, at = new Date()): void {
  mkdirSync(join(data, 'log'), { recursive: true });
  appendFileSync(dayLogPath(data, at), `${at.toISOString()} ${line}\n`);
}

/**
 * Day-log lines of a run that writes the books in one transaction: kept until the transaction has
 * committed, so a rolled-back run leaves no line about work that never happened.
 */
export class PendingDayLog {
  private lines: { line: string; at: Date }[] = [];

  constructor(private readonly data: string) {}

  add(line: string, at = new Date()): void {
    this.lines.push({ line, at });
  }

  /** After the commit. */
  flush(): void {
    for (const l of this.lines) appendDayLog(this.data, l.line, l.at);
    this.lines = [];
  }

  /** After a rollback: the lines are dropped, the failure says what happened instead. */
  rolledBack(what: string, e: unknown): void {
    this.lines = [];
    appendDayLog(this.data, `ERROR [${what}] run rolled back, nothing written: ${(e as Error)?.message ?? String(e)}`);
  }
}

export async function logEvent(db: Kysely<Database> | Transaction<Database>, data: string, ev: LogEvent): Promise<void> {
  const at = new Date();
  await db
    .insertInto('log_book')
    .values({ at: at.toISOString(), severity: ev.severity, channel: ev.channel ?? null, file: ev.file ?? null, till: ev.till ?? null, ticket: ev.ticket ?? null, message: ev.message })
    .execute();
  const where = [ev.channel, ev.file, ev.till, ev.ticket].filter(Boolean).join(' ');
  appendDayLog(data, `${ev.severity.toUpperCase()} ${where ? `[${where}] ` : ''}${ev.message}`, at);
}
