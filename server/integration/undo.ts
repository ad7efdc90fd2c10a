/**
 * Undo of integration batches (seed 004: "annuler plusieurs lots successifs… plus possible dès lors
 * qu'une facture (ou un avoir) a été créé… dans la chaîne de numérotation"). `--batch N` undoes N
 * and every later integration batch, latest first, in one transaction under the integration lock:
 * documents deleted, numbers given back to their series, tickets pending again (updated_at bumped
 * so tills see the number go). Refused, with nothing changed, when a document of those batches was
 * posted, or when a later document not from those batches holds a number in one of their series.
 */
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog } from '../log-book.ts';
import type { DocumentKind } from './document-kind.ts';
import { formatNumber, lockSeries, saveSeries, type Series } from './numbering.ts';
import { withIntegrationLock } from './write-lock.ts';

export interface UndoSummary {
  /** Batches undone, latest first. */
  batches: number[];
  documents: number;
  tickets: number;
  /** Per series, the numbers given back (first–last) and where the series now stands. */
  released: Partial<Record<Series, { first: string; last: string; lastUsed: number }>>;
}

function refuse(message: string, hint: string): TillsyncError {
  return new TillsyncError('undo-refused', message, { hint, status: 409 });
}

export async function undoIntegration(db: Kysely<Database>, data: string, batch: number): Promise<UndoSummary> {
  const summary = await withIntegrationLock(db, async (trx) => {
    const target = await trx.selectFrom('batches').select(['id', 'kind', 'status']).where('id', '=', batch).executeTakeFirst();
    if (!target) throw new TillsyncError('not-found', `there is no batch ${batch}`, { hint: 'list batches with: tillsync server status --data DIR', status: 404 });
    if (target.kind !== 'integration') throw refuse(`batch ${batch} is a ${target.kind} batch, not an integration batch`, `undo it with the ${target.kind} command's own undo`);
    if (target.status === 'undone') throw refuse(`batch ${batch} is already undone`, 'nothing to do');
    if (target.status !== 'done') throw refuse(`batch ${batch} is ${target.status}, not done`, 'only finished integration batches can be undone');

    const batches = (
      await trx.selectFrom('batches').select('id').where('kind', '=', 'integration').where('status', '=', 'done').where('id', '>=', batch).orderBy('id', 'desc').execute()
    ).map((r) => Number(r.id));

    const posted = await trx
      .selectFrom('documents')
      .select(['number', 'batch_id', 'posting_batch'])
      .where('batch_id', 'in', batches)
      .where('posting_batch', 'is not', null)
      .orderBy('id')
      .executeTakeFirst();
    if (posted) {
      throw refuse(
        `batch ${posted.batch_id} cannot be undone: document ${posted.number} was posted (posting batch ${posted.posting_batch})`,
        `undo posting batch ${posted.posting_batch} first; an exported posting cannot be undone`,
      );
    }
    // Payment-only tickets (a deposit, an invoice settlement) make no document; posting marks them in posted_tickets.
    const postedPayment = await trx
      .selectFrom('posted_tickets')
      .innerJoin('tickets', 'tickets.id', 'posted_tickets.ticket_id')
      .select(['tickets.id', 'tickets.integration_batch', 'posted_tickets.batch_id'])
      .where('tickets.integration_batch', 'in', batches)
      .orderBy('tickets.id')
      .executeTakeFirst();
    if (postedPayment) {
      throw refuse(
        `batch ${postedPayment.integration_batch} cannot be undone: payment ticket ${postedPayment.id} was posted (posting batch ${postedPayment.batch_id})`,
        `undo posting batch ${postedPayment.batch_id} first; an exported posting cannot be undone`,
      );
    }

    const spans = await trx
      .selectFrom('documents')
      .select((eb) => ['series', eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi'), eb.fn.countAll<number>().as('n')])
      .where('batch_id', 'in', batches)
      .groupBy('series')
      .execute();
    const series = await lockSeries(trx);
    const before = new Map(series);
    const released: UndoSummary['released'] = {};
    for (const s of spans) {
      const kind = s.series as DocumentKind;
      const lo = Number(s.lo);
      const hi = Number(s.hi);
      const later = await trx
        .selectFrom('documents')
        .select(['number', 'batch_id'])
        .where('series', '=', kind)
        .where('seq', '>', lo)
        .where('batch_id', 'not in', batches)
        .orderBy('seq')
        .executeTakeFirst();
      if (later) {
        throw refuse(
          `batch ${batch} cannot be undone: document ${later.number} was created after it in the same numbering series (batch ${later.batch_id}), and undoing would leave a hole in the numbers`,
          'only the latest documents of a series can be undone',
        );
      }
      const last = series.get(kind) ?? 0;
      if (last !== hi || Number(s.n) !== hi - lo + 1) {
        throw refuse(
          `batch ${batch} cannot be undone: number ${formatNumber(kind, last)} was taken after ${formatNumber(kind, hi)} in the same series`,
          'only the latest documents of a series can be undone',
        );
      }
      series.set(kind, lo - 1);
      released[kind] = { first: formatNumber(kind, lo), last: formatNumber(kind, hi), lastUsed: lo - 1 };
    }

    // Deposit invoices of the batches (FA series): released the same way, latest numbers only.
    const fa = await trx
      .selectFrom('deposit_invoices')
      .select((eb) => [eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi'), eb.fn.countAll<number>().as('n')])
      .where('batch_id', 'in', batches)
      .executeTakeFirst();
    if (fa && Number(fa.n) > 0) {
      const lo = Number(fa.lo);
      const hi = Number(fa.hi);
      const last = series.get('deposit-invoice') ?? 0;
      if (last !== hi || Number(fa.n) !== hi - lo + 1) {
        throw refuse(`batch ${batch} cannot be undone: deposit invoice ${formatNumber('deposit-invoice', last)} was taken after ${formatNumber('deposit-invoice', hi)}`, 'only the latest documents of a series can be undone');
      }
      series.set('deposit-invoice', lo - 1);
      released['deposit-invoice'] = { first: formatNumber('deposit-invoice', lo), last: formatNumber('deposit-invoice', hi), lastUsed: lo - 1 };
      await trx.deleteFrom('deposit_invoices').where('batch_id', 'in', batches).execute();
    }

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
