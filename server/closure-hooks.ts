/**
 * Called by intake when a till's closure (Z report) reaches the server: the place for
 * "automatic export at each closure" (seed 000).
 *
 * With exports.auto in server.json: if the closure's day still has tickets not integrated or
 * invoices not posted, the nightly chain runs first for that day (until = the closure's day, the
 * closure's till as a hint), so the export holds the day just closed; then the day's entries not
 * yet exported go to a file in the configured folder, and by mail when a recipient is configured.
 * A failure is logged in the log book and never breaks the intake of the closure.
 */
import type { ServerContext } from './context.ts';
import type { Closure } from '../sync/types.ts';
import { runNightly } from './nightly.ts';
import { logEvent } from './log-book.ts';
import { autoExportConfig, dayNeedsPosting, requestOf, runConfiguredExport, type AutoExportResult } from './exports/auto-export.ts';
import { exactAutoConfig, pushAfterClosure } from './exact/closure-push.ts';

export async function afterClosure(ctx: ServerContext, closure: Closure): Promise<AutoExportResult | null> {
  try {
    // exports.auto naming the live Exact Online link: the day goes out through the API, not a file.
    const exact = exactAutoConfig(ctx.config);
    if (exact) {
      await pushAfterClosure(ctx, closure, exact, async () => {
        if (await dayNeedsPosting(ctx.db, closure)) await runNightly(ctx, { until: closure.day, trigger: 'closure', tills: [closure.till] });
      });
      return null;
    }
    const c = autoExportConfig(ctx.config, 'auto');
    if (!c) return null;
    if (await dayNeedsPosting(ctx.db, closure)) await runNightly(ctx, { until: closure.day, trigger: 'closure', tills: [closure.till] });
    const r = await runConfiguredExport(ctx, c, requestOf(c, ctx.data, { from: closure.day, to: closure.day, store: c.perStore ? closure.store : null }, 'closure'));
    if (r.outcome.status === 'refused') {
      // Already in the log book with every problem (runExport logs refusals).
    } else if (r.outcome.status === 'empty') {
      await logEvent(ctx.db, ctx.data, { severity: 'info', channel: 'export', till: closure.till, message: `automatic export after closure ${closure.id}: ${r.outcome.message}` });
    }
    return r;
  } catch (e) {
    await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'export', till: closure.till, message: `automatic export after closure ${closure.id} failed: ${(e as Error).message}` }).catch(() => undefined);
    return null;
  }
}
