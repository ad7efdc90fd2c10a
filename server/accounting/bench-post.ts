/**
 * Benchmark of posting + lettering (`tillsync bench post`): N tickets (default 1,000,000) of a
 * seedable volume are stored and integrated into documents (untimed set-up), then posted and
 * lettered (timed). Printed beside the raw floor measured in the same run: bare inserts of the same
 * number of entry lines in one transaction (a prepared statement on SQLite, multi-row inserts on
 * PostgreSQL). Targets: ≥ 25,000 tickets/s, ≤ 1 GB peak memory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, type Db } from '../db/database.ts';
import { saveBaseData } from '../base-data.ts';
import { runIntegration } from '../integration/integrate.ts';
import { ticketRow } from '../integration/test-tickets.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import type { BenchSection } from '../../cli/bench-report.ts';
import { insertRows } from './bulk-insert.ts';
import { ensureMapping } from './mapping.ts';
import { runPosting } from './posting-run.ts';
import { runLettering } from './lettering-run.ts';

export interface BenchPostOptions {
  tickets?: number;
  dir: string;
  /** postgres://… of an EMPTY database to use instead of SQLite under dir. */
  pgUrl?: string;
  log?: (s: string) => void;
}

const TICKET_COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

async function storeVolume(db: Db, tickets: number, log: (s: string) => void): Promise<{ tills: number; days: number }> {
  const days = 5;
  const tills = Math.max(1, Math.round(tickets / 25_000));
  const perTill = Math.ceil(tickets / tills);
  let n = 0;
  let rows: (string | number | null)[][] = [];
  await db.transaction().execute(async (trx) => {
    for (const t of generateVolume({ tills, ticketsPerTill: perTill, days, seed: 11 })) {
      if (n >= tickets) break;
      const r = ticketRow(t, { at: '2026-11-10T00:00:00.000Z' }) as Record<string, unknown>;
      rows.push(TICKET_COLUMNS.map((c) => r[c] as string | number | null));
      n++;
      if (rows.length >= 2000) {
        await insertRows(trx, 'tickets', [...TICKET_COLUMNS], rows);
        rows = [];
        if (n % 100_000 === 0) log(`  stored ${n} tickets`);
      }
    }
    await insertRows(trx, 'tickets', [...TICKET_COLUMNS], rows);
  });
  return { tills, days };
}

