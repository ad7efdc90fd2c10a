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
import { openDatabase, type Db } from '../db/database.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import type { Ticket } from '../../sync/types.ts';
import { enrollTill } from './till-registry.ts';
import { intakePackage } from './intake.ts';

export interface BenchIntakeEngine {
  engine: 'sqlite' | 'postgres';
  intakeSeconds: number;
  intakeTicketsPerSecond: number;
  rawSeconds: number;
  rawTicketsPerSecond: number;
  /** intake time / raw floor time (target ≤ 3). */
  ratio: number;
  /** Where the intake time went (seconds): package reading (zip, signature, checksums, JSON, per-line hash), ticket checks, the transaction. */
  phases: { read: number; check: number; apply: number };
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

async function timeIntake(db: Db, data: string, pkg: { bytes: Buffer; fileName: string }, count: number): Promise<{ seconds: number; phases: BenchIntakeEngine['phases'] }> {
  const timings: { read?: number; check?: number; apply?: number } = {};
  const t0 = performance.now();
  const out = await intakePackage({ db, data }, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'manual', timings });
  const seconds = (performance.now() - t0) / 1000;
  if (out.status !== 'accepted' || out.counts.accepted !== count) throw new Error(`bench intake did not store every ticket: ${JSON.stringify(out.status === 'accepted' ? out.counts : out)}`);
  return { seconds, phases: { read: round((timings.read ?? 0) / 1000), check: round((timings.check ?? 0) / 1000), apply: round((timings.apply ?? 0) / 1000) } };
}

export async function benchIntake(opts: { tickets?: number; dir: string; pgUrl?: string; log?: (s: string) => void }): Promise<BenchIntakeResult> {
  const n = opts.tickets ?? 100_000;
  const log = opts.log ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  log(`generating ${n} chained tickets…`);
  const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: n, seed: 11, days: Math.max(1, Math.ceil(n / 5000)) })];
  const now = new Date().toISOString();
  const rows = tickets.map((t) => rawRow(t, now));
  const engines: BenchIntakeEngine[] = [];
  let packageBytes = 0;

  // --- SQLite ---
  {
    const rawDir = join(opts.dir, 'sqlite-raw');
    const intakeDir = join(opts.dir, 'sqlite-intake');
    for (const d of [rawDir, intakeDir]) rmSync(d, { recursive: true, force: true });
    await (await openDatabase({ data: rawDir })).destroy();
    const sqlite = new BetterSqlite3(join(rawDir, 'tillsync.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    const stmt = sqlite.prepare(`INSERT INTO tickets (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`);
    const t0 = performance.now();
    sqlite.transaction(() => {
      for (const r of rows) stmt.run(...r);
    })();
    const rawSeconds = (performance.now() - t0) / 1000;
    sqlite.close();

    const db = await openDatabase({ data: intakeDir });
    const { secret } = await enrollTill(db, { store: 'S1', till: '01' });
    const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret });
    packageBytes = pkg.bytes.length;
    const intake = await timeIntake(db, intakeDir, pkg, n);
    await db.destroy();
    engines.push(figures('sqlite', n, intake, rawSeconds));
    log(line(engines[engines.length - 1], n));
  }

  // --- PostgreSQL ---
  if (opts.pgUrl) {
    const stamp = `${process.pid}_${Date.now().toString(36)}`;
    const rawName = `tillsync_bench_raw_${stamp}`;
    const intakeName = `tillsync_bench_intake_${stamp}`;
    try {
      const rawUrl = await adminCreateDb(opts.pgUrl, rawName);
      await (await openDatabase({ url: rawUrl })).destroy();
      const client = new pg.Client({ connectionString: rawUrl });
      await client.connect();
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
      const rawSeconds = (performance.now() - t0) / 1000;
      await client.end();

      const intakeUrl = await adminCreateDb(opts.pgUrl, intakeName);
      const db = await openDatabase({ url: intakeUrl });
      const { secret } = await enrollTill(db, { store: 'S1', till: '01' });
      const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret });
      const dataDir = join(opts.dir, 'pg-intake');
      mkdirSync(dataDir, { recursive: true });
      const intake = await timeIntake(db, dataDir, pkg, n);
      await db.destroy();
      engines.push(figures('postgres', n, intake, rawSeconds));
      log(line(engines[engines.length - 1], n));
    } finally {
      await adminDropDb(opts.pgUrl, rawName).catch(() => undefined);
      await adminDropDb(opts.pgUrl, intakeName).catch(() => undefined);
    }
  }
  return { tickets: n, packageBytes, engines };
}

function figures(engine: 'sqlite' | 'postgres', n: number, intake: { seconds: number; phases: BenchIntakeEngine['phases'] }, rawSeconds: number): BenchIntakeEngine {
  const intakeSeconds = intake.seconds;
  return {
    engine,
    intakeSeconds: round(intakeSeconds),
    intakeTicketsPerSecond: Math.round(n / intakeSeconds),
    rawSeconds: round(rawSeconds),
    rawTicketsPerSecond: Math.round(n / rawSeconds),
    ratio: round(intakeSeconds / rawSeconds),
    phases: intake.phases,
  };
}

function line(e: BenchIntakeEngine, n: number): string {
  return `${e.engine}: intake ${n} tickets in ${e.intakeSeconds} s (${e.intakeTicketsPerSecond}/s); raw floor ${e.rawSeconds} s (${e.rawTicketsPerSecond}/s); ratio ${e.ratio}× (target ≤ 3×); intake = read ${e.phases.read} s + check ${e.phases.check} s + transaction ${e.phases.apply} s`;
}

const round = (x: number): number => Math.round(x * 100) / 100;
