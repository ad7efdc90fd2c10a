/**
 * `server start --nightly HH:MM`: runs server/nightly.ts runNightly every day at that local time.
 * A failing run is logged and the next one is still scheduled.
 */
import type { ServerContext } from '../context.ts';
import { runNightly } from '../nightly.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { TillsyncError } from '../../sync/errors.ts';

export function parseHhMm(text: string, option = '--nightly'): { h: number; m: number } {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new TillsyncError('usage', `${option} ${text} is not a time of day`, { hint: `give HH:MM, e.g. ${option} 02:30` });
  return { h: Number(m[1]), m: Number(m[2]) };
}

/** The next local moment at HH:MM strictly after `now`. */
export function nextRun(hhmm: string, now = new Date()): Date {
  const { h, m } = parseHhMm(hhmm);
  const at = new Date(now);
  at.setHours(h, m, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

export interface NightlySchedule {
  next(): Date;
  /** Resolves when a run in progress (if any) has finished. */
  stop(): Promise<void>;
}

export function scheduleNightly(ctx: ServerContext, hhmm: string, opts: { onRun?: (line: string) => void } = {}): NightlySchedule {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let at = nextRun(hhmm);
  let stopped = false;

  const arm = () => {
    if (stopped) return;
    at = nextRun(hhmm);
    timer = setTimeout(fire, Math.max(0, at.getTime() - Date.now()));
  };
  const fire = () => {
    running = (async () => {
      const started = new Date();
      try {
        const results = await runNightly(ctx, { trigger: 'schedule' });
        const line = `nightly run ${started.toISOString()}: ${results.map((r) => r.step).join(' → ') || 'no steps'} done`;
        appendDayLog(ctx.data, `INFO ${line}`);
        opts.onRun?.(line);
      } catch (e) {
        const line = `nightly run ${started.toISOString()} failed: ${(e as Error).message}`;
        await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'nightly', message: line }).catch(() => undefined);
        opts.onRun?.(line);
      }
    })();
    void running.then(arm);
  };
  arm();
  return {
    next: () => at,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
