/**
 * The nightly chain run by `server start --nightly HH:MM` and by pilot files: each feature adds
 * its step here, in order (integrate → post → letter → export). A step failing stops the chain.
 */
import type { ServerContext } from './context.ts';

export interface NightlyStepResult {
  step: string;
  summary: unknown;
}

export interface NightlyOptions {
  /** Process everything up to this day (YYYY-MM-DD); default: yesterday. */
  until?: string;
  onProgress?: (step: string, detail: string) => void;
}

export type NightlyStep = (ctx: ServerContext, opts: NightlyOptions) => Promise<NightlyStepResult>;

const STEPS: NightlyStep[] = [];

export async function runNightly(ctx: ServerContext, opts: NightlyOptions = {}): Promise<NightlyStepResult[]> {
  const results: NightlyStepResult[] = [];
  for (const step of STEPS) results.push(await step(ctx, opts));
  return results;
}
