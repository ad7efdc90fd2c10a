/**
 * Undo of integration batches (seed 004: "annuler plusieurs lots successifs… plus possible dès lors
 * qu'une facture (ou un avoir) a été créé… dans la chaîne de numérotation"). `--batch N` undoes N
 * and every later integration batch, latest first, in one transaction under the books lock:
 * documents deleted, numbers given back to their series, tickets pending again (updated_at bumped
 * so tills see the number go). Refused, with nothing changed, when a document of those batches was
 * posted, or when a later document not from those batches holds a number in one of their series
 * (undo-refusal.ts: the same rule decides the back office's Undo button).
 */
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog } from '../log-book.ts';
import { formatNumber, lockSeries, saveSeries, type Series } from './numbering.ts';
import { undoPlan } from './undo-refusal.ts';
import { withBooksLock } from '../db/books-lock.ts';

export interface UndoSummary {
  /** Batches undone, latest first. */
  batches: number[];
  documents: number;
  tickets: number;
  /** Per series, the numbers given back (first–last) and where the series now stands. */
  released: Partial<Record<Series, { first: string; last: string; lastUsed: number }>>;
}

export async function undoIntegration(db: Kysely<Database>, data: string, batch: number): Promise<UndoSummary> {
  const summary = await withBooksLock(db, async (trx) => {
    const series = await lockSeries(trx);
    const checked = await undoPlan(trx, batch, series);
    if ('refusal' in checked) {
      const r = checked.refusal;
      throw new TillsyncError(r.code, r.message, { hint: r.hint, status: r.code === 'not-found' ? 404 : 409, detail: r.detail });
    }
    const { batches, spans } = checked.plan;
    const before = new Map(series);
    const released: UndoSummary['released'] = {};
    for (const s of spans) {
      series.set(s.series, s.lo - 1);
      released[s.series] = { first: formatNumber(s.series, s.lo), last: formatNumber(s.series, s.hi), lastUsed: s.lo - 1 };
    }
    if (spans.some((s) => s.series === 'deposit-invoice')) await trx.deleteFrom('deposit_invoices').where('batch_id', 'in', batches).execute();

    const now = nowIso();
    let documents = 0;
    let tickets = 0;
    for (const b of batches) {
      const docIds = trx.selectFrom('documents').select('id').where('batch_id', '=', b);
      const withDocs = await trx
        .updateTable('tickets')
        .set({ document_id: null, document_number: null, integration_batch: null, updated_at: now })
        .where('document_id', 'in', docIds)
        .executeTakeFirst();
      const withoutDocs = await trx
        .updateTable('tickets')
        .set({ integration_batch: null, updated_at: now })
        .where('document_id', 'is', null)
        .where('integration_batch', '=', b)
        .executeTakeFirst();
      tickets += Number(withDocs.numUpdatedRows) + Number(withoutDocs.numUpdatedRows);
      await trx.deleteFrom('document_vat').where('document_id', 'in', docIds).execute();
      const del = await trx.deleteFrom('documents').where('batch_id', '=', b).executeTakeFirst();
      documents += Number(del.numDeletedRows);
      const row = await trx.selectFrom('batches').select('summary').where('id', '=', b).executeTakeFirst();
      const kept = row?.summary ? (JSON.parse(row.summary) as Record<string, unknown>) : {};
      await trx.updateTable('batches').set({ status: 'undone', summary: JSON.stringify({ ...kept, undoneAt: now }) }).where('id', '=', b).execute();
    }
    await saveSeries(trx, before, series);
    const out: UndoSummary = { batches, documents, tickets, released };
    await trx
      .insertInto('log_book')
      .values({ at: now, severity: 'info', channel: 'integration', file: null, till: null, ticket: null, message: describeUndo(out) })
      .execute();
    return out;
  });
  appendDayLog(data, `INFO [integration] ${describeUndo(summary)}`);
  return summary;
}

export function describeUndo(s: UndoSummary): string {
  const numbers = Object.values(s.released)
    .map((r) => (r.first === r.last ? r.first : `${r.first}–${r.last}`))
    .join(', ');
  return `integration batch${s.batches.length > 1 ? 'es' : ''} ${[...s.batches].reverse().join(', ')} undone: ${s.documents} document(s) removed${numbers ? ` (numbers ${numbers} released)` : ''}, ${s.tickets} ticket(s) pending again`;
}
