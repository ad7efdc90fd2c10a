import type { Command } from 'commander';
import { run } from '../cli/output.ts';
import { isTillsyncError, TillsyncError } from '../sync/errors.ts';
import { parseDayOption } from '../sync/dates.ts';
import { withServer } from './lazy-context.ts';
import type { NightlyStepResult } from './nightly.ts';

/**
 * `tillsync server nightly`: the chain `server start --nightly` runs (integrate → post → letter →
 * export → books check), once, now. Human mode prints one line per step (progress only as a bar on a TTY);
 * --json prints one document. Exit 0 all done, 3 finished but something was left out, 1 a step failed,
 * 4 the books fail a check. With --chain, every store of a chain folder (server/chain/), N at once.
 */
export function registerNightlyCommand(server: Command): void {
  server
    .command('nightly')
    .description('run the nightly chain now: integrate, post, letter, export, check the books (as scheduled by server start --nightly); exit 3 when it finished but left something out, 1 when a step failed, 4 when the books fail a check; with --chain, every store of a chain at once (exit 1 if any store failed, else 4/3/0 by the worst store)')
    .option('--data <dir>', 'server data folder (one store)')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--until <date>', 'process everything up to this day, YYYY-MM-DD, today or yesterday (default: yesterday)')
    .option('--chain <dir>', 'chain folder: run the night of its stores (CHAIN/stores/ID/, each a server data folder), see docs/chain.md')
    .option('--full-check', "check the whole books tonight (default: the night's days only, the whole books on server.json fullCheckDay, default sunday); see docs/books-checks.md")
    .option('--stores <ids>', 'with --chain: all, or store ids separated by commas', 'all')
    .option('--workers <n>', 'with --chain: stores run at once, each in its own process', (v: string) => Number(v), 2)
    .option('--schedule <HH:MM>', "with --chain: stay running and run the chain's night every day at this local time (one store alone: server start --nightly)")
    .option('--run-now', 'with --schedule: also run one night at once, then wait for the schedule')
    .action(
      run<{ data?: string; db?: string; until?: string; chain?: string; stores: string; workers: number; fullCheck?: boolean; schedule?: string; runNow?: boolean }>(async (opts, ctx) => {
        const until = opts.until === undefined ? undefined : parseDayOption('--until', opts.until);
        if (opts.chain !== undefined) {
          if (opts.data !== undefined || opts.db !== undefined) throw new TillsyncError('usage', '--chain runs every store of the chain: it takes neither --data nor --db', { hint: "each store's server.json names its database; give --stores ID to run one store" });
          if (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 64) throw new TillsyncError('usage', `--workers: not a number of workers`, { hint: 'give a whole number from 1 to 64, e.g. one per CPU core the database leaves free' });
          if (opts.runNow && opts.schedule === undefined) throw new TillsyncError('usage', '--run-now goes with --schedule HH:MM', { hint: 'without a schedule, server nightly --chain runs one night now anyway' });
          const chainCli = await import('./chain/chain-cli.ts');
          if (opts.schedule !== undefined) {
            if (until !== undefined) throw new TillsyncError('usage', '--schedule runs every night up to the day before: it takes no --until', { hint: 'drop --until, or run one night now without --schedule' });
            return chainCli.chainScheduleAction({ chain: opts.chain, stores: opts.stores, workers: opts.workers, fullCheck: opts.fullCheck, schedule: opts.schedule, runNow: opts.runNow }, ctx);
          }
          return chainCli.chainNightAction({ chain: opts.chain, stores: opts.stores, workers: opts.workers, until, fullCheck: opts.fullCheck }, ctx);
        }
        if (opts.schedule !== undefined || opts.runNow) throw new TillsyncError('usage', '--schedule and --run-now are for a chain (--chain DIR)', { hint: 'one store runs on a schedule with tillsync server start --data DIR --nightly HH:MM' });
        if (opts.data === undefined) throw new TillsyncError('usage', 'give --data DIR (one store) or --chain DIR (every store of a chain)', { hint: 'tillsync server nightly --data DIR' });
        const data = opts.data;
        const { NIGHTLY_STEPS, nightlyReport, renderNightly, runNightly } = await import('./nightly.ts');
        const { appendDayLog } = await import('./log-book.ts');
        return withServer({ data, db: opts.db }, async (server) => {
          const steps: NightlyStepResult[] = [];
          let bar: ReturnType<typeof ctx.progress> | null = null;
          let current = 'nightly';
          let failure: { step: string; message: string; code?: string } | undefined;
          try {
            await runNightly(server, {
              until,
              trigger: 'cli',
              fullCheck: opts.fullCheck,
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
          // Peak memory and CPU of this process, for a chain's report of its workers (server/chain/).
          const use = process.resourceUsage();
          const peakRssMb = Math.round(use.maxRSS / 1024);
          const cpuSeconds = Math.round((use.userCPUTime + use.systemCPUTime) / 1e4) / 100;
          return { data: { ...report, peakRssMb, cpuSeconds }, text: renderNightly(report), exitCode: report.exitCode };
        });
      }),
    );
}
