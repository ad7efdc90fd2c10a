/**
 * `tillsync server nightly --chain DIR`: the action behind the flag (loaded only when used).
 * Progress: a bar over the stores on a TTY, and one line per store as it finishes (stderr, so
 * that --json keeps stdout one document); the daily log of the chain folder gets the summary.
 */
import { resolve } from 'node:path';
import type { CommandContext, CommandResult } from '../../cli/output.ts';
import { appendDayLog } from '../log-book.ts';
import { listChainStores, selectStores } from './chain-stores.ts';
import { runChainNight } from './chain-nightly.ts';
import { chainNightReport, renderChainNight, storeLine } from './chain-report.ts';

export async function chainNightAction(o: { chain: string; stores: string; workers: number; until?: string; fullCheck?: boolean }, ctx: CommandContext): Promise<CommandResult> {
  const chain = resolve(o.chain);
  const stores = selectStores(listChainStores(chain), o.stores);
  const bar = ctx.progress(`${stores.length} store(s), ${o.workers} worker(s)`, stores.length);
  const t0 = performance.now();
  const nights = await runChainNight(stores, {
    workers: o.workers,
    until: o.until,
    fullCheck: o.fullCheck,
    onDone: (n) => {
      bar.tick();
      if (!process.stdout.isTTY || ctx.json) process.stderr.write(`${storeLine(n)}\n`);
    },
  });
  bar.done();
  const report = chainNightReport(nights, { workers: o.workers, until: o.until ?? null, seconds: (performance.now() - t0) / 1000 });
  const text = renderChainNight(report);
  appendDayLog(chain, `chain nightly: ${text.split('\n').pop()}`);
  return { data: report, text, exitCode: report.exitCode };
}
