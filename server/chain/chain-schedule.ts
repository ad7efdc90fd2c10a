/**
 * `server nightly --chain DIR --schedule HH:MM`: the chain's own scheduler. A store's
 * `server start --nightly` runs that store alone; a chain needs its stores spread over N workers, so
 * the chain has one scheduler of its own that stays running and starts the chain's night every day at
 * HH:MM local time. One night at a time: the next HH:MM is taken after the night ends, so a night
 * that runs past it never starts twice. A failing night is reported and the schedule goes on.
 */
import { nextRun } from '../intake/nightly-scheduler.ts';

export interface ScheduleClock {
  now(): Date;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: ScheduleClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface ChainScheduleOptions {
  hhmm: string;
  /** One night of the chain; a throw is reported through onError and the schedule goes on. */
  runNight: () => Promise<void>;
  signal: AbortSignal;
  /** Run one night at once before waiting for the first HH:MM (a night missed while the scheduler was down). */
  runNow?: boolean;
  onNext?: (at: Date) => void;
  onError?: (e: unknown) => void;
  clock?: ScheduleClock;
}

/** Runs until `signal` aborts (a night in progress is finished first); returns how many nights ran. */
export async function runChainSchedule(o: ChainScheduleOptions): Promise<number> {
  const clock = o.clock ?? systemClock;
  let nights = 0;
  const night = async () => {
    nights++;
    try {
      await o.runNight();
    } catch (e) {
      o.onError?.(e);
    }
  };
  if (o.runNow && !o.signal.aborted) await night();
  while (!o.signal.aborted) {
    const now = clock.now();
    const at = nextRun(o.hhmm, now);
    o.onNext?.(at);
    await clock.sleep(at.getTime() - now.getTime(), o.signal);
    if (o.signal.aborted) break;
    await night();
  }
  return nights;
}
