/**
 * `tillsync bench intake`: tickets per second for one N-ticket package through the real intake
 * (zip checks, signature, checksums, every ticket hashed, chain, dedupe, one transaction), beside
 * the raw floor measured in the same run on the same engine: the same rows inserted into the same
 * migrated `tickets` table by a bare prepared statement in one transaction (better-sqlite3
 * directly; pg with multi-row INSERTs). The target is intake within 3× of the floor.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openDatabase, type Db } from '../server/db/database.ts';
import { generateTillTickets } from '../fixtures/volume.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { generateTillKeyPair } from '../sync/till-keys.ts';
import { canonicalJson } from '../sync/ticket-chain.ts';
import type { Ticket } from '../sync/types.ts';
import { enrollTill } from '../server/intake/till-registry.ts';
import { intakePackage, type PackageInput } from '../server/intake/intake.ts';

export interface BenchIntakeEngine {
  engine: 'sqlite' | 'postgres';
  intakeSeconds: number;
  intakeTicketsPerSecond: number;
  rawSeconds: number;
  rawTicketsPerSecond: number;
  /** intake time / raw floor time (target ≤ 3). */
  ratio: number;
  /**
   * Where the intake time went (seconds): opening the package (zip, signature, checksums, line
   * index), judging the lines inline (JSON, restored fields, hash, checks), the transaction —
   * which, when the lines are judged in worker threads, holds their judging too.
   */
  phases: { read: number; check: number; apply: number };
  /** Where the lines were judged: 'workers' (threads, beside the inserts) or 'inline'. */
  lines: 'inline' | 'workers';
  /** Pages of lines judged by the main thread and by worker threads. */
  judged: { here: number; workers: number };
}

export interface BenchIntakeResult {
  tickets: number;
  packageBytes: number;
  engines: BenchIntakeEngine[];
}

const COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

function rawRow(t: Ticket, now: string): unknown[] {
  return [t.id, t.store, t.till, t.number, t.day, t.soldAt, t.customer, t.totals.inclVat, t.totals.due, t.hash, t.prevHash, t.degraded ? 1 : 0, canonicalJson(t), 'bench', null, now, 'received', null, null, null, null, now];
}

async function adminCreateDb(pgUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return pgUrl.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`);
}

async function adminDropDb(pgUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
}

async function timeIntake(db: Db, data: string, pkg: { bytes: Buffer; fileName: string }, count: number): Promise<{ seconds: number; phases: BenchIntakeEngine['phases']; lines: BenchIntakeEngine['lines']; judged: BenchIntakeEngine['judged'] }> {
  const timings: NonNullable<PackageInput['timings']> = {};
  const t0 = performance.now();
  const out = await intakePackage({ db, data }, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'manual', timings });
  const seconds = (performance.now() - t0) / 1000;
  if (out.status !== 'accepted' || out.counts.accepted !== count) throw new Error(`bench intake did not store every ticket: ${JSON.stringify(out.status === 'accepted' ? out.counts : out)}`);
  return { seconds, phases: { read: round((timings.read ?? 0) / 1000), check: round((timings.check ?? 0) / 1000), apply: round((timings.apply ?? 0) / 1000) }, lines: timings.lines ?? 'inline', judged: timings.judged ?? { here: 0, workers: 0 } };
}

/** One engine: a fresh database for the floor and one for the intake, per round. */
interface EngineRunner {
  raw(rows: unknown[][]): Promise<number>;
  intake(n: number): Promise<{ seconds: number; phases: BenchIntakeEngine['phases']; lines: BenchIntakeEngine['lines']; judged: BenchIntakeEngine['judged']; packageBytes: number }>;
  cleanup(): Promise<void>;
}

const BENCH_KEY = generateTillKeyPair();

/** The till enrolled with a known signing key, so one package serves every round. */
async function enrollBenchTill(db: Db, data: string): Promise<void> {
  await enrollTill(db, { data, store: 'S1', till: '01', publicKeyPem: BENCH_KEY.publicKeyPem });
}

function sqliteRunner(dir: string, pkg: { bytes: Buffer; fileName: string }): EngineRunner {
  let round = 0;
  return {
    async raw(rows) {
      const rawDir = join(dir, `sqlite-raw-${round}`);
      rmSync(rawDir, { recursive: true, force: true });
      await (await openDatabase({ data: rawDir })).destroy();
      const sqlite = new BetterSqlite3(join(rawDir, 'tillsync.sqlite'));
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      const stmt = sqlite.prepare(`INSERT INTO tickets (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`);
      const t0 = performance.now();
      sqlite.transaction(() => {
        for (const r of rows) stmt.run(...r);
      })();
      const seconds = (performance.now() - t0) / 1000;
      sqlite.close();
      rmSync(rawDir, { recursive: true, force: true });
      return seconds;
    },
    async intake(n) {
      const intakeDir = join(dir, `sqlite-intake-${round++}`);
      rmSync(intakeDir, { recursive: true, force: true });
      const db = await openDatabase({ data: intakeDir });
      try {
        await enrollBenchTill(db, intakeDir);
        return { ...(await timeIntake(db, intakeDir, pkg, n)), packageBytes: pkg.bytes.length };
      } finally {
        await db.destroy();
        rmSync(intakeDir, { recursive: true, force: true });
      }
    },
    async cleanup() {},
  };
}

function postgresRunner(dir: string, pgUrl: string, pkg: { bytes: Buffer; fileName: string }): EngineRunner {
  const stamp = `${process.pid}_${Date.now().toString(36)}`;
  const created: string[] = [];
  let round = 0;
  const fresh = async (what: string) => {
    const name = `tillsync_bench_${what}_${stamp}_${round}`;
    created.push(name);
    return adminCreateDb(pgUrl, name);
  };
  return {
    async raw(rows) {
      const url = await fresh('raw');
      await (await openDatabase({ url })).destroy();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const per = 1000;
        const t0 = performance.now();
        await client.query('BEGIN');
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          const params: unknown[] = [];
          const tuples = chunk.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(',')})`);
          await client.query(`INSERT INTO tickets (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`, params);
        }
        await client.query('COMMIT');
        return (performance.now() - t0) / 1000;
      } finally {
        await client.end();
      }
    },
    async intake(n) {
      const url = await fresh('intake');
      round++;
      const db = await openDatabase({ url });
      const dataDir = join(dir, 'pg-intake');
      mkdirSync(dataDir, { recursive: true });
      try {
        await enrollBenchTill(db, dataDir);
        return { ...(await timeIntake(db, dataDir, pkg, n)), packageBytes: pkg.bytes.length };
      } finally {
        await db.destroy();
      }
    },
    async cleanup() {
      for (const name of created) await adminDropDb(pgUrl, name).catch(() => undefined);
    },
  };
}

