import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChainNight } from './chain-nightly.ts';
import { chainExitCode, chainNightReport, renderChainNight } from './chain-report.ts';
import { listChainStores, selectStores } from './chain-stores.ts';

const stores = ['A', 'B', 'C', 'D', 'E'].map((id) => ({ id, data: `/chain/stores/${id}` }));

describe("a chain's night", () => {
  it('keeps at most N stores running, each store once, and goes on past a store that throws', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const nights = runChainNight(stores, {
      workers: 2,
      runStore: async (s) => {
        running++;
        peak = Math.max(peak, running);
        order.push(s.id);
        // Each store waits until the test lets it finish: no timing, only the order of events.
        await new Promise<void>((r) => gates.set(s.id, r));
        running--;
        if (s.id === 'B') throw new Error('worker process could not start');
        return { exitCode: s.id === 'D' ? 3 : 0, peakRssMb: 100, cpuSeconds: 1, report: null, error: null };
      },
    });
    const release = async (id: string) => {
      while (!gates.has(id)) await new Promise((r) => setImmediate(r));
      gates.get(id)!();
    };
    await release('A');
    await release('B');
    await release('C');
    await release('D');
    await release('E');
    const out = await nights;
    expect(peak).toBe(2);
    expect(order).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(out.map((n) => [n.store, n.exitCode, n.error])).toEqual([
      ['A', 0, null],
      ['B', null, 'worker process could not start'],
      ['C', 0, null],
      ['D', 3, null],
      ['E', 0, null],
    ]);
  });

  it('exits 1 if any store failed, else by the worst store: 4 books check, 3 left out, 0', () => {
    const c = (...codes: (number | null)[]) => chainExitCode(codes.map((exitCode) => ({ exitCode })));
    expect([c(0, 0), c(0, 3), c(3, 4, 0), c(4, 1), c(0, null), c(0, 2)]).toEqual([0, 3, 4, 1, 1, 1]);
    const r = chainNightReport(
      [
        { store: 'A', data: '/a', exitCode: 0, seconds: 1, peakRssMb: 120, cpuSeconds: 1, report: null, error: null },
        { store: 'B', data: '/b', exitCode: 1, seconds: 2, peakRssMb: null, cpuSeconds: null, report: null, error: 'integrate: disk full' },
      ],
      { workers: 2, until: null, seconds: 2.5 },
    );
    expect(r.counts).toEqual({ stores: 2, ok: 1, leftOut: 0, booksCheckFailed: 0, failed: 1 });
    expect(renderChainNight(r).split('\n')).toEqual([
      'A: done (exit 0, 1.0 s, 120 MB)',
      'B: FAILED: integrate: disk full (exit 1, 2.0 s)',
      'chain: 2 store(s) with 2 worker(s) in 2.5 s: 1 ok, 0 left something out, 0 books check failed, 1 failed; 1 store(s) failed (exit 1): run those again with --stores ID,ID once fixed (finished steps do not repeat their work)',
    ]);
  });

  it('lists the stores of a chain folder and refuses an unknown id before anything runs', () => {
    const chain = mkdtempSync(join(tmpdir(), 'tillsync-chain-list-'));
    try {
      for (const id of ['S02', 'S01', 'notastore']) mkdirSync(join(chain, 'stores', id), { recursive: true });
      for (const id of ['S02', 'S01']) writeFileSync(join(chain, 'stores', id, 'server.json'), '{}');
      const all = listChainStores(chain);
      expect(all.map((s) => s.id)).toEqual(['S01', 'S02']);
      expect(selectStores(all, 'all')).toEqual(all);
      expect(selectStores(all, 'S02').map((s) => s.data)).toEqual([join(chain, 'stores', 'S02')]);
      expect(() => selectStores(all, 'S01,S09')).toThrow('--stores: S09 is not in the chain (2 store(s) under stores/)');
      expect(() => listChainStores(join(chain, 'nope'))).toThrow(/is not a chain folder/);
    } finally {
      rmSync(chain, { recursive: true, force: true });
    }
  });
});
