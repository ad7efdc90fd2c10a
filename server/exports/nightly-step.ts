/**
 * The export step of the nightly chain (after integrate → post → letter): when server.json has
 * exports.nightly, everything posted up to the night's day and not yet exported goes to one file
 * (and by mail when configured). Skipped when the chain runs for a closure: the closure hook
 * exports that day itself.
 */
import type { NightlyOptions, NightlyStepResult } from '../nightly.ts';
import type { ServerContext } from '../context.ts';
import { autoExportConfig, requestOf, runConfiguredExport } from './auto-export.ts';

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

export async function exportNightlyStep(ctx: ServerContext, opts: NightlyOptions): Promise<NightlyStepResult> {
  const c = autoExportConfig(ctx.config, 'nightly');
  if (!c) return { step: 'export', summary: { skipped: 'exports.nightly is not configured in server.json' } };
  if (opts.trigger === 'closure') return { step: 'export', summary: { skipped: 'run for a closure: the closure hook exports its day' } };
  const until = opts.until ?? yesterday();
  const first = await ctx.db.selectFrom('entries').select((eb) => eb.fn.min('entry_date').as('day')).where('export_id', 'is', null).where('entry_date', '<=', until).executeTakeFirst();
  const from = (first?.day as string | null | undefined) ?? until;
  opts.onProgress?.('export', `${c.format} ${from}..${until}`);
  const r = await runConfiguredExport(ctx, c, requestOf(c, ctx.data, { from, to: until, store: null }, 'nightly'));
  return { step: 'export', summary: { status: r.outcome.status, exportId: r.outcome.exportId, file: r.outcome.file, entries: r.outcome.entryCount, mailed: r.mailed, mailError: r.mailError, message: r.outcome.message } };
}
