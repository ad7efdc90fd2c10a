/**
 * One shape for every check of the books (server/books/check-registry.ts lists them): a named pass
 * over the whole database, read-only, that recomputes what the books must say and lists what does
 * not hold. Checks never throw for bad data: a problem is a line in their result.
 */
import { existsSync } from 'node:fs';
import type { Db } from '../../db/database.ts';
import type { AccountingMapping } from '../../accounting/mapping.ts';
import { UnitsSql } from './amounts.ts';
import { loadTicketFacts, type TicketFacts } from './ticket-facts.ts';

export interface CheckProblem {
  message: string;
  /** What is wrong, as an operator finds it: `entry 12`, `document F00000004`, `ticket S1-01-00000007`. */
  ref?: string;
  /** Amounts as decimal text, e.g. { expected: '12.50', found: '999.99' } or { debit, credit }. */
  amounts?: Record<string, string>;
}

export interface CheckResult {
  check: string;
  ok: boolean;
  problems: CheckProblem[];
  /** What was looked at, in a few words ("412 entries in 3 journals"). */
  summary?: string;
  /** Set in a period check: what of the books this check read (`period`: limited to it; `whole`: it cannot be). */
  scope?: { mode: 'period' | 'whole'; how: string };
}

/** The days a period check reads (YYYY-MM-DD, both included): documents, tickets, settlement items by their day, entries by their date. */
export interface CheckPeriod {
  from: string;
  to: string;
}

export interface BooksCheck {
  /** Short kebab-case name, the one `--only` takes and failures name. */
  name: string;
  /** One sentence: what it recomputes and compares. */
  title: string;
  /** How it limits itself in a period check (CheckContext.period); 'whole' with the reason when it reads the whole books anyway. */
  periodScope: { mode: 'period' | 'whole'; how: string };
  run(ctx: CheckContext): Promise<{ problems: CheckProblem[]; summary?: string }>;
}

export interface CheckContext {
  db: Db;
  sql: UnitsSql;
  /** DATA/accounting.json (the defaults when there is none); null with the reason when it is invalid. */
  mapping: AccountingMapping | null;
  mappingError: string | null;
  /** Null: the whole books; else only this period (each check's periodScope says how). */
  period: CheckPeriod | null;
  /** Every integrated ticket (of the period, in a period check) recomputed from its stored content, read once and shared by the checks. */
  ticketFacts(): Promise<TicketFacts>;
}

export async function checkContext(db: Db, data: string | null, period: CheckPeriod | null = null): Promise<CheckContext> {
  let mapping: AccountingMapping | null = null;
  let mappingError: string | null = null;
  // Read-only: no mapping file means the defaults posting would have used (posting writes them on first use).
  const { defaultMapping } = await import('../../accounting/default-mapping.ts');
  const m = await import('../../accounting/mapping.ts');
  if (data && existsSync(m.mappingPath(data))) {
    try {
      const parsed = m.parseMapping(m.readMappingJson(data));
      mapping = parsed.mapping;
      if (!mapping) mappingError = `${m.mappingPath(data)}: ${parsed.issues[0].path}: ${parsed.issues[0].message}`;
    } catch (e) {
      mappingError = (e as Error).message;
    }
  } else mapping = defaultMapping();
  let facts: Promise<TicketFacts> | null = null;
  return { db, sql: new UnitsSql(db), mapping, mappingError, period, ticketFacts: () => (facts ??= loadTicketFacts(db, period)) };
}

/** The mapping a check needs; null, the problem said, when it is invalid. */
export function requireMapping(ctx: Pick<CheckContext, 'mapping' | 'mappingError'>, p: Problems): AccountingMapping | null {
  if (!ctx.mapping) p.add(`cannot check: the accounting mapping is invalid: ${ctx.mappingError}`);
  return ctx.mapping;
}

/** At most this many problems are kept per check: one is enough to act, the count says the rest. */
export const MAX_PROBLEMS = 50;

export class Problems {
  readonly list: CheckProblem[] = [];
  count = 0;
  add(message: string, ref?: string, amounts?: Record<string, string>): void {
    this.count++;
    if (this.list.length < MAX_PROBLEMS) this.list.push({ message, ...(ref ? { ref } : {}), ...(amounts ? { amounts } : {}) });
  }
  done(summary?: string): { problems: CheckProblem[]; summary?: string } {
    if (this.count > this.list.length) this.list.push({ message: `… and ${this.count - this.list.length} more` });
    return { problems: this.list, ...(summary ? { summary } : {}) };
  }
}
