/**
 * A real `tillsync till start` child process sells a burst of tickets through its local API and is
 * SIGKILLed in the middle of it. After a restart every sale acknowledged to the caller is there,
 * numbering has no gap, the chain verifies, and selling continues from the right number.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, lineMatching, startCli, type RunningCli } from '../support/cli-harness.ts';
import { verifyChain } from '../../sync/ticket-chain.ts';
import type { Ticket } from '../../sync/types.ts';
import { readLock } from '../../client/lock.ts';
import { readApiToken, TOKEN_HEADER } from '../../client/api-token.ts';

const auth = (dir: string) => ({ [TOKEN_HEADER]: readApiToken(dir) ?? '' });

const dir = mkdtempSync(join(tmpdir(), 'tillsync-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const READY = /ready on (http:\/\/[\d.]+:\d+)/;

async function start(): Promise<{ till: RunningCli<RegExpExecArray>; url: string }> {
  const till = await startCli(['till', 'start', '--data', dir, '--port', '0'], lineMatching(READY), { timeoutMs: 60_000 });
  return { till, url: READY.exec(till.output())![1] };
}

const SALES = [
  { lines: [{ article: 'A000001', qty: 1 }], payments: [{ mode: 'ESP', amount: '125.60' }] },
  { lines: [{ article: 'A000002', qty: 2 }, { article: 'A000003', qty: 1 }], payments: [{ mode: 'CB', amount: '400.00' }, { mode: 'ESP', amount: '72.82' }] },
  { customer: 'C0000002', lines: [{ article: 'A000001', qty: 1, return: true }], payments: [{ mode: 'ESP', amount: '-125.60' }] },
];

/**
 * Four cashiers sell as fast as the till answers; `acknowledged` gets every ticket the till
 * answered 201 for. Stops at the first connection error (the till is dead).
 */
async function burst(url: string, acknowledged: Ticket[], killAfter: number, kill: () => void): Promise<number> {
  let attempts = 0;
  let killed = false;
  const cashier = async (k: number) => {
    for (let i = 0; ; i++) {
      attempts++;
      let res: Response;
      try {
        res = await fetch(`${url}/api/till/sell`, { method: 'POST', headers: { ...auth(dir), 'content-type': 'application/json' }, body: JSON.stringify(SALES[(i + k) % SALES.length]) });
      } catch {
        return; // connection reset or refused: the till was killed
      }
      if (res.status !== 201) throw new Error(`sale refused: ${res.status} ${await res.text()}`);
      let t: Ticket;
      try {
        t = (await res.json()) as Ticket;
      } catch {
        return;
      }
      const { packagedIn: _p, acknowledgedAt: _a, documentNumber: _d, ...sold } = t as Ticket & Record<string, unknown>;
      acknowledged.push(sold as unknown as Ticket);
      if (!killed && acknowledged.length >= killAfter) {
        killed = true;
        kill();
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(cashier));
  return attempts;
}

async function storedTickets(url: string): Promise<Ticket[]> {
  const res = await fetch(`${url}/api/till/tickets?limit=1000`, { headers: auth(dir) });
  expect(res.status).toBe(200);
  // Without the till's local flags: the hash covers the ticket as sold.
  return ((await res.json()) as { tickets: (Ticket & Record<string, unknown>)[] }).tickets
    .map(({ packagedIn: _p, acknowledgedAt: _a, documentNumber: _d, ...t }) => t as unknown as Ticket)
    .sort((a, b) => a.number - b.number);
}

describe('till crash (SIGKILL mid-burst)', () => {
  it('keeps every acknowledged sale, without gaps, chained, and sells on from the right number', async () => {
    const init = await runCli(['--json', 'till', 'init', '--demo-base', '--data', dir, '--store', 'S1', '--till', '01'], { timeoutMs: 60_000 });
    expect(init.code, init.stderr).toBe(0);

    const acknowledged: Ticket[] = [];
    for (const killAfter of [40, 25]) {
      const { till, url } = await start();
      const before = acknowledged.length;
      const attempts = await burst(url, acknowledged, before + killAfter, () => till.child.kill('SIGKILL'));
      await till.kill();
      expect(till.child.signalCode).toBe('SIGKILL');
      // Sales were still in flight when the process died.
      expect(attempts).toBeGreaterThan(acknowledged.length - before);
      expect(acknowledged.length).toBeGreaterThanOrEqual(before + killAfter);
      // The dead process's lock is still there, stale.
      expect(readLock(dir)?.pid).toBe(till.child.pid);
    }

    const { till, url } = await start();
    try {
      const stored = await storedTickets(url);
      const byId = new Map(stored.map((t) => [t.id, t]));
      for (const t of acknowledged) expect(byId.get(t.id)?.hash, `acknowledged ${t.id} lost`).toBe(t.hash);
      expect(stored.map((t) => t.number)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      expect(verifyChain(stored, null)).toEqual([]);

      const next = await fetch(`${url}/api/till/sell`, { method: 'POST', headers: { ...auth(dir), 'content-type': 'application/json' }, body: JSON.stringify(SALES[0]) });
      expect(next.status).toBe(201);
      const t = (await next.json()) as Ticket;
      expect(t.number).toBe(stored.length + 1);
      expect(t.prevHash).toBe(stored[stored.length - 1].hash);

      const status = await (await fetch(`${url}/api/till/status`, { headers: auth(dir) })).json();
      expect(status.counts.total).toBe(stored.length + 1);
      expect(readLock(dir)?.pid).toBe(till.child.pid);
    } finally {
      await till.stop();
    }
    expect(readLock(dir)).toBeNull();
  }, 240_000);
});
