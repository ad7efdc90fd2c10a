/**
 * The export step of the nightly chain (after integrate → post → letter): when server.json has
 * exports.nightly, everything posted up to the night's day and not yet exported goes to one file
 * (and by mail when configured). Skipped when the chain runs for a closure: the closure hook
 * exports that day itself.
 */
import type { NightlyOptions, NightlyStepResult } from '../nightly.ts';
import type { ServerContext } from '../context.ts';
import { sql } from 'kysely';
import { yesterday } from '../../sync/dates.ts';


export async function exportNightlyStep(ctx: ServerContext, opts: NightlyOptions): Promise<NightlyStepResult> {
  const skip = (why: string): NightlyStepResult => ({ step: 'export', summary: { skipped: why }, line: `skipped: ${why}`, leftOut: 0 });
  // The export code (PDF renderer, mailer) loads only when a nightly export is configured: a chain
  // starts one process per store a night, and most stores of a chain export elsewhere.
  const block = (ctx.config.exports as Record<string, unknown> | undefined)?.nightly;
  if (block === undefined || block === null || block === false) return skip('exports.nightly is not configured in server.json');
  const { autoExportConfig, requestOf, runConfiguredExport } = await import('./auto-export.ts');
  const c = autoExportConfig(ctx.config, 'nightly');
  if (!c) return skip('exports.nightly is not configured in server.json');
  if (opts.trigger === 'closure') return skip('run for a closure: the closure hook exports its day');
  const until = opts.until ?? yesterday();
  // Not yet exported: by this block's profile when it names one (export_marks), else at all (entries.export_id).
  const pending = ctx.db.selectFrom('entries').select((eb) => eb.fn.min('entry_date').as('day')).where('entry_date', '<=', until);
  const first = await (c.profile ? pending.where(sql<boolean>`not exists (select 1 from export_marks m where m.entry_id = entries.id and m.profile = ${c.profile})`) : pending.where('export_id', 'is', null)).executeTakeFirst();
  const from = (first?.day as string | null | undefined) ?? until;
  opts.onProgress?.('export', `${c.profile ? `profile ${c.profile}` : c.format ?? 'fec'} ${from}..${until}`);
  const r = await runConfiguredExport(ctx, c, requestOf(c, ctx.data, { from, to: until, store: null }, 'nightly'));
  const o = r.outcome;
  const summary = { status: o.status, exportId: o.exportId, file: o.file, entries: o.entryCount, mailed: r.mailed, mailError: r.mailError, message: o.message };
  const head = o.message || (o.status === 'empty' ? `nothing to export (${from}..${until})` : `export ${o.status} (${from}..${until})`);
  const mail = r.mailed ? `; mailed to ${r.mailed.join(', ')}` : r.mailError ? `; mail failed: ${r.mailError}` : '';
  // A refused export or a mail that did not go leaves the night's file undelivered: left out.
  return { step: 'export', summary, line: head + mail, leftOut: o.status === 'refused' || r.mailError ? 1 : 0 };
}
