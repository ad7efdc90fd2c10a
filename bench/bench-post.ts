/**
 * Benchmark of posting + lettering (`tillsync bench post`): N tickets (default 1,000,000) of a
 * seedable volume are stored (in parallel, bench-post-volume.ts) and integrated into documents
 * (untimed set-up), then posted and lettered in a child process (timed, with its own peak memory).
 * Printed beside the raw floor measured in the same run: bare inserts of the same number of rows
 * (entry lines + settlement items) in one transaction (a prepared statement on SQLite, multi-row
 * inserts on PostgreSQL). Targets: ≥ 25,000 tickets/s, ≤ 1 GB peak memory.
 *
 * TILLSYNC_BENCH_PROF_DIR=DIR writes a CPU profile of the timed child there (node --cpu-prof).
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, type Db } from '../server/db/database.ts';
import { runJsonChild, scratchPgDatabase } from './bench-processes.ts';
import { saveBaseData } from '../server/base-data.ts';
import { runIntegration } from '../server/integration/integrate.ts';
import { demoBaseData } from '../fixtures/store.ts';
import { insertRows } from '../server/accounting/bulk-insert.ts';
import { ensureMapping } from '../server/accounting/mapping.ts';
import { storeVolume, volumeShape } from './bench-post-volume.ts';
import type { PostingSummary } from '../server/accounting/posting-run.ts';
import type { LetteringSummary } from '../server/accounting/lettering-run.ts';

export interface BenchPostOptions {
  tickets?: number;
  dir: string;
  /** postgres://… admin URL: a scratch database is created there (and dropped after) instead of SQLite under dir. */
  pgUrl?: string;
  log?: (s: string) => void;
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
  /** Untimed set-up: storing the tickets, then integrating them. */
  storeSeconds: number;
  integrateSeconds: number;
  /** Wall time of post + letter (the child process, commit included). */
  seconds: number;
  /** CPU time of the posting process meanwhile, all its threads (on PostgreSQL the server's work is not counted). */
  cpuSeconds: number;
  ticketsPerSecond: number;
  floorSeconds: number;
  floorTicketsPerSecond: number;
  /** ticketsPerSecond relative to the floor (floor rate / our rate). */
  ratio: number;
  /** Peak RSS of the posting process. */
  peakRssMB: number;
  /** 1-minute load average when the timed run started and when it ended (the machine may be shared). */
  load: [number, number];
  note: string;
}

interface ChildResult {
  posted: Omit<PostingSummary, 'heldBack'>;
  lettered: LetteringSummary;
  postMs: number;
  wallMs: number;
  cpuMs: number;
  maxRssBytes: number;
}

function runChild(data: string, url: string | undefined): Promise<ChildResult> {
  const child = fileURLToPath(new URL('./bench-post-child.ts', import.meta.url));
  const prof = process.env.TILLSYNC_BENCH_PROF_DIR;
  return runJsonChild<ChildResult>(child, [data, url ?? ''], 'bench post: the posting process', prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []);
}

export async function benchPost(opts: BenchPostOptions): Promise<BenchPostResult> {
  const tickets = opts.tickets ?? 1_000_000;
  const log = opts.log ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  const scratch = opts.pgUrl ? await scratchPgDatabase(opts.pgUrl, 'tillsync_bench_post') : null;
  const url = scratch?.url;
  let db: Db | null = null;
  try {
    log(`bench post: setting up ${tickets} tickets (${url ? 'PostgreSQL' : 'SQLite'})`);
    db = await openDatabase({ data: opts.dir, url });
    await saveBaseData(db, demoBaseData(300));
    ensureMapping(opts.dir);
    const shape = volumeShape(tickets);
    await db.destroy();
    db = null;
    const s0 = performance.now();
    const stored = await storeVolume(shape, url ? { url } : { file: join(opts.dir, 'tillsync.sqlite') }, log);
    const storeSeconds = (performance.now() - s0) / 1000;
    log(`  stored ${stored} tickets in ${storeSeconds.toFixed(1)} s`);
    db = await openDatabase({ data: opts.dir, url });
    const i0 = performance.now();
    const integ = await runIntegration(db, opts.dir, { until: '2099-12-31' });
    const integrateSeconds = (performance.now() - i0) / 1000;
    log(`  integrated: ${integ.documents} documents in ${integrateSeconds.toFixed(1)} s (${integ.ticketsPerSecond} tickets/s)`);
    await db.destroy();
    db = null;
    if (!url) {
      // The posting starts from a checkpointed file, as it would the morning after.
      const s = new BetterSqlite3(join(opts.dir, 'tillsync.sqlite'));
      s.pragma('wal_checkpoint(TRUNCATE)');
      s.close();
    }

    const load0 = loadavg()[0];
    const child = await runChild(opts.dir, url);
    const load1 = loadavg()[0];
    const posted = child.posted;
    const broken = posted.invariants.filter((c) => !c.ok);
    if (broken.length) throw new Error(`bench post: invariant broken: ${broken.map((c) => c.name).join(', ')}`);
    if (posted.errorCount) throw new Error(`bench post: ${posted.errorCount} posting error(s), first: ${posted.errors[0]?.message}`);
    const ms = child.wallMs;
    log(`  posted: ${posted.entries} entries, ${posted.lines} lines, ${posted.settlements} settlement items, ${posted.lettering.groups} letterings in ${ms} ms (posting ${child.postMs} ms, ${child.cpuMs} ms CPU); lettering pass: ${child.lettered.keysExamined} open keys; load ${load0.toFixed(2)} → ${load1.toFixed(2)}`);

    db = await openDatabase({ data: opts.dir, url });
    const floorMs = await rawFloor(db, opts.dir, url, posted.lines + posted.settlements);
    const rate = (posted.tickets * 1000) / ms;
    const floorRate = (posted.tickets * 1000) / floorMs;
    const cpuSeconds = child.cpuMs / 1000;
    return {
      engine: url ? 'postgres' : 'sqlite',
      tickets: posted.tickets,
      tills: shape.tills,
      days: shape.days,
      documents: posted.documents,
      entries: posted.entries,
      lines: posted.lines,
      settlements: posted.settlements,
      letterings: posted.lettering.groups,
      storeSeconds,
      integrateSeconds,
      seconds: ms / 1000,
      cpuSeconds,
      ticketsPerSecond: rate,
      floorSeconds: floorMs / 1000,
      floorTicketsPerSecond: floorRate,
      ratio: floorRate / rate,
      peakRssMB: child.maxRssBytes / 2 ** 20,
      load: [load0, load1],
      note: `${(ms / 1000).toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU, load ${load0.toFixed(2)}→${load1.toFixed(2)}; floor = bare inserts of the same ${posted.lines + posted.settlements} rows (${posted.lines} entry lines + ${posted.settlements} settlement items) in one transaction (${(floorMs / 1000).toFixed(2)} s)`,
    };
  } finally {
    await db?.destroy();
    await scratch?.drop();
  }
}
