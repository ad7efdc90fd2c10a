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

export async function logEvent(db: Kysely<Database> | Transaction<Database>, data: string, ev: LogEvent): Promise<void> {
  const at = new Date();
  await db
    .insertInto('log_book')
    .values({ at: at.toISOString(), severity: ev.severity, channel: ev.channel ?? null, file: ev.file ?? null, till: ev.till ?? null, ticket: ev.ticket ?? null, message: ev.message })
    .execute();
  const where = [ev.channel, ev.file, ev.till, ev.ticket].filter(Boolean).join(' ');
  appendDayLog(data, `${ev.severity.toUpperCase()} ${where ? `[${where}] ` : ''}${ev.message}`, at);
}
