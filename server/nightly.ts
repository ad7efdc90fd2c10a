/**
 * The nightly chain run by `server start --nightly HH:MM` and by pilot files: each feature adds
 * its step here, in order (integrate → post → letter → export → e-report). A step failing stops the chain.
 */
import type { ServerContext } from './context.ts';
import { integrationStep } from './integration/nightly-step.ts';
import { postingStep, letteringStep } from './accounting/nightly-step.ts';
import { exportNightlyStep } from './exports/nightly-step.ts';
import { ereportNightlyStep } from './einvoice/nightly-step.ts';

export interface NightlyStepResult {
  step: string;
  summary: unknown;
}

export interface NightlyOptions {
  /** Process everything up to this day (YYYY-MM-DD); default: yesterday. */
  until?: string;
  onProgress?: (step: string, detail: string) => void;
  /** Who runs the chain: the export step skips itself for 'closure' (the closure hook exports that day). */
  trigger?: 'schedule' | 'closure' | 'pilot' | 'cli' | 'web';
  /** Hint for integration: only these tills (a closure wants its own till's day, not the others' still-open days). */
  tills?: string[];
}

export type NightlyStep = (ctx: ServerContext, opts: NightlyOptions) => Promise<NightlyStepResult>;

// Export stays last: it takes what posting and lettering produced.
// E-reporting after export: it reads the posted books of the periods that are over.
const STEPS: NightlyStep[] = [integrationStep, postingStep, letteringStep, exportNightlyStep, ereportNightlyStep];

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
  const base = { trigger: opts.trigger, data: ctx.data };
  const observed: NightlyOptions = {
    ...opts,
    onProgress: (step, detail) => {
      opts.onProgress?.(step, detail);
      tell({ kind: 'progress', step, detail, ...base });
    },
  };
  tell({ kind: 'start', step: 'nightly', detail: `${STEPS.length} step(s)${opts.until ? ` until ${opts.until}` : ''}`, ...base });
  const results: NightlyStepResult[] = [];
  try {
    for (const step of STEPS) {
      const r = await step(ctx, observed);
      results.push(r);
      tell({ kind: 'step-done', step: r.step, detail: `${results.length}/${STEPS.length} done`, ...base });
    }
  } catch (e) {
    tell({ kind: 'failed', step: 'nightly', detail: (e as Error)?.message ?? String(e), ...base });
    throw e;
  }
  tell({ kind: 'done', step: 'nightly', detail: `${results.length} step(s) done`, ...base });
  return results;
}
