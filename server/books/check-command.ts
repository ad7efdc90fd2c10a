/** The action of `tillsync server check` (loaded only when it runs). */
import { run } from '../../cli/output.ts';
import { withServer } from '../context.ts';
import { appendDayLog } from '../log-book.ts';
import { failedBooksChecks, renderBooksChecks, runBooksChecks } from './check-registry.ts';

interface CheckOpts {
  data: string;
  db?: string;
  only?: string;
}

export const checkAction = run<CheckOpts>(async (opts, ctx) => {
  const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
  return withServer({ data: opts.data, db: opts.db }, async (server) => {
    let bar: ReturnType<typeof ctx.progress> | null = null;
    const results = await runBooksChecks(server.db, {
      data: server.data,
      only,
      onCheck: (_name, i, total) => {
        bar ??= ctx.progress('books check', total);
        if (i) bar.tick();
      },
    });
    (bar as ReturnType<typeof ctx.progress> | null)?.done();
    const failed = failedBooksChecks(results);
    appendDayLog(server.data, `${failed.length ? 'ERROR' : 'INFO'} [check] ${failed.length ? `failed: ${failed.map((f) => f.check).join(', ')}` : `all ${results.length} checks passed`}`);
    return { data: { ok: failed.length === 0, failed: failed.map((f) => f.check), checks: results }, text: renderBooksChecks(results), exitCode: failed.length ? 1 : 0 };
  });
});
