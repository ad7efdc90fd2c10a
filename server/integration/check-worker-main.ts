/**
 * The ticket-check worker (see verdict-source.ts): selects, checks and groups tickets, and sends
 * back one grouping piece per page (the till's documents on its last page). Two jobs:
 *  - `rows`: a page read by the main thread in, its piece out, in order;
 *  - `read`: read the given tills' pages itself on a read-only SQLite connection, and stream the
 *    pieces back, at most CREDITS pages ahead of the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { IntegrationFilters } from './filters.ts';
import { InlineGrouping, type SourceRow } from './document-grouping.ts';
import { sqliteTillPages } from '../db/sqlite-till-pages.ts';
import type { IntegrationRefs } from './ticket-checks.ts';
import type { TillSpan } from './ticket-source.ts';

const grouping = new InlineGrouping(workerData.refs as IntegrationRefs, workerData.filters as IntegrationFilters);
// Pieces are small (ticket ids, not tickets): a generous lead lets a worker finish its next till
// while the main thread is still taking another worker's.
const CREDITS = 32;

let credits = CREDITS;
let wakeOnCredit: (() => void) | null = null;

async function read(spans: TillSpan[]): Promise<void> {
  const db = new BetterSqlite3(workerData.file as string, { readonly: true, fileMustExist: true });
  const post = async (piece: unknown) => {
    while (credits <= 0) await new Promise<void>((resolve) => (wakeOnCredit = resolve));
    credits -= 1;
    parentPort!.postMessage({ type: 'piece', piece });
  };
  try {
    // One snapshot for the whole run: the main thread holds the write lock, nobody commits meanwhile.
    db.exec('begin');
    for (const span of spans) {
      for (const rows of sqliteTillPages(db, span, workerData.pageSize)) {
        for (const row of rows) grouping.add(row);
        await post(grouping.piece(false));
      }
      await post(grouping.piece(true));
    }
    db.exec('commit');
  } finally {
    db.close();
  }
}

parentPort!.on('message', (m: { type: string; seq?: number; rows?: SourceRow[]; endOfTill?: boolean; spans?: TillSpan[] }) => {
  if (m.type === 'stop') {
    parentPort!.close();
    return;
  }
  if (m.type === 'credit') {
    credits += 1;
    const w = wakeOnCredit;
    wakeOnCredit = null;
    w?.();
    return;
  }
  if (m.type === 'rows') {
    try {
      for (const row of m.rows!) grouping.add(row);
      parentPort!.postMessage({ type: 'piece', seq: m.seq, piece: grouping.piece(m.endOfTill!) });
    } catch (e) {
      parentPort!.postMessage({ type: 'error', error: (e as Error)?.stack ?? String(e) });
    }
    return;
  }
  if (m.type === 'read') {
    read(m.spans!).catch((e) => parentPort!.postMessage({ type: 'error', error: (e as Error)?.stack ?? String(e) }));
  }
});
parentPort!.postMessage({ type: 'ready' });
