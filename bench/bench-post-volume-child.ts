/**
 * One child of the bench's volume set-up (bench-post-volume.ts): generates tills [from, to] of the
 * volume and stores them, then prints {"stored": n}.
 *   node --import tsx bench-post-volume-child.ts '<VolumeJob as JSON>'
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { generateTillTickets, tillCode } from '../fixtures/volume.ts';
import { ticketRow } from '../test/support/test-tickets.ts';
import { TICKET_COLUMNS, type VolumeJob } from './bench-post-volume.ts';

type Value = string | number | null;

const job = JSON.parse(process.argv[2]) as VolumeJob;
const { shape } = job;
const at = '2026-11-10T00:00:00.000Z';

function* rows(): Generator<Value[]> {
  for (let t = job.from; t <= job.to; t++) {
    const count = Math.min(shape.perTill, shape.tickets - (t - 1) * shape.perTill);
    let n = 0;
    if (count <= 0) break;
    for (const ticket of generateTillTickets(tillCode(t), { tills: shape.tills, ticketsPerTill: shape.perTill, days: shape.days, seed: shape.seed })) {
      const r = ticketRow(ticket, { at }) as Record<string, unknown>;
      yield TICKET_COLUMNS.map((c) => r[c] as Value);
      if (++n >= count) break;
    }
  }
}

async function toSqlite(file: string): Promise<number> {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec(`drop table if exists tickets; create table tickets (${TICKET_COLUMNS.join(', ')})`);
  const insert = db.prepare(`insert into tickets values (${TICKET_COLUMNS.map(() => '?').join(', ')})`);
  let n = 0;
  db.exec('begin');
  for (const r of rows()) {
    insert.run(r);
    if (++n % 50_000 === 0) {
      db.exec('commit');
      db.exec('begin');
    }
  }
  db.exec('commit');
  db.close();
  return n;
}

async function toPg(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  let batch: Value[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const params: Value[] = [];
    const tuples = batch.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(',')})`);
    await client.query(`insert into tickets (${TICKET_COLUMNS.join(',')}) values ${tuples.join(',')}`, params);
    batch = [];
  };
  try {
    for (const r of rows()) {
      batch.push(r);
      n++;
      if (batch.length >= 1000) await flush();
    }
    await flush();
  } finally {
    await client.end();
  }
  return n;
}

const stored = job.url ? await toPg(job.url) : await toSqlite(job.file!);
process.stdout.write(`${JSON.stringify({ stored })}\n`);
