/**
 * Integration benchmark (`tillsync bench integrate`): N tills × M tickets from the fixtures'
 * generator, bulk-loaded (not timed), integrated in a child process (timed, peak memory), then
 * the raw floor measured in the same run on a copy of the same loaded data: a bare SQL pass that
 * reads every pending ticket page by page, writes each one's document columns, inserts as many
 * document rows and commits — what any integration must at least do, without checks, grouping or
 * numbering.
 *
 * Targets (issue 4): ≥ 25,000 tickets/s on SQLite, peak ≤ 1 GB, within 4× of the floor.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../server/db/database.ts';
import { runJsonChild, scratchPgDatabase } from './bench-processes.ts';
import { defaultConfig, writeServerConfig } from '../server/context.ts';
import { saveBaseData } from '../server/base-data.ts';
import { demoBaseData } from '../fixtures/store.ts';
import { generateVolume } from '../fixtures/volume.ts';
import { ticketRow } from '../test/support/test-tickets.ts';
import type { IntegrationSummary } from '../server/integration/integrate.ts';
import type { CheckMode } from '../server/integration/verdict-source.ts';

export interface BenchIntegrateOptions {
  tills?: number;
  ticketsPerTill?: number;
  dir: string;
  /** A PostgreSQL server to bench on (a scratch database is created there and dropped after). */
  pgUrl?: string;
  log?: (s: string) => void;
  /** Where tickets are checked (default 'auto': a worker thread on large runs when a core is free). */
  checks?: CheckMode;
}

export interface BenchIntegrateResult {
  engine: 'sqlite' | 'postgres';
  tickets: number;
  documents: number;
  loadSeconds: number;
  seconds: number;
  /** CPU of the whole integration process, and of its main thread alone (-1 where unknown). */
  cpuSeconds: number;
  mainThreadCpuSeconds: number;
  ticketsPerSecond: number;
  peakRssMB: number;
  floorSeconds: number;
  /** CPU of the floor pass (this process; on PostgreSQL the server's CPU is not counted on either side). */
  floorCpuSeconds: number;
  floorTicketsPerSecond: number;
  /** Integration time / floor time (target ≤ 4). */
  ratio: number;
  /** Worker threads the integration used to read and check tickets (0: inline). */
  checkWorkers: number;
  targets: { ticketsPerSecond: boolean | null; memory: boolean; ratio: boolean };
}

const COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

async function loadSqlite(file: string, tills: number, perTill: number): Promise<number> {
  const db = new BetterSqlite3(file);
  const insert = db.prepare(`insert into tickets (${COLUMNS.join(',')}) values (${COLUMNS.map(() => '?').join(',')})`);
  let n = 0;
  const at = new Date().toISOString();
  db.exec('begin');
  for (const t of generateVolume({ tills, ticketsPerTill: perTill })) {
    const r = ticketRow(t, { at });
    insert.run(...COLUMNS.map((c) => r[c]));
    if (++n % 50_000 === 0) {
      db.exec('commit');
      db.exec('begin');
    }
  }
  db.exec('commit');
  db.close();
  return n;
}