/**
 * The floor's rows and the package, from tickets generated here and let go on return: a server
 * taking a package does not hold 100,000 parsed tickets besides, and in a heap that does, every
 * large buffer intake allocates (the inflated lines) sets off garbage collection over them all.
 */
function benchInputs(n: number): { rows: unknown[][]; pkg: ReturnType<typeof buildTicketPackage> } {
  const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: n, seed: 11, days: Math.max(1, Math.ceil(n / 5000)) })];
  const now = new Date().toISOString();
  const rows = tickets.map((t) => rawRow(t, now));
  const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, signer: { key: BENCH_KEY } });
  return { rows, pkg };
}

/**
 * `repeats` rounds per engine, each with fresh databases; the best time of each side is kept
 * (the least disturbed by whatever else the machine is doing), and the phases of the best intake.
 */
export async function benchIntake(opts: { tickets?: number; dir: string; pgUrl?: string; repeats?: number; log?: (s: string) => void }): Promise<BenchIntakeResult> {
  const n = opts.tickets ?? 100_000;
  const repeats = Math.max(1, opts.repeats ?? 1);
  const log = opts.log ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  log(`generating ${n} chained tickets…`);
  const { rows, pkg } = benchInputs(n);
  const engines: BenchIntakeEngine[] = [];
  const runners: [BenchIntakeEngine['engine'], EngineRunner][] = [['sqlite', sqliteRunner(opts.dir, pkg)]];
  if (opts.pgUrl) runners.push(['postgres', postgresRunner(opts.dir, opts.pgUrl, pkg)]);
  for (const [engine, runner] of runners) {
    try {
      let raw = Infinity;
      let best: Awaited<ReturnType<EngineRunner['intake']>> | null = null;
      for (let r = 0; r < repeats; r++) {
        raw = Math.min(raw, await runner.raw(rows));
        const i = await runner.intake(n);
        if (!best || i.seconds < best.seconds) best = i;
      }
      engines.push(figures(engine, n, best!, raw));
      log(line(engines[engines.length - 1], n));
    } finally {
      await runner.cleanup();
    }
  }
  return { tickets: n, packageBytes: pkg.bytes.length, engines };
}

function figures(engine: 'sqlite' | 'postgres', n: number, intake: { seconds: number; phases: BenchIntakeEngine['phases']; lines: BenchIntakeEngine['lines']; judged: BenchIntakeEngine['judged'] }, rawSeconds: number): BenchIntakeEngine {
  const intakeSeconds = intake.seconds;
  return {
    engine,
    intakeSeconds: round(intakeSeconds),
    intakeTicketsPerSecond: Math.round(n / intakeSeconds),
    rawSeconds: round(rawSeconds),
    rawTicketsPerSecond: Math.round(n / rawSeconds),
    ratio: Math.round((intakeSeconds / rawSeconds) * 100) / 100,
    phases: intake.phases,
    lines: intake.lines,
    judged: intake.judged,
  };
}

function line(e: BenchIntakeEngine, n: number): string {
  return `${e.engine}: intake ${n} tickets in ${e.intakeSeconds} s (${e.intakeTicketsPerSecond}/s); raw floor ${e.rawSeconds} s (${e.rawTicketsPerSecond}/s); ratio ${e.ratio}× (target ≤ 3×); intake = read ${e.phases.read} s + check ${e.phases.check} s + transaction ${e.phases.apply} s (lines read and judged during the transaction: ${e.lines === 'workers' ? `${e.judged.workers} pages in a worker thread, ${e.judged.here} here` : `${e.judged.here} pages in this thread`})`;
}

/** Seconds to the millisecond, ratios to the hundredth. */
const round = (x: number): number => Math.round(x * 1000) / 1000;
