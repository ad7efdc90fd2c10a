/**
 * Issue 14: a long outage cannot be extracted — building a package of 200,000 tickets overflowed
 * the stack. A backlog of one till, put straight into its disk store (not sold one by one), goes
 * through the real extraction (streamed page by page into ONE package) and the real intake of a
 * fresh SQLite server; each side runs in its own process and reports its peak memory.
 *
 * 30,000 tickets prove what 200,000 did, in a small part of the time, because the extraction's
 * limits are scaled down with them: its stack is cut to STACK_KB, where one spread or call over all
 * the tickets overflows (a spread of 15,000 arguments already does; Node's default stack takes
 * ~120,000), and its heap to HEAP_MB, below what the 30,000 tickets take when held whole (≈ 65 MB
 * as objects, on top of the ≈ 18 MB the extraction holds once its store is open). Much of the
 * test's time is putting the tickets into the till store, which it does not test: 50,000 cost a
 * quarter more CPU and proved nothing more. The big volumes are `tillsync bench backlog`
 * (--backlog 1000000, BENCHMARKS.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchBacklog } from '../../bench/bench-backlog.ts';

const TICKETS = 30_000;
const STACK_KB = 100;
const HEAP_MB = 64;

describe('a 30,000-ticket backlog, till → server in one package, under a scaled-down stack and heap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-backlog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is extracted as one package and taken in whole, in bounded memory', async () => {
    const r = await benchBacklog({ tickets: TICKETS, dir, heapMB: HEAP_MB, stackKB: STACK_KB });
    console.log(`backlog ${TICKETS}: extraction ${(r.extract.ms / 1000).toFixed(1)} s, ${r.extract.peakRssMB.toFixed(0)} MB; intake ${(r.intake.ms / 1000).toFixed(1)} s, ${r.intake.peakRssMB.toFixed(0)} MB`);
    expect(r.extract.tickets).toBe(TICKETS);
    expect(r.intake).toMatchObject({ tickets: TICKETS, accepted: TICKETS, errors: 0, stored: TICKETS });
    // The extraction holds one page of tickets, not the backlog: it runs under a JavaScript heap cap
    // (HEAP_MB) that the backlog held in memory would break. Its RSS adds the runtime and Deno KV's
    // SQLite pages.
    expect(r.extract.peakRssMB).toBeLessThan(512);
    // Intake streams tickets.jsonl (a page of lines at a time); most of its RSS is worker threads
    // and the runtime.
    expect(r.intake.peakRssMB).toBeLessThan(1024);
  }, 3_600_000);
});
