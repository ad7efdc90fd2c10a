/**
 * The ticket-check worker (see verdict-source.ts). Two jobs:
 *  - `check`: tasks in, verdicts out, in order;
 *  - `read`: read the given tills' pages itself on a read-only SQLite connection, select and check
 *    them, and stream the verdicts back, at most CREDITS pages ahead of the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { IntegrationFilters } from './filters.ts';
import { TicketSelector, type SourceRow } from './grouping.ts';
import type { IntegrationRefs } from './ticket-checks.ts';
import type { TillSpan } from './ticket-source.ts';
import { ticketVerdict, type CheckTask } from './ticket-verdict.ts';

const refs = workerData.refs as IntegrationRefs;
const PAGE = 2000;
const CREDITS = 4;

let credits = CREDITS;
let wakeOnCredit: (() => void) | null = null;

async function read(spans: TillSpan[]): Promise<void> {
  const db = new BetterSqlite3(workerData.file as string, { readonly: true, fileMustExist: true });
  try {
    const page = db.prepare(
      'select id, store, till, number, day, customer, status, status_reason, hash, content, document_id, integration_batch from tickets where store = ? and till = ? and number >= ? and number <= ? order by number limit ?',
    );
    const selector = new TicketSelector(workerData.filters as IntegrationFilters);
    // One snapshot for the whole run: the main thread holds the write lock, nobody commits meanwhile.
    db.exec('begin');
    const post = async (items: unknown[], endOfTill: boolean) => {
      while (credits <= 0) await new Promise<void>((resolve) => (wakeOnCredit = resolve));
      credits -= 1;
      parentPort!.postMessage({ type: 'page', items, selected: selector.selected, excluded: selector.excludedCount, endOfTill });
    };
    for (const span of spans) {
      let from = span.lo - 1;
      for (;;) {
        const rows = page.all(span.store, span.till, from, span.hi, PAGE) as Record<string, unknown>[];
        const items = [];
        for (const r of rows) {
          const row: SourceRow = {
            id: r.id as string,
            store: r.store as string,
            till: r.till as string,
            number: Number(r.number),
            day: r.day as string,
            customer: r.customer as string,
            status: r.status as string,
            statusReason: r.status_reason as string | null,
            hash: r.hash as string,
            content: r.content as string,
            documentId: r.document_id as number | null,
            integrationBatch: r.integration_batch as number | null,
          };
          const task = selector.select(row);
          if (task) items.push({ id: row.id, store: row.store, till: row.till, verdict: ticketVerdict(task.row, task.link, refs) });
        }
        const last = rows.length < PAGE;
        await post(items, last);
        if (last) break;
        from = Number(rows[rows.length - 1].number) + 1;
      }
    }
    db.exec('commit');
  } finally {
    db.close();
  }
  parentPort!.postMessage({ type: 'read-done' });
}

parentPort!.on('message', (m: { type: string; seq?: number; tasks?: CheckTask[]; spans?: TillSpan[] }) => {
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
  if (m.type === 'check') {
    try {
      parentPort!.postMessage({ type: 'verdicts', seq: m.seq, verdicts: m.tasks!.map((t) => ticketVerdict(t.row, t.link, refs)) });
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
