import type { Command } from 'commander';
import { run } from '../cli/output.ts';
import { withServer } from './context.ts';
import { appendDayLog } from './log-book.ts';
import { runNightly } from './nightly.ts';

/** `tillsync server nightly`: the chain `server start --nightly` runs (integrate → post → letter → export), once, now. */
export function registerNightlyCommand(server: Command): void {
  server
    .command('nightly')
    .description('run the nightly chain now: integrate, post, letter, export (as scheduled by server start --nightly)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--until <date>', 'process everything up to this day, YYYY-MM-DD (default: yesterday)')
    .action(
      run<{ data: string; db?: string; until?: string }>(async (opts, ctx) =>
        withServer({ data: opts.data, db: opts.db }, async (server) => {
          const steps = await runNightly(server, { until: opts.until, trigger: 'cli', onProgress: (step, detail) => ctx.say(`${step}: ${detail}`) });
          appendDayLog(server.data, `nightly (cli) done: ${steps.map((s) => s.step).join(' → ')}`);
          return { data: { steps }, text: steps.map((s) => `${s.step}: ${typeof s.summary === 'string' ? s.summary : JSON.stringify(s.summary)}`).join('\n') };
        }),
      ),
    );
}
