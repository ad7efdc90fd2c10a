/**
 * The last step of the nightly chain: the books' named checks over the whole books, after
 * everything the night wrote. A failed check stops the chain with `books-check-failed` (exit 4 of
 * `server nightly`). Skipped when the chain runs for a closure (the night's run checks the books).
 */
import type { NightlyOptions, NightlyStepResult } from '../nightly.ts';
import type { ServerContext } from '../context.ts';
import { assertBooksSound } from './check-registry.ts';

export async function booksCheckNightlyStep(ctx: ServerContext, opts: NightlyOptions): Promise<NightlyStepResult> {
  if (opts.trigger === 'closure') return { step: 'check', summary: { skipped: 'run for a closure' }, line: 'skipped: run for a closure (the nightly run checks the books)', leftOut: 0 };
  opts.onProgress?.('check', 'books checks');
  const results = await assertBooksSound(ctx.db, ctx.data, 'nightly stopped');
  return { step: 'check', summary: { checks: results.map((r) => ({ check: r.check, ok: r.ok })) }, line: `all ${results.length} books checks passed`, leftOut: 0 };
}
