/**
 * Drill: the till process is SIGKILLed in the middle of a burst of sales (several in flight at
 * once on its local API). After a restart: every sale the till acknowledged (HTTP 201) is there
 * with the same hash, numbering is gapless from 1, the hash chain verifies, and the next sale
 * continues the chain.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { rng } from '../fixtures/random.ts';
import { verifyChain } from '../sync/ticket-chain.ts';
import type { Ticket } from '../sync/types.ts';
import { initTill, saleInput, startTill, tillApi, tillArticles, tillTickets } from './drill-till.ts';
import { DrillFailure } from './drill-failure.ts';

export interface TillCrashOptions {
  dir: string;
  seed: number;
  /** Kill/restart cycles. */
  kills?: number;
  /** Sales attempted per burst (the kill lands somewhere inside it). */
  salesPerBurst?: number;
  /** Sales in flight at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface TillCrashCycle {
  cycle: number;
  acknowledged: number;
  /** Sales whose answer never came (cut by the kill): stored or not, both are fine. */
  unanswered: number;
  storedAfterRestart: number;
  lastNumber: number;
}

export interface TillCrashReport {
  drill: 'till-crash';
  seed: number;
  cycles: TillCrashCycle[];
  totalTickets: number;
}

export async function runTillCrashDrill(opts: TillCrashOptions): Promise<TillCrashReport> {
  const r = rng(opts.seed);
  const log = opts.log ?? (() => {});
  const kills = opts.kills ?? 2;
  const perBurst = opts.salesPerBurst ?? 40;
  const concurrency = opts.concurrency ?? 4;
  const data = join(opts.dir, 'till-crash');
  mkdirSync(data, { recursive: true });
  const fail = (cycle: number, what: string) => new DrillFailure(`till-crash cycle ${cycle} (seed ${opts.seed}): ${what}`, { drill: 'till-crash', seed: opts.seed, round: cycle });

  await initTill(data, { articles: 30 });
  const acknowledged = new Map<string, Ticket>();
  const cycles: TillCrashCycle[] = [];
  let till = await startTill(data);
  const articles = await tillArticles(till.url);

  for (let cycle = 1; cycle <= kills; cycle++) {
    // Kill after a seeded number of acknowledged sales, with more in flight at that moment.
    const killAfter = Math.max(1, Math.floor(perBurst * (0.3 + r() * 0.5)));
    let started = 0;
    let acked = 0;
    let unanswered = 0;
    let killed: Promise<void> | null = null;
    const worker = async () => {
      while (started < perBurst && !killed) {
        started++;
        const input = saleInput(r, articles);
        try {
          const res = await tillApi<Ticket & Record<string, unknown>>(till.url, 'POST', '/sell', input);
          if (res.status !== 201) throw fail(cycle, `sale refused with ${res.status}: ${JSON.stringify(res.body)}`);
          const { packagedIn: _p, acknowledgedAt: _a, documentNumber: _d, ...t } = res.body;
          acknowledged.set(t.id as string, t as unknown as Ticket);
          acked++;
          if (acked === killAfter && !killed) killed = till.proc.kill();
        } catch (e) {
          if (e instanceof DrillFailure) throw e;
          unanswered++; // connection cut by the kill
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await (killed ?? till.proc.kill());
    log(`till-crash cycle ${cycle}: killed after ${acked} acknowledged sale(s), ${unanswered} unanswered`);

    till = await startTill(data);
    const stored = await tillTickets(till.url);
    const byId = new Map(stored.map((t) => [t.id, t]));
    for (const [id, t] of acknowledged) {
      const s = byId.get(id);
      if (!s) throw fail(cycle, `acknowledged ticket ${id} is lost after the crash`);
      if (s.hash !== t.hash) throw fail(cycle, `acknowledged ticket ${id} came back with another hash`);
    }
    stored.forEach((t, i) => {
      if (t.number !== i + 1) throw fail(cycle, `numbering not gapless: position ${i + 1} holds ticket ${t.number}`);
    });
    const problems = verifyChain(stored, null);
    if (problems.length) throw fail(cycle, `chain does not verify: ${problems[0].message}`);
    const status = await tillApi<{ lastNumber: number }>(till.url, 'GET', '/status');
    if (status.body.lastNumber !== stored.length) throw fail(cycle, `status says last number ${status.body.lastNumber}, ${stored.length} tickets stored`);
    cycles.push({ cycle, acknowledged: acked, unanswered, storedAfterRestart: stored.length, lastNumber: stored.length });
  }

  // The chain goes on after the last crash.
  const before = await tillTickets(till.url);
  const next = await tillApi<Ticket>(till.url, 'POST', '/sell', saleInput(r, articles));
  const last = before[before.length - 1];
  if (next.status !== 201) throw fail(kills, `sale after restart refused: ${JSON.stringify(next.body)}`);
  if (next.body.number !== last.number + 1 || next.body.prevHash !== last.hash) throw fail(kills, `sale after restart is ticket ${next.body.number} chained to ${next.body.prevHash.slice(0, 8)}, expected ${last.number + 1} chained to ${last.hash.slice(0, 8)}`);
  await till.proc.stop();
  return { drill: 'till-crash', seed: opts.seed, cycles, totalTickets: last.number + 1 };
}
