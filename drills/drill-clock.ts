/**
 * Drill: till clocks an hour off. A till's clock decides both `soldAt` and the business `day` it
 * writes on each ticket (client/sale.ts: day = the local date of soldAt). Three tills:
 *  - 01 is an hour AHEAD and sells from 22:00 to 24:00 real time: its sales after 23:00 carry the
 *    next day;
 *  - 02 is an hour BEHIND and sells from 00:00 to 02:00: its sales before 01:00 carry the previous day;
 *  - 03 is an hour ahead RIGHT NOW: its tickets are stamped an hour in the server's future.
 * Right behaviour: nothing is refused or flagged for its time; every ticket is stored and integrated
 * by the `day` it carries (a run up to day D takes exactly the tickets of days ≤ D), and every
 * document holds tickets of its own day only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTillTickets } from '../fixtures/volume.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { GENESIS_HASH, hashTicket } from '../sync/ticket-chain.ts';
import type { Ticket } from '../sync/types.ts';
import { checkServerState, failedChecks } from './drill-checks.ts';
import { DrillFailure } from './drill-failure.ts';
import { initDrillServer, withDrillDb } from './drill-server.ts';
import { addDays, DRILL_STORE } from './drill-tickets.ts';
import { runTillsync } from '../cli/spawn-tillsync.ts';

export interface ClockDrillOptions {
  dir: string;
  seed: number;
  ticketsPerTill?: number;
  db?: string;
  log?: (line: string) => void;
}

export interface ClockDrillReport {
  drill: 'clock';
  seed: number;
  tickets: number;
  /** Tickets whose day differs from the real day of the sale because of the clock. */
  shiftedAcrossMidnight: number;
  daysIntegrated: string[];
  documents: number;
}

const HOUR = 3_600_000;

/** The till's tickets with `soldAt` (and so `day`) as its wrong clock shows them, chained again. */
export function retime(tickets: Ticket[], clockAt: (i: number) => Date): Ticket[] {
  let prevHash = GENESIS_HASH;
  return tickets.map((t, i) => {
    const at = clockAt(i);
    const { hash: _old, ...body } = t;
    const moved = { ...body, soldAt: at.toISOString(), day: at.toISOString().slice(0, 10), prevHash };
    const ticket = { ...moved, hash: hashTicket(moved) } as Ticket;
    prevHash = ticket.hash;
    return ticket;
  });
}

export async function runClockDrill(opts: ClockDrillOptions): Promise<ClockDrillReport> {
  const log = opts.log ?? (() => {});
  const n = opts.ticketsPerTill ?? 12;
  const data = join(opts.dir, 'clock-server');
  const out = join(opts.dir, 'clock-packages');
  mkdirSync(out, { recursive: true });
  const fail = (what: string) => new DrillFailure(`clock (seed ${opts.seed}): ${what}`, { drill: 'clock', seed: opts.seed });
  const server = await initDrillServer(data, { tills: 3, db: opts.db });

  const day = '2026-11-02';
  const midnight = Date.parse(`${addDays(day, 1)}T00:00:00Z`);
  const now = Date.now();
  const spread = (from: number, i: number) => new Date(from + Math.floor((i * 2 * HOUR) / n) + 1000);
  const plan: { till: string; real: (i: number) => Date; skew: number }[] = [
    { till: '01', real: (i) => spread(midnight - 2 * HOUR, i), skew: +HOUR },
    { till: '02', real: (i) => spread(midnight, i), skew: -HOUR },
    { till: '03', real: (i) => new Date(now - n * 1000 + i * 1000), skew: +HOUR },
  ];

  const expected = new Map<string, string>();
  const byDay = new Map<string, number>();
  let shifted = 0;
  const files: string[] = [];
  for (const p of plan) {
    const base = [...generateTillTickets(p.till, { store: DRILL_STORE, tills: 3, ticketsPerTill: n, seed: opts.seed })];
    const tickets = retime(base, (i) => new Date(p.real(i).getTime() + p.skew));
    tickets.forEach((t, i) => {
      expected.set(t.id, t.hash);
      byDay.set(t.day, (byDay.get(t.day) ?? 0) + 1);
      if (t.day !== p.real(i).toISOString().slice(0, 10)) shifted++;
    });
    const pkg = buildTicketPackage({ store: DRILL_STORE, till: p.till, kind: 'degraded', tickets, signer: server.signers.get(p.till)!, created: new Date(tickets[tickets.length - 1].soldAt) });
    const file = join(out, pkg.fileName);
    writeFileSync(file, pkg.bytes);
    files.push(file);
  }
  if (shifted === 0) throw fail('no ticket crossed midnight: the drill tests nothing');
  log(`clock: ${expected.size} tickets over days ${[...byDay.keys()].sort().join(', ')}, ${shifted} moved to another day by the clock`);

  const intake = await runTillsync(['server', 'intake', '--data', data, ...files, '--json'], { timeoutMs: 120_000 });
  if (intake.code !== 0) throw fail(`server intake refused part of the packages: ${intake.stderr.trim() || intake.stdout.trim()}`);

  const days = [...byDay.keys()].sort();
  const integrated: string[] = [];
  let documents = 0;
  // Two runs: up to the first (shifted) day, then everything: the first must stop exactly at its day.
  for (const until of [days[0], days[days.length - 1]]) {
    const r = await runTillsync(['server', 'integrate', '--data', data, '--until', until, '--json'], { timeoutMs: 120_000 });
    if (r.code !== 0) throw fail(`server integrate --until ${until} failed: ${r.stderr.trim()}`);
    integrated.push(until);
    const problems = await withDrillDb(server, async (db) => {
      const found: string[] = [];
      const rows = await db.selectFrom('tickets').select(['id', 'day', 'status', 'status_reason', 'integration_batch', 'document_id']).execute();
      for (const t of rows) {
        if (t.status !== 'received') found.push(`${t.id} (day ${t.day}) flagged ${t.status}: ${t.status_reason}`);
        const shouldBe = t.day <= until;
        if (shouldBe !== (t.integration_batch !== null)) found.push(`${t.id} of day ${t.day} ${shouldBe ? 'not integrated' : 'integrated'} by a run up to ${until}`);
      }
      const docs = await db.selectFrom('documents').select(['id', 'number', 'day']).execute();
      documents = docs.length;
      const docDay = new Map(docs.map((d) => [Number(d.id), d]));
      for (const t of rows) {
        const d = t.document_id === null ? undefined : docDay.get(Number(t.document_id));
        if (d && d.day !== t.day) found.push(`${t.id} of day ${t.day} is in document ${d.number} of day ${d.day}`);
      }
      const errors = await db.selectFrom('log_book').select(['message']).where('severity', '=', 'error').execute();
      for (const e of errors) found.push(`log book error: ${e.message}`);
      const checks = failedChecks(await checkServerState(db, { tickets: expected, integratedThrough: until }, data));
      for (const c of checks) found.push(`${c.name}: ${c.detail}`);
      return found;
    });
    if (problems.length) throw fail(`after integrating up to ${until}: ${problems.slice(0, 5).join('; ')}`);
  }
  return { drill: 'clock', seed: opts.seed, tickets: expected.size, shiftedAcrossMidnight: shifted, daysIntegrated: integrated, documents };
}
