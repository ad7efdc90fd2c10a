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

/** The same number of entry lines written the barest way, in one transaction, then thrown away. */
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

export async function benchPost(opts: BenchPostOptions): Promise<BenchSection> {
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
    const t0 = performance.now();
    const posted = await runPosting(db, opts.dir, { until: '2099-12-31' });
    const lettered = await runLettering(db, opts.dir);
    const ms = performance.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const broken = posted.invariants.filter((c) => !c.ok);
    if (broken.length) throw new Error(`bench post: invariant broken: ${broken.map((c) => c.name).join(', ')}`);
    log(`  posted: ${posted.entries} entries, ${posted.lines} lines, ${posted.settlements} settlement items, ${posted.lettering.groups} letterings in ${Math.round(ms)} ms; lettering pass: ${lettered.keysExamined} open keys`);

    const floorMs = await rawFloor(db, opts.dir, opts.pgUrl, posted.lines);
    const rate = (posted.tickets * 1000) / ms;
    const floorRate = (posted.tickets * 1000) / floorMs;
    const peakMb = peak / 2 ** 20;
    return {
      title: `Posting + lettering (${opts.pgUrl ? 'PostgreSQL' : 'SQLite'})`,
      params: { tickets: posted.tickets, tills, days, documents: posted.documents, entries: posted.entries, lines: posted.lines },
      figures: [
        { name: 'post + letter throughput', value: rate, unit: 'tickets/s', floor: floorRate, target: '≥ 25,000 tickets/s', met: rate >= 25_000, note: `floor = bare insert of the same ${posted.lines} entry lines` },
        { name: 'post + letter time', value: ms / 1000, unit: 's', floor: floorMs / 1000 },
        { name: 'peak memory (RSS, whole process)', value: peakMb, unit: 'MB', target: '≤ 1024 MB', met: peakMb <= 1024 },
      ],
    };
  } finally {
    await db.destroy();
  }
}
