/**
 * The e-reporting step of the nightly chain (after export): when server.json has
 * "ereporting": { "nightly": true }, every period of the regime that is over by the night's day
 * and not yet reported gets its Flux 10 file (the last three periods are looked at, so a server
 * that was off for a while catches up; older ones are reported by hand with server ereport).
 * Skipped for a closure run.
 */
import type { NightlyOptions, NightlyStepResult } from '../nightly.ts';
import type { ServerContext } from '../context.ts';
import { ereportConfig, runEreport } from './ereport-run.ts';
import { periodOf, previousPeriod } from './ereport-period.ts';

export async function ereportNightlyStep(ctx: ServerContext, opts: NightlyOptions): Promise<NightlyStepResult> {
  const c = ereportConfig(ctx.config);
  const skip = (why: string): NightlyStepResult => ({ step: 'ereport', summary: { skipped: why }, line: `skipped: ${why}`, leftOut: 0 });
  if (!c.nightly) return skip('ereporting.nightly is not set in server.json');
  if (opts.trigger === 'closure') return skip('run for a closure');
  const until = opts.until ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const today = new Date(`${until}T00:00:00Z`);
  today.setUTCDate(today.getUTCDate() + 1);
  let p = previousPeriod(periodOf(today.toISOString().slice(0, 10), c.regime), c.regime);
  const periods = [p];
  for (let i = 0; i < 2; i++) periods.unshift((p = previousPeriod(p, c.regime)));
  const reports = [];
  for (const period of periods) {
    opts.onProgress?.('ereport', period.label);
    const o = await runEreport(ctx, { period: `${period.from}..${period.to}`, trigger: 'nightly', today: today.toISOString().slice(0, 10) });
    reports.push({ period: period.label, status: o.status, id: o.id, file: o.file });
  }
  // runEreport refuses (throws) rather than leaving a period out, so nothing here is left out.
  const written = reports.filter((r) => r.status === 'written').map((r) => r.period);
  const already = reports.filter((r) => r.status === 'already').length;
  const empty = reports.filter((r) => r.status === 'empty').length;
  const line = `${written.length ? `e-reporting written for ${written.join(', ')}` : 'no new e-reporting file'} (${already} already reported, ${empty} empty)`;
  return { step: 'ereport', summary: { reports }, line, leftOut: 0 };
}
