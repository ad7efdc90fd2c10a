/**
 * `tillsync server nightly --chain DIR [--schedule HH:MM]`: the actions behind the flags (loaded only
 * when used). Progress: a bar over the stores on a TTY, and one line per store as it finishes
 * (stderr, so that --json keeps stdout to its documents); the daily log of the chain folder gets each
 * night's summary.
 */
import { resolve } from 'node:path';
import { writeEvent, type CommandContext, type CommandResult } from '../../cli/output.ts';
import { appendDayLog } from '../log-book.ts';
import { parseHhMm } from '../intake/nightly-scheduler.ts';
import { listChainStores, selectStores } from './chain-stores.ts';
import { runChainNight } from './chain-nightly.ts';
import { chainNightReport, renderChainNight, storeLine, type ChainNightReport } from './chain-report.ts';
import { runChainSchedule } from './chain-schedule.ts';

interface ChainNightArgs {
  chain: string;
  stores: string;
  workers: number;
  until?: string;
  fullCheck?: boolean;
}

/** One night of the chosen stores, its summary in the chain's daily log. Stores are listed anew each night: a store added to the chain folder joins the next one. */
async function chainNight(o: ChainNightArgs, ctx: CommandContext, label: string): Promise<{ report: ChainNightReport; text: string }> {
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
  appendDayLog(chain, `${label}: ${text.split('\n').pop()}`);
  return { report, text };
}

export async function chainNightAction(o: ChainNightArgs, ctx: CommandContext): Promise<CommandResult> {
  const { report, text } = await chainNight(o, ctx, 'chain nightly');
  return { data: report, text, exitCode: report.exitCode };
}

/**
 * Stays running: the chain's night every day at `schedule` (server/chain/chain-schedule.ts), until
 * SIGINT or SIGTERM (a night in progress is finished first). Events on stdout, one line each (with
 * --json one JSON object a line, as `server start`); each night's stores on stderr as they finish.
 */
export async function chainScheduleAction(o: Omit<ChainNightArgs, 'until'> & { schedule: string; runNow?: boolean }, ctx: CommandContext): Promise<CommandResult> {
  parseHhMm(o.schedule, '--schedule');
  selectStores(listChainStores(resolve(o.chain)), o.stores); // a wrong chain or store id fails now, not at night
  const say = (event: string, extra: Record<string, unknown> = {}) => writeEvent(ctx.json, event, extra);
  const stop = new AbortController();
  let running = false;
  const onSignal = (signal: string) => () => {
    say(`${signal}: stopping${running ? ' once the night in progress has finished' : ''}…`);
    stop.abort();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let failed = 0;
  try {
    const nights = await runChainSchedule({
      hhmm: o.schedule,
      runNow: o.runNow,
      signal: stop.signal,
      onNext: (at) => say(`next chain night at ${at.toISOString()} (${o.schedule} local time), ${o.workers} worker(s); Ctrl-C to stop`, { next: at.toISOString() }),
      runNight: async () => {
        running = true;
        say(`chain night started: stores ${o.stores}, ${o.workers} worker(s)`);
        try {
          const { report, text } = await chainNight(o, ctx, 'chain nightly (schedule)');
          if (report.exitCode === 1) failed++;
          say(`chain night done: ${text.split('\n').pop()}`, { report });
        } finally {
          running = false;
        }
      },
      onError: (e) => {
        failed++;
        const message = (e as Error)?.message ?? String(e);
        appendDayLog(resolve(o.chain), `chain nightly (schedule) failed: ${message}`);
        say(`chain night failed: ${message}`);
      },
    });
    return { data: { stopped: true, nights, failedNights: failed }, text: `chain schedule stopped after ${nights} night(s), ${failed} failed` };
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
