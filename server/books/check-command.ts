/** The action of `tillsync server check` (loaded only when it runs). */
import { run } from '../../cli/output.ts';
import { withServer } from '../context.ts';
import { appendDayLog } from '../log-book.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { parseDayOption } from '../../sync/dates.ts';
import { failedBooksChecks, periodLabel, renderBooksChecks, runBooksChecks, type CheckPeriod } from './check-registry.ts';

interface CheckOpts {
  data: string;
  db?: string;
  only?: string;
  from?: string;
  to?: string;
}

/** --from/--to: both or neither (neither: the whole books). */
function periodOf(opts: CheckOpts): CheckPeriod | null {
  if (opts.from === undefined && opts.to === undefined) return null;
  if (opts.from === undefined || opts.to === undefined) throw new TillsyncError('usage', `give both --from and --to (a period check), or neither (the whole books)`, { hint: 'tillsync server check --data DIR --from 2026-11-02 --to 2026-11-02' });
  const from = parseDayOption('--from', opts.from);
  const to = parseDayOption('--to', opts.to);
  if (from > to) throw new TillsyncError('usage', `--from ${from} is after --to ${to}`, { hint: 'give the first day of the period with --from, the last with --to' });
  return { from, to };
}

export const checkAction = run<CheckOpts>(async (opts, ctx) => {
  const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const period = periodOf(opts);
  return withServer({ data: opts.data, db: opts.db }, async (server) => {
    let bar: ReturnType<typeof ctx.progress> | null = null;
    const results = await runBooksChecks(server.db, {
      data: server.data,
      only,
      period,
      onCheck: (_name, i, total) => {
        bar ??= ctx.progress('books check', total);
        if (i) bar.tick();
      },
    });
    (bar as ReturnType<typeof ctx.progress> | null)?.done();
    const failed = failedBooksChecks(results);
    appendDayLog(server.data, `${failed.length ? 'ERROR' : 'INFO'} [check]${period ? ` ${periodLabel(period)}` : ''} ${failed.length ? `failed: ${failed.map((f) => f.check).join(', ')}` : `all ${results.length} checks passed`}`);
    return { data: { ok: failed.length === 0, failed: failed.map((f) => f.check), period, checks: results }, text: renderBooksChecks(results, period), exitCode: failed.length ? 1 : 0 };
  });
});
