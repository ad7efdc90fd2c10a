/**
 * The nightly chain run by `server start --nightly HH:MM` and by pilot files: each feature adds
 * its step here, in order (integrate → post → letter → export → e-report → books check). A step failing stops the chain.
 */
import type { ServerContext } from './context.ts';
import { parseDayOption } from '../sync/dates.ts';
import { integrationStep } from './integration/nightly-step.ts';
import { postingStep, letteringStep } from './accounting/nightly-step.ts';
import { exportNightlyStep } from './exports/nightly-step.ts';
import { ereportNightlyStep } from './einvoice/nightly-step.ts';
import { booksCheckNightlyStep } from './books/nightly-step.ts';
import { ParsedTickets } from './accounting/parsed-tickets.ts';

export interface NightlyStepResult {
  step: string;
  summary: unknown;
  /** The step's outcome in one line for people (what `server nightly` prints). */
  line: string;
  /** What the step finished without: tickets/documents left out, held back, an export refused. */
  leftOut: number;
  /** Wall-clock seconds the step took (set by runNightly; a chain's bench times integrate + post + letter by it). */
  seconds?: number;
}

/** Exit codes of `server nightly` (documented in docs/operations.md; 2 is a wrong command line). */
export const NIGHTLY_EXIT = { ok: 0, failed: 1, leftOut: 3, booksCheckFailed: 4 } as const;

export interface NightlyOptions {
  /** Process everything up to this day (YYYY-MM-DD); default: yesterday. */
  until?: string;
  onProgress?: (step: string, detail: string) => void;
  /** Each step's result as soon as it is done (a failing run still reports the steps before). */
  onStepDone?: (r: NightlyStepResult) => void;
  /** Who runs the chain: the export step skips itself for 'closure' (the closure hook exports that day). */
  trigger?: 'schedule' | 'closure' | 'pilot' | 'cli' | 'web';
  /** Hint for integration: only these tills (a closure wants its own till's day, not the others' still-open days). */
  tills?: string[];
  /** The books check reads the whole books tonight, whatever the day (`--full-check`; else on server.json `fullCheckDay`). */
  fullCheck?: boolean;
  /** Set by runNightly: the last batch id before this run (the check step finds the night's days from the batches after it). */
  batchesBefore?: number;
  /** Set by runNightly: integration keeps its parsed tickets here and posting takes them (server/accounting/parsed-tickets.ts). */
  parsedTickets?: ParsedTickets;
}

export type NightlyStep = (ctx: ServerContext, opts: NightlyOptions) => Promise<NightlyStepResult>;

// Export stays last: it takes what posting and lettering produced.
// E-reporting after export: it reads the posted books of the periods that are over.
// The books' checks last, over everything the night wrote.
const STEPS: NightlyStep[] = [integrationStep, postingStep, letteringStep, exportNightlyStep, ereportNightlyStep, booksCheckNightlyStep];
/** The steps' names in order (a failure names the step that did not finish). */
export const NIGHTLY_STEPS = ['integrate', 'post', 'letter', 'export', 'ereport', 'check'] as const;

/** A run as the back office's live view sees it (server/web/nightly-jobs.ts), whoever started it. */
export interface NightlyEvent {
  kind: 'start' | 'progress' | 'step-done' | 'done' | 'failed';
  step: string;
  detail: string;
  trigger?: NightlyOptions['trigger'];
  data: string;
}

/** Every run of this process reports here too (scheduled, closure, pilot, web), not only to its own onProgress. */
export const nightlyObservers = new Set<(ev: NightlyEvent) => void>();

function tell(ev: NightlyEvent): void {
  for (const o of nightlyObservers) {
    try {
      o(ev);
    } catch {
      // An observer's failure never stops the chain.
    }
  }
}

export async function runNightly(ctx: ServerContext, opts: NightlyOptions = {}): Promise<NightlyStepResult[]> {
  // A bad day is refused before any step runs (the one date parser: the same error as every command).
  if (opts.until !== undefined) opts = { ...opts, until: parseDayOption('--until', opts.until) };
  const base = { trigger: opts.trigger, data: ctx.data };
  // Which batches this run makes: the books check of the night reads their days only.
  const last = await ctx.db.selectFrom('batches').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const observed: NightlyOptions = {
    ...opts,
    batchesBefore: Number(last?.id ?? 0),
    parsedTickets: new ParsedTickets(),
    onProgress: (step, detail) => {
      opts.onProgress?.(step, detail);
      tell({ kind: 'progress', step, detail, ...base });
    },
  };
  tell({ kind: 'start', step: 'nightly', detail: `${STEPS.length} step(s)${opts.until ? ` until ${opts.until}` : ''}`, ...base });
  const results: NightlyStepResult[] = [];
  try {
    for (const step of STEPS) {
      const t0 = performance.now();
      const r = await step(ctx, observed);
      r.seconds = Math.round(performance.now() - t0) / 1000;
      results.push(r);
      opts.onStepDone?.(r);
      tell({ kind: 'step-done', step: r.step, detail: `${results.length}/${STEPS.length} done`, ...base });
    }
  } catch (e) {
    tell({ kind: 'failed', step: 'nightly', detail: (e as Error)?.message ?? String(e), ...base });
    throw e;
  }
  tell({ kind: 'done', step: 'nightly', detail: `${results.length} step(s) done`, ...base });
  return results;
}

/** The whole run as `server nightly` reports it: one JSON document, or one line per step. */
export interface NightlyReport {
  ok: boolean;
  exitCode: number;
  until: string | null;
  steps: NightlyStepResult[];
  leftOut: number;
  failed: { step: string; message: string; code?: string } | null;
}

export function nightlyReport(steps: NightlyStepResult[], until: string | null, failure?: { step: string; message: string; code?: string }): NightlyReport {
  const leftOut = steps.reduce((n, s) => n + s.leftOut, 0);
  // Books failing a check (the last step, or the export refusing them) are not a step to retry: exit 4.
  const exitCode = failure ? (failure.code === 'books-check-failed' ? NIGHTLY_EXIT.booksCheckFailed : NIGHTLY_EXIT.failed) : leftOut ? NIGHTLY_EXIT.leftOut : NIGHTLY_EXIT.ok;
  return { ok: exitCode === NIGHTLY_EXIT.ok, exitCode, until, steps, leftOut, failed: failure ?? null };
}

export function renderNightly(r: NightlyReport): string {
  const lines = r.steps.map((s) => `${s.step}: ${s.line}`);
  if (r.failed?.code === 'books-check-failed') lines.push(`${r.failed.step}: FAILED: ${r.failed.message}`, 'nightly: the books fail a check (exit 4): list every problem with tillsync server check --data DIR, repair the books, run again');
  else if (r.failed) lines.push(`${r.failed.step}: FAILED: ${r.failed.message}`, 'nightly: stopped at the failed step (exit 1); fix it and run it again: finished steps do not repeat their work');
  else if (r.leftOut) lines.push(`nightly: finished, ${r.leftOut} item(s) left out (exit 3): see the log book (tillsync server status), fix and run again`);
  else lines.push('nightly: finished, nothing left out');
  return lines.join('\n');
}
