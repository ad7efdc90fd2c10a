/**
 * The registry of the books' named checks, run over the whole database by `tillsync server check`,
 * at the end of `server nightly` and before every export. Each check (checks/*.ts) recomputes what
 * the books must say from the tickets and the stored rows with its own integer arithmetic
 * (checks/amounts.ts), never with the posting code, so a bug in posting cannot hide itself.
 * Read-only; every check runs, one result each, in this order. With a period (`--from/--to`, the
 * nightly's own days) each check reads that period only, or says it reads the whole books
 * (BooksCheck.periodScope, `scope` in each result).
 */
import { TillsyncError } from '../../sync/errors.ts';
import type { Db } from '../db/database.ts';
import { balanceCheck } from './checks/balance.ts';
import { checkContext, type BooksCheck, type CheckPeriod, type CheckResult } from './checks/check.ts';
import { documentsCheck } from './checks/documents.ts';
import { ereportsCheck } from './checks/ereports.ts';
import { letteringCheck } from './checks/lettering.ts';
import { documentNumbersCheck, entryNumbersCheck } from './checks/numbering.ts';
import { salesCheck } from './checks/sales.ts';
import { settlementsCheck } from './checks/settlements.ts';
import { ticketVatCheck } from './checks/ticket-vat.ts';
import { treasuryCheck } from './checks/treasury.ts';
import { vatCheck } from './checks/vat.ts';

export type { CheckPeriod, CheckProblem, CheckResult } from './checks/check.ts';

export const BOOKS_CHECKS: readonly BooksCheck[] = [balanceCheck, entryNumbersCheck, salesCheck, vatCheck, treasuryCheck, letteringCheck, settlementsCheck, documentsCheck, ticketVatCheck, documentNumbersCheck, ereportsCheck];

/**
 * The checks of what an export hands over: the entries and their tie-outs with the posted
 * documents and tickets. The documents' own checks (documents, ticket-vat, document-numbers) are
 * integration's, run by `server check` and the nightly.
 */
export const LEDGER_CHECKS: readonly string[] = ['balance', 'entry-numbers', 'sales', 'vat', 'treasury', 'lettering', 'settlements'];

export interface RunChecksOptions {
  /** The server data folder (its accounting.json gives the books' rules); null: the default mapping. */
  data: string | null;
  /** Only these checks, by name. */
  only?: string[];
  /** Only these days (default: the whole books). */
  period?: CheckPeriod | null;
  /** Called before each check (a progress bar). */
  onCheck?: (name: string, index: number, total: number) => void;
}

/** The checks named by --only, refused when one is unknown. */
export function selectChecks(only?: string[]): BooksCheck[] {
  if (!only?.length) return [...BOOKS_CHECKS];
  const names = BOOKS_CHECKS.map((c) => c.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) throw new TillsyncError('usage', `unknown check ${unknown.join(', ')}`, { hint: `checks: ${names.join(', ')}` });
  return BOOKS_CHECKS.filter((c) => only.includes(c.name));
}

export async function runBooksChecks(db: Db, opts: RunChecksOptions): Promise<CheckResult[]> {
  const checks = selectChecks(opts.only);
  const period = opts.period ?? null;
  const ctx = await checkContext(db, opts.data, period);
  const out: CheckResult[] = [];
  for (const [i, c] of checks.entries()) {
    opts.onCheck?.(c.name, i, checks.length);
    const r = await c.run(ctx);
    out.push({ check: c.name, ok: r.problems.length === 0, problems: r.problems, ...(r.summary ? { summary: r.summary } : {}), ...(period ? { scope: c.periodScope } : {}) });
  }
  return out;
}

export function failedBooksChecks(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => !r.ok);
}

const SHOWN = 3;

export const periodLabel = (p: CheckPeriod) => (p.from === p.to ? p.from : `${p.from}..${p.to}`);

function problemText(p: CheckResult['problems'][number]): string {
  const amounts = p.amounts ? ` (${Object.entries(p.amounts).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  return `${p.message}${amounts}`;
}

/** One line per check; a failed one with its first problems. */
export function renderBooksChecks(results: CheckResult[], period: CheckPeriod | null = null): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.ok) lines.push(`ok      ${r.check}${r.summary ? `: ${r.summary}` : ''}${r.scope?.mode === 'whole' ? ' (whole books)' : ''}`);
    else {
      lines.push(`FAILED  ${r.check}: ${r.problems.slice(0, SHOWN).map(problemText).join('; ')}${r.problems.length > SHOWN ? `; … ${r.problems.length - SHOWN} more` : ''}`);
    }
  }
  const failed = failedBooksChecks(results);
  const what = period ? `books check of ${periodLabel(period)}` : 'books check';
  lines.push(failed.length ? `${what}: ${failed.length} check(s) failed: ${failed.map((f) => f.check).join(', ')}` : `${what}: all ${results.length} check(s) passed`);
  return lines.join('\n');
}

/** The one-line summary of failed checks for an error: `balance: entry 12 … (debit 999.99, credit 12.00)`. */
export function describeFailures(failed: CheckResult[]): string {
  return failed.map((f) => `${f.check}: ${f.problems[0] ? problemText(f.problems[0]) : 'failed'}`).join('; ');
}

/**
 * Refuses to go on with books that fail a check (before an export, at the end of the nightly):
 * one error naming the checks and their first problem, and the command that lists them all.
 */
export async function assertBooksSound(db: Db, data: string, what: string, only?: readonly string[], period: CheckPeriod | null = null): Promise<CheckResult[]> {
  const results = await runBooksChecks(db, { data, only: only ? [...only] : undefined, period });
  const failed = failedBooksChecks(results);
  if (failed.length) {
    throw new TillsyncError('books-check-failed', `${what}: books check ${failed.map((f) => f.check).join(', ')} failed: ${describeFailures(failed)}`, {
      hint: `every problem is listed by: tillsync server check --data ${data}`,
      status: 409,
    });
  }
  return results;
}
