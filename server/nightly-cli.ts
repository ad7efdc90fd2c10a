import type { Command } from 'commander';
import { run } from '../cli/output.ts';
import { isTillsyncError } from '../sync/errors.ts';
import { parseDayOption } from '../sync/dates.ts';
import { withServer } from './lazy-context.ts';
import type { NightlyStepResult } from './nightly.ts';

/**
 * `tillsync server nightly`: the chain `server start --nightly` runs (integrate → post → letter →
 * export → books check), once, now. Human mode prints one line per step (progress only as a bar on a TTY);
 * --json prints one document. Exit 0 all done, 3 finished but something was left out, 1 a step failed,
 * 4 the books fail a check.
 */
export function registerNightlyCommand(server: Command): void {
  server
    .command('nightly')
    .description('run the nightly chain now: integrate, post, letter, export, check the books (as scheduled by server start --nightly); exit 3 when it finished but left something out, 1 when a step failed, 4 when the books fail a check')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--until <date>', 'process everything up to this day, YYYY-MM-DD, today or yesterday (default: yesterday)')
    .action(
      run<{ data: string; db?: string; until?: string }>(async (opts, ctx) => {
        const until = opts.until === undefined ? undefined : parseDayOption('--until', opts.until);
        const { NIGHTLY_STEPS, nightlyReport, renderNightly, runNightly } = await import('./nightly.ts');
        const { appendDayLog } = await import('./log-book.ts');
        return withServer({ data: opts.data, db: opts.db }, async (server) => {
          const steps: NightlyStepResult[] = [];
          let bar: ReturnType<typeof ctx.progress> | null = null;
          let current = 'nightly';
          let failure: { step: string; message: string; code?: string } | undefined;
          try {
            await runNightly(server, {
              until,
              trigger: 'cli',
              onProgress: (step) => {
                if (step !== current) {
                  bar?.done();
                  current = step;
                  bar = ctx.progress(step, 1);
                }
              },
              onStepDone: (r) => {
                steps.push(r);
                bar?.done();
                bar = null;
              },
            });
          } catch (e) {
            (bar as ReturnType<typeof ctx.progress> | null)?.done();
            const failedStep = NIGHTLY_STEPS[steps.length] ?? current;
            failure = { step: failedStep, message: (e as Error)?.message ?? String(e), ...(isTillsyncError(e) ? { code: e.code } : {}) };
          }
          const report = nightlyReport(steps, until ?? null, failure);
          appendDayLog(server.data, `nightly (cli) ${failure ? 'failed' : 'done'}: ${renderNightly(report).replace(/\n/g, ' | ')}`);
          return { data: report, text: renderNightly(report), exitCode: report.exitCode };
        });
      }),
    );
}
