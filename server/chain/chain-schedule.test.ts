import { describe, expect, it } from 'vitest';
import { runChainSchedule, type ScheduleClock } from './chain-schedule.ts';

/** A clock the test moves: sleeping advances it at once; a night takes the time the test gives it. */
function manualClock(start: string) {
  let now = new Date(start);
  const slept: number[] = [];
  const clock: ScheduleClock = {
    now: () => new Date(now),
    sleep: async (ms, signal) => {
      if (signal.aborted) return;
      slept.push(ms);
      now = new Date(now.getTime() + ms);
    },
  };
  return { clock, slept, advance: (ms: number) => (now = new Date(now.getTime() + ms)), now: () => now };
}

const at = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')} ${d.getDate()}`;

describe("the chain's scheduler", () => {
  it('runs one night each day at HH:MM local time, the next taken after the night ends', async () => {
    const c = manualClock('2026-12-06T10:00:00');
    const stop = new AbortController();
    const starts: string[] = [];
    const nexts: string[] = [];
    const nights = await runChainSchedule({
      hhmm: '02:30',
      signal: stop.signal,
      clock: c.clock,
      onNext: (d) => nexts.push(at(d)),
      runNight: async () => {
        starts.push(at(c.now()));
        c.advance(40 * 60_000); // a 40-minute night
        if (starts.length === 3) stop.abort();
      },
    });
    expect(nights).toBe(3);
    expect(starts).toEqual(['02:30 7', '02:30 8', '02:30 9']);
    expect(nexts).toEqual(['02:30 7', '02:30 8', '02:30 9']);
    // 16 h 30 to the first night, then a day less the 40 minutes of each night.
    expect(c.slept).toEqual([16.5 * 3_600_000, 24 * 3_600_000 - 40 * 60_000, 24 * 3_600_000 - 40 * 60_000]);
  });

  it('never starts a night twice: one running past the next HH:MM makes the next start a day later', async () => {
    const c = manualClock('2026-12-06T02:29:00');
    const stop = new AbortController();
    const starts: string[] = [];
    await runChainSchedule({
      hhmm: '02:30',
      signal: stop.signal,
      clock: c.clock,
      runNight: async () => {
        starts.push(at(c.now()));
        c.advance(starts.length === 1 ? 25 * 3_600_000 : 60_000); // the first night takes 25 hours
        if (starts.length === 2) stop.abort();
      },
    });
    expect(starts).toEqual(['02:30 6', '02:30 8']);
  });

  it('reports a failing night and goes on; --run-now runs one night before waiting', async () => {
    const c = manualClock('2026-12-06T10:00:00');
    const stop = new AbortController();
    const starts: string[] = [];
    const errors: string[] = [];
    const nights = await runChainSchedule({
      hhmm: '23:00',
      runNow: true,
      signal: stop.signal,
      clock: c.clock,
      onError: (e) => errors.push((e as Error).message),
      runNight: async () => {
        starts.push(at(c.now()));
        if (starts.length === 1) throw new Error('stores/ is not readable');
        stop.abort();
      },
    });
    expect([nights, starts, errors]).toEqual([2, ['10:00 6', '23:00 6'], ['stores/ is not readable']]);
  });

  it('stops when asked while waiting (real timers: the wait for midnight ends at once), and runs nothing more', async () => {
    const stop = new AbortController();
    let ran = 0;
    const done = runChainSchedule({ hhmm: '00:00', signal: stop.signal, runNight: async () => void ran++, onNext: () => setImmediate(() => stop.abort()) });
    expect(await done).toBe(0);
    expect(ran).toBe(0);
  });
});
