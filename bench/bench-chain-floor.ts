/**
 * The chain night's raw floor: the database work any implementation of the night must do, with no
 * logic between, on the database a run of the night has just written:
 *  - read every ticket of the store once over the wire and JSON.parse it (the night must read each
 *    sale);
 *  - write again the rows the night inserted (pg_stat_user_tables' n_tup_ins of this database: it
 *    starts at zero for a copy of the template, so it counts the night's rows only), into tables of
 *    the same shape and indexes, WAL-logged, copied inside PostgreSQL (no client round trip: cheaper
 *    than any writer can be);
 *  - one (ticket, document) link row per ticket, keyed: the least a link from sale to document costs
 *    (the night writes it on the ticket row itself, a wider write).
 * Stores go `concurrency` at a time on their own connections of this one process (JSON.parse runs in
 * this process's one thread, the copies in PostgreSQL's backends).
 */
import pg from 'pg';

export interface ChainFloor {
  seconds: number;
  tickets: number;
  /** Rows copied (the night's inserts) plus the link rows. */
  rows: number;
  nodeCpuSeconds: number;
  pgCpuSeconds: number | null;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface Written {
  schema: string;
  /** The tables the night inserted into, with how many rows. */
  tables: { relname: string; n: number }[];
}

/** Untimed: what the night inserted (read before the floor's own inserts count), and empty tables of the same shape to copy it into. */
async function prepareFloor(c: pg.Client, schema: string): Promise<Written> {
  const s = quoteIdent(schema);
  const f = quoteIdent(`floor_${schema}`);
  const tables = (await c.query<{ relname: string; n: string }>(`select relname, least(n_tup_ins, n_live_tup)::text as n from pg_stat_user_tables where schemaname = $1 and n_tup_ins > 0 and relname <> 'tickets'`, [schema])).rows.map((r) => ({ relname: r.relname, n: Number(r.n) }));
  await c.query(`drop schema if exists ${f} cascade`);
  await c.query(`create schema ${f}`);
  for (const t of tables) await c.query(`create table ${f}.${quoteIdent(t.relname)} (like ${s}.${quoteIdent(t.relname)} including defaults including indexes)`);
  await c.query(`create table ${f}.ticket_links (ticket_id text primary key, document_id integer)`);
  return { schema, tables };
}

/** Timed: one store's reads and copies. */
async function storeFloor(url: string, w: Written): Promise<{ tickets: number; rows: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const s = quoteIdent(w.schema);
  const f = quoteIdent(`floor_${w.schema}`);
  try {
    let tickets = 0;
    for (const r of (await c.query<{ id: string; content: string }>(`select id, content from ${s}.tickets`)).rows) {
      if (JSON.parse(r.content).id !== r.id) throw new Error(`floor: ticket ${r.id} does not carry its own id`);
      tickets++;
    }
    let rows = 0;
    for (const t of w.tables) rows += (await c.query(`insert into ${f}.${quoteIdent(t.relname)} select * from ${s}.${quoteIdent(t.relname)} limit ${t.n}`)).rowCount ?? 0;
    rows += (await c.query(`insert into ${f}.ticket_links select id, document_id from ${s}.tickets`)).rowCount ?? 0;
    return { tickets, rows };
  } finally {
    await c.end();
  }
}

/** The floor's copies, dropped after the timing. */
async function dropFloor(url: string, schemas: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const schema of schemas) await c.query(`drop schema if exists ${quoteIdent(`floor_${schema}`)} cascade`);
  } finally {
    await c.end();
  }
}

/** The floor of one chain night over `schemas` of the database at `url`; `pgCpu` reads PostgreSQL's CPU seconds so far (null: unreadable). */
export async function chainFloor(url: string, schemas: string[], concurrency: number, pgCpu: () => number | null): Promise<ChainFloor> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const written: Written[] = [];
  try {
    for (const schema of schemas) written.push(await prepareFloor(admin, schema));
  } finally {
    await admin.end();
  }
  let next = 0;
  let tickets = 0;
  let rows = 0;
  const cpu0 = process.cpuUsage();
  const pg0 = pgCpu();
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, schemas.length) }, async () => {
        while (next < written.length) {
          const r = await storeFloor(url, written[next++]);
          tickets += r.tickets;
          rows += r.rows;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = pgCpu();
    return { seconds, tickets, rows, nodeCpuSeconds: (cpu.user + cpu.system) / 1e6, pgCpuSeconds: pg0 === null || pg1 === null ? null : pg1 - pg0 };
  } finally {
    await dropFloor(url, schemas);
  }
}
