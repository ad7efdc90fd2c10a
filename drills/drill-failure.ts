/**
 * A failed drill check: one line naming the drill, round, phase, kill moment and seed, so the
 * failure can be replayed with `tillsync drill --seed S …`.
 */
import { TillsyncError } from '../sync/errors.ts';

export interface DrillContext {
  drill: string;
  seed: number;
  round?: number;
  phase?: string;
  killAtMs?: number;
  hit?: string;
}

export class DrillFailure extends TillsyncError {
  constructor(message: string, readonly context: DrillContext) {
    super('drill-failed', message, { hint: `replay with the same seed: tillsync drill --seed ${context.seed}` });
  }
}

export function isDrillFailure(e: unknown): e is DrillFailure {
  return e instanceof DrillFailure;
}
