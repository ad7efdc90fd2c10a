/**
 * The untimed set-up of `tillsync bench post`: N tickets of the seedable volume stored as received
 * rows. The generator (decimal.js line maths and a SHA-256 chain per ticket, ~0.1 ms a ticket) is
 * what makes a million tickets slow to set up, so the tills are generated in parallel child
 * processes, one per core: on SQLite each fills its own scratch file and the rows are then copied
 * into the database in one statement; on PostgreSQL each inserts into the database directly.
 * The tickets are the same whatever the number of processes (each till is seeded by its code).
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

export const TICKET_COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

export interface VolumeShape {
  tickets: number;
  tills: number;
  perTill: number;
  days: number;
  seed: number;
}

/** The bench's volume: about 25,000 tickets per till over five days (as measured before). */
export function volumeShape(tickets: number): VolumeShape {
  const tills = Math.max(1, Math.round(tickets / 25_000));
  return { tickets, tills, perTill: Math.ceil(tickets / tills), days: 5, seed: 11 };
}

/** What one child generates: tills [from, to] (1-based), to a scratch SQLite file or a PostgreSQL URL. */
export interface VolumeJob {
  shape: VolumeShape;
  from: number;
  to: number;
  file?: string;
  url?: string;
}

function runJob(job: VolumeJob): Promise<number> {
  const child = fileURLToPath(new URL('./bench-post-volume-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = fork(child, [JSON.stringify(job)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (b) => (out += b));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench volume child exited with ${code}`));
      resolve(Number(JSON.parse(out.trim().split('\n').pop()!).stored));
    });
  });
}

/**
 * Stores the volume into the SQLite file `file` (migrated, empty tickets table) or the PostgreSQL
 * database `url`. Returns the number of tickets stored.
 */
export async function storeVolume(shape: VolumeShape, target: { file?: string; url?: string }, log: (s: string) => void = () => {}): Promise<number> {
  const workers = Math.max(1, Math.min(availableParallelism(), shape.tills, 4));
  const per = Math.ceil(shape.tills / workers);
  const jobs: VolumeJob[] = [];
  for (let w = 0; w < workers; w++) {
    const from = w * per + 1;
    const to = Math.min(shape.tills, (w + 1) * per);
    if (from > to) break;
    jobs.push({ shape, from, to, ...(target.url ? { url: target.url } : { file: `${target.file}.part${w}` }) });
  }
  log(`  generating ${shape.tickets} tickets on ${jobs.length} process(es)…`);
  const counts = await Promise.all(jobs.map(runJob));
  const stored = counts.reduce((a, b) => a + b, 0);
  if (target.file) {
    const db = new BetterSqlite3(target.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const cols = TICKET_COLUMNS.join(', ');
      for (const [i, job] of jobs.entries()) {
        db.prepare('attach database ? as part').run(job.file);
        db.transaction(() => db.exec(`insert into main.tickets (${cols}) select ${cols} from part.tickets order by till, number`))();
        db.exec('detach database part');
        rmSync(job.file!, { force: true });
        log(`  copied part ${i + 1}/${jobs.length}`);
      }
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  }
  return stored;
}