async function loadPg(url: string, tills: number, perTill: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  let rows: unknown[][] = [];
  const at = new Date().toISOString();
  const flush = async () => {
    if (!rows.length) return;
    const params: unknown[] = [];
    const tuples = rows.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(',')})`);
    await client.query(`insert into tickets (${COLUMNS.join(',')}) values ${tuples.join(',')}`, params);
    rows = [];
  };
  for (const t of generateVolume({ tills, ticketsPerTill: perTill })) {
    const r = ticketRow(t, { at });
    rows.push(COLUMNS.map((c) => r[c]));
    n++;
    if (rows.length >= 1000) await flush();
  }
  await flush();
  await client.end();
  return n;
}

/**
 * The floor on SQLite, on a copy of the database taken before the integration: the same starting
 * state, the same work at the bare minimum — page reads of the pending tickets on the
 * (store, till, number) index, one document id per (till, day, customer) from the row's own
 * columns, one prepared update per ticket (NULL → values, as integration does), the document rows,
 * one commit.
 */
function floorSqlite(file: string, documents: number): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const t0 = performance.now();
  db.exec('begin immediate');
  const tills = db.prepare('select distinct store, till from tickets where document_id is null order by store, till').all() as { store: string; till: string }[];
  const page = db.prepare('select id, number, day, customer, content from tickets where store = ? and till = ? and number > ? and document_id is null order by number limit 2000');
  const update = db.prepare('update tickets set document_id = ?, document_number = ?, integration_batch = 1, updated_at = ? where id = ?');
  const now = new Date().toISOString();
  const docOf = new Map<string, number>();
  let n = 0;
  for (const { store, till } of tills) {
    let after = 0;
    for (;;) {
      const rows = page.all(store, till, after) as { id: string; number: number; day: string; customer: string; content: string }[];
      for (const r of rows) {
        const key = `${till}|${r.day}|${r.customer}`;
        let doc = docOf.get(key);
        if (doc === undefined) docOf.set(key, (doc = docOf.size + 1));
        update.run(doc, `X${doc}`, now, r.id);
        if (r.content.length) n++;
      }
      if (rows.length < 2000) break;
      after = rows[rows.length - 1].number;
    }
  }
  const ins = db.prepare("insert into documents (number, series, seq, kind, store, till, customer, day, total_incl, total_excl, total_vat, ticket_count, first_ticket, last_ticket, batch_id, created_at) values (?, 'x', ?, 'invoice', 'S1', '01', 'C', '2026-01-01', '1.00', '1.00', '0.00', 1, 1, 1, 1, ?)");
  for (let i = 1; i <= documents; i++) ins.run(`X${i}`, i, now);
  db.exec('commit');
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  if (n === 0) throw new Error('floor pass read no tickets');
  return seconds;
}

/** The floor on PostgreSQL, on a copy of the database: the same pass with a batched update per page (round trips dominate otherwise). */
async function floorPg(url: string, documents: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query('begin');
  const tills = (await c.query('select distinct store, till from tickets where document_id is null order by store, till')).rows as { store: string; till: string }[];
  const now = new Date().toISOString();
  const docOf = new Map<string, number>();
  for (const { store, till } of tills) {
    let after = 0;
    for (;;) {
      const rows = (await c.query('select id, number, day, customer, content from tickets where store = $1 and till = $2 and number > $3 and document_id is null order by number limit 2000', [store, till, after])).rows;
      if (rows.length) {
        const docs = rows.map((r) => {
          const key = `${till}|${r.day}|${r.customer}`;
          let doc = docOf.get(key);
          if (doc === undefined) docOf.set(key, (doc = docOf.size + 1));
          return doc;
        });
        await c.query(
          'update tickets t set document_id = v.doc, document_number = v.num, integration_batch = 1, updated_at = $4 from (select unnest($1::text[]) id, unnest($2::int[]) doc, unnest($3::text[]) num) v where t.id = v.id',
          [rows.map((r) => r.id), docs, docs.map((d) => `X${d}`), now],
        );
      }
      if (rows.length < 2000) break;
      after = Number(rows[rows.length - 1].number);
    }
  }
  await c.query(
    "insert into documents (number, series, seq, kind, store, till, customer, day, total_incl, total_excl, total_vat, ticket_count, first_ticket, last_ticket, batch_id, created_at) select 'X' || g, 'x', g, 'invoice', 'S1', '01', 'C', '2026-01-01', '1.00', '1.00', '0.00', 1, 1, 1, 1, $1 from generate_series(1, $2::int) g",
    [now, documents],
  );
  await c.query('commit');
  const seconds = (performance.now() - t0) / 1000;
  await c.end();
  return seconds;
}

/**
 * Flushes the SQLite files of a data folder to disk before a timed pass, so that neither pass
 * runs while the kernel writes back the gigabytes of the step before it (load, copy, the other pass).
 */
function settle(...files: string[]): void {
  for (const f of files.flatMap((x) => [x, `${x}-wal`])) {
    if (!existsSync(f)) continue;
    const fd = openSync(f, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** A copy of the freshly loaded database for the floor pass, so that both passes start from the same state. */
async function copyForFloor(data: string, url: string | undefined, adminUrl: string | undefined): Promise<{ file?: string; url?: string; drop: () => Promise<void> }> {
  if (!url) {
    const file = join(data, 'tillsync.sqlite');
    const db = new BetterSqlite3(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const copy = join(data, 'floor.sqlite');
    copyFileSync(file, copy);
    return { file: copy, drop: async () => rmSync(copy, { force: true }) };
  }
  const name = `${new URL(url).pathname.slice(1)}_floor`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${new URL(url).pathname.slice(1)}`);
  await admin.end();
  return {
    url: url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: async () => {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name}`);
      await a.end();
    },
  };
}

function runChild(data: string, url: string | undefined, checks: CheckMode): Promise<{ summary: IntegrationSummary; wallMs: number; cpuMs: number; mainCpuMs: number; maxRssBytes: number }> {
  const child = fileURLToPath(new URL('./bench-integrate-child.ts', import.meta.url));
  return runJsonChild(child, [data, url ?? '', checks], 'integration child');
}

export async function benchIntegrate(opts: BenchIntegrateOptions): Promise<BenchIntegrateResult> {
  const tills = opts.tills ?? 200;
  const perTill = opts.ticketsPerTill ?? 5000;
  const log = opts.log ?? (() => {});
  const data = opts.dir;
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  const scratch = opts.pgUrl ? await scratchPgDatabase(opts.pgUrl, 'tillsync_bench') : null;
  let floorCopy: Awaited<ReturnType<typeof copyForFloor>> | null = null;
  try {
    const url = scratch?.url;
    writeServerConfig(data, { ...defaultConfig(data), ...(url ? { db: url } : {}) });
    const db = await openDatabase({ data, url });
    await saveBaseData(db, demoBaseData());
    await db.destroy();

    log(`loading ${tills} tills × ${perTill} tickets (generator, not timed)…`);
    const l0 = performance.now();
    const tickets = url ? await loadPg(url, tills, perTill) : await loadSqlite(join(data, 'tillsync.sqlite'), tills, perTill);
    const loadSeconds = (performance.now() - l0) / 1000;
    log(`loaded ${tickets} tickets in ${loadSeconds.toFixed(1)} s; integrating…`);

    floorCopy = await copyForFloor(data, url, opts.pgUrl);
    if (floorCopy.file) settle(join(data, 'tillsync.sqlite'), floorCopy.file);
    const child = await runChild(data, url, opts.checks ?? 'auto');
    const s = child.summary;
    if (s.stats.inDocuments !== tickets || s.errorCount !== 0) throw new Error(`bench integration took ${s.stats.inDocuments} of ${tickets} tickets (${s.errorCount} errors)`);
    const seconds = child.wallMs / 1000;
    log(`integrated ${tickets} tickets into ${s.documents} documents in ${seconds.toFixed(2)} s; measuring the floor…`);

    if (floorCopy.file) settle(join(data, 'tillsync.sqlite'), floorCopy.file);
    const floorCpu0 = process.cpuUsage();
    const floorSeconds = floorCopy.url ? await floorPg(floorCopy.url, s.documents) : floorSqlite(floorCopy.file!, s.documents);
    const floorCpu = process.cpuUsage(floorCpu0);
    const floorCpuSeconds = Number(((floorCpu.user + floorCpu.system) / 1e6).toFixed(2));
    const ticketsPerSecond = Math.round(tickets / seconds);
    const peakRssMB = Math.round(child.maxRssBytes / 1024 / 1024);
    const ratio = Number((seconds / floorSeconds).toFixed(2));
    const result: BenchIntegrateResult = {
      engine: url ? 'postgres' : 'sqlite',
      tickets,
      documents: s.documents,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
      cpuSeconds: Number((child.cpuMs / 1000).toFixed(2)),
      mainThreadCpuSeconds: child.mainCpuMs < 0 ? -1 : Number((child.mainCpuMs / 1000).toFixed(2)),
      ticketsPerSecond,
      peakRssMB,
      floorSeconds: Number(floorSeconds.toFixed(2)),
      floorCpuSeconds,
      floorTicketsPerSecond: Math.round(tickets / floorSeconds),
      ratio,
      checkWorkers: s.checkWorkers,
      targets: { ticketsPerSecond: url ? null : ticketsPerSecond >= 25_000, memory: peakRssMB <= 1024, ratio: ratio <= 4 },
    };
    log(
      `${result.engine}: ${tickets} tickets → ${s.documents} documents in ${result.seconds} s (${ticketsPerSecond} tickets/s, cpu ${result.cpuSeconds} s of which main thread ${result.mainThreadCpuSeconds} s, ${s.checkWorkers} check worker(s)), peak ${peakRssMB} MB; ` +
        `floor ${result.floorSeconds} s (${result.floorTicketsPerSecond} tickets/s, cpu ${floorCpuSeconds} s), ratio ${ratio}×`,
    );
    return result;
  } finally {
    await floorCopy?.drop();
    if (scratch) await scratch.drop();
  }
}