/** The same number of rows (entry lines + settlement items) written the barest way, in one transaction, then thrown away. */
async function rawFloor(db: Db, dir: string, pgUrl: string | undefined, lines: number): Promise<number> {
  const row = (i: number) => [i, 1 + Math.floor(i / 4), (i % 4) + 1, '411000', 'C0000001', 'Client', 'Règlement F00000001', '12.50', '0.00', null, 'F00000001', null, 'F00000001'];
  const cols = ['id', 'entry_id', 'line_no', 'account', 'aux_account', 'aux_label', 'label', 'debit', 'credit', 'vat_code', 'document_number', 'lettering_id', 'letter_key'];
  const ddl = `create table bench_floor_lines (id integer primary key, entry_id integer not null, line_no integer not null, account text not null, aux_account text, aux_label text, label text not null, debit text not null, credit text not null, vat_code text, document_number text, lettering_id integer, letter_key text)`;
  if (!pgUrl) {
    const s = new BetterSqlite3(join(dir, 'tillsync.sqlite'));
    s.pragma('journal_mode = WAL');
    s.pragma('synchronous = NORMAL');
    s.exec('drop table if exists bench_floor_lines');
    s.exec(ddl);
    s.exec('create index bench_floor_entry on bench_floor_lines (entry_id)');
    s.exec('create index bench_floor_key on bench_floor_lines (letter_key, account, aux_account)');
    const ins = s.prepare(`insert into bench_floor_lines (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
    const t0 = performance.now();
    s.transaction(() => {
      for (let i = 1; i <= lines; i++) ins.run(...row(i));
    })();
    const ms = performance.now() - t0;
    s.exec('drop table bench_floor_lines');
    s.close();
    return ms;
  }
  const { sql } = await import('kysely');
  await sql.raw('drop table if exists bench_floor_lines').execute(db);
  await sql.raw(ddl).execute(db);
  await sql.raw('create index bench_floor_entry on bench_floor_lines (entry_id)').execute(db);
  await sql.raw('create index bench_floor_key on bench_floor_lines (letter_key, account, aux_account)').execute(db);
  const t0 = performance.now();
  await db.transaction().execute(async (trx) => {
    for (let i = 1; i <= lines; i += 20_000) {
      const chunk = [];
      for (let j = i; j < Math.min(i + 20_000, lines + 1); j++) chunk.push(row(j));
      await insertRows(trx, 'bench_floor_lines', cols, chunk);
    }
  });
  const ms = performance.now() - t0;
  await sql.raw('drop table bench_floor_lines').execute(db);
  return ms;
}

export interface BenchPostResult {
  engine: 'sqlite' | 'postgres';
  tickets: number;
  tills: number;
  days: number;
  documents: number;
  entries: number;
  lines: number;
  settlements: number;
  letterings: number;
  /** Wall time of post + letter. */
  seconds: number;
  /** CPU time of this process meanwhile (the SQLite work runs in-process; PostgreSQL's does not). */
  cpuSeconds: number;
  ticketsPerSecond: number;
  floorSeconds: number;
  floorTicketsPerSecond: number;
  /** ticketsPerSecond relative to the floor (floor rate / our rate). */
  ratio: number;
  peakRssMB: number;
  note: string;
}

export async function benchPost(opts: BenchPostOptions): Promise<BenchPostResult> {
  const tickets = opts.tickets ?? 1_000_000;
  const log = opts.log ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  const db = await openDatabase({ data: opts.dir, url: opts.pgUrl });
  try {
    log(`bench post: setting up ${tickets} tickets (${opts.pgUrl ? 'PostgreSQL' : 'SQLite'})`);
    await saveBaseData(db, demoBaseData(300));
    ensureMapping(opts.dir);
    const { tills, days } = await storeVolume(db, tickets, log);
    const integ = await runIntegration(db, opts.dir, { until: '2099-12-31' });
    log(`  integrated: ${integ.documents} documents (${integ.ticketsPerSecond} tickets/s)`);

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const posted = await runPosting(db, opts.dir, { until: '2099-12-31' });
    const lettered = await runLettering(db, opts.dir);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const broken = posted.invariants.filter((c) => !c.ok);
    if (broken.length) throw new Error(`bench post: invariant broken: ${broken.map((c) => c.name).join(', ')}`);
    log(`  posted: ${posted.entries} entries, ${posted.lines} lines, ${posted.settlements} settlement items, ${posted.lettering.groups} letterings in ${Math.round(ms)} ms (${Math.round((cpu.user + cpu.system) / 1000)} ms CPU); lettering pass: ${lettered.keysExamined} open keys`);

    const floorMs = await rawFloor(db, opts.dir, opts.pgUrl, posted.lines + posted.settlements);
    const rate = (posted.tickets * 1000) / ms;
    const floorRate = (posted.tickets * 1000) / floorMs;
    return {
      engine: opts.pgUrl ? 'postgres' : 'sqlite',
      tickets: posted.tickets,
      tills,
      days,
      documents: posted.documents,
      entries: posted.entries,
      lines: posted.lines,
      settlements: posted.settlements,
      letterings: posted.lettering.groups,
      seconds: ms / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ticketsPerSecond: rate,
      floorSeconds: floorMs / 1000,
      floorTicketsPerSecond: floorRate,
      ratio: floorRate / rate,
      peakRssMB: peak / 2 ** 20,
      note: `${(ms / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; floor = bare inserts of the same ${posted.lines + posted.settlements} rows (${posted.lines} entry lines + ${posted.settlements} settlement items) in one transaction (${(floorMs / 1000).toFixed(2)} s)`,
    };
  } finally {
    await db.destroy();
  }
}

/** The result as a section of BENCHMARKS.md. */
export function benchPostSection(r: BenchPostResult): BenchSection {
  return {
    title: `Posting + lettering on ${r.engine}`,
    params: { tickets: r.tickets, tills: r.tills, days: r.days, documents: r.documents, entries: r.entries, 'entry lines': r.lines, 'settlement items': r.settlements },
    figures: [
      { name: 'post + letter throughput', value: r.ticketsPerSecond, unit: 'tickets/s', floor: r.floorTicketsPerSecond, target: '≥ 25,000 tickets/s', met: r.ticketsPerSecond >= 25_000, note: r.note },
      { name: 'peak memory (RSS, whole process)', value: r.peakRssMB, unit: 'MB', target: '≤ 1024 MB', met: r.peakRssMB <= 1024 },
    ],
  };
}
