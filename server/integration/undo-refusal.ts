/**
 * Whether an integration batch can be undone, and why not: the one rule used by the CLI's
 * `server undo` (undo.ts, inside its locked transaction) and by the back office's control grid
 * (its Undo button is shown only when this says nothing), so the two never disagree.
 * Read-only: it looks, it never changes anything.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { DocumentKind } from './document-kind.ts';
import { formatNumber, readSeries, type Series, type SeriesState } from './numbering.ts';
import type { MessageRef } from '../../sync/errors.ts';

export interface UndoRefusal {
  code: 'not-found' | 'undo-refused';
  message: string;
  hint: string;
  /** The reason's id and parameters, for screens in another language than the CLI's English. */
  detail: MessageRef;
}

/** What an accepted undo removes: the batches (latest first) and the number spans it gives back. */
export interface UndoPlan {
  batches: number[];
  spans: { series: Series; lo: number; hi: number }[];
}

function refused(message: string, hint: string, id: string, params: MessageRef['params']): { refusal: UndoRefusal } {
  return { refusal: { code: 'undo-refused', message, hint, detail: { id, params } } };
}

/** Null when `server undo --batch N` would be accepted now; otherwise the reason it refuses. */
export async function undoRefusal(db: Kysely<Database>, batch: number): Promise<UndoRefusal | null> {
  const out = await undoPlan(db, batch);
  return 'refusal' in out ? out.refusal : null;
}

/**
 * The checks, in the order the CLI has always made them. `series` is the numbering state to check
 * against: undo.ts passes the one it locked; the back office reads it unlocked.
 */
export async function undoPlan(db: Kysely<Database>, batch: number, series?: SeriesState): Promise<{ refusal: UndoRefusal } | { plan: UndoPlan }> {
  const target = await db.selectFrom('batches').select(['id', 'kind', 'status']).where('id', '=', batch).executeTakeFirst();
  if (!target) return { refusal: { code: 'not-found', message: `there is no batch ${batch}`, hint: 'list batches with: tillsync server status --data DIR', detail: { id: 'undo.noBatch', params: { batch } } } };
  if (target.kind !== 'integration') return refused(`batch ${batch} is a ${target.kind} batch, not an integration batch`, `undo it with the ${target.kind} command's own undo`, 'undo.notIntegration', { batch, kind: target.kind });
  if (target.status === 'undone') return refused(`batch ${batch} is already undone`, 'nothing to do', 'undo.alreadyUndone', { batch });
  if (target.status !== 'done') return refused(`batch ${batch} is ${target.status}, not done`, 'only finished integration batches can be undone', 'undo.notDone', { batch, status: target.status });

  const batches = (
    await db.selectFrom('batches').select('id').where('kind', '=', 'integration').where('status', '=', 'done').where('id', '>=', batch).orderBy('id', 'desc').execute()
  ).map((r) => Number(r.id));

  const posted = await db
    .selectFrom('documents')
    .select(['number', 'batch_id', 'posting_batch'])
    .where('batch_id', 'in', batches)
    .where('posting_batch', 'is not', null)
    .orderBy('id')
    .executeTakeFirst();
  if (posted) {
    return refused(
      `batch ${posted.batch_id} cannot be undone: document ${posted.number} was posted (posting batch ${posted.posting_batch})`,
      `undo posting batch ${posted.posting_batch} first; an exported posting cannot be undone`,
      'undo.documentPosted',
      { batch: Number(posted.batch_id), document: posted.number, posting: Number(posted.posting_batch) },
    );
  }
  // Payment-only tickets (a deposit, an invoice settlement) make no document; posting marks them in posted_tickets.
  const postedPayment = await db
    .selectFrom('posted_tickets')
    .innerJoin('tickets', 'tickets.id', 'posted_tickets.ticket_id')
    .select(['tickets.id', 'tickets.integration_batch', 'posted_tickets.batch_id'])
    .where('tickets.integration_batch', 'in', batches)
    .orderBy('tickets.id')
    .executeTakeFirst();
  if (postedPayment) {
    return refused(
      `batch ${postedPayment.integration_batch} cannot be undone: payment ticket ${postedPayment.id} was posted (posting batch ${postedPayment.batch_id})`,
      `undo posting batch ${postedPayment.batch_id} first; an exported posting cannot be undone`,
      'undo.paymentPosted',
      { batch: Number(postedPayment.integration_batch), ticket: postedPayment.id, posting: Number(postedPayment.batch_id) },
    );
  }

  const state = series ?? (await readSeries(db));
  const spans: UndoPlan['spans'] = [];
  const docSpans = await db
    .selectFrom('documents')
    .select((eb) => ['series', eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi'), eb.fn.countAll<number>().as('n')])
    .where('batch_id', 'in', batches)
    .groupBy('series')
    .execute();
  for (const s of docSpans) {
    const kind = s.series as DocumentKind;
    const lo = Number(s.lo);
    const hi = Number(s.hi);
    const later = await db
      .selectFrom('documents')
      .select(['number', 'batch_id'])
      .where('series', '=', kind)
      .where('seq', '>', lo)
      .where('batch_id', 'not in', batches)
      .orderBy('seq')
      .executeTakeFirst();
    if (later) {
      return refused(
        `batch ${batch} cannot be undone: document ${later.number} was created after it in the same numbering series (batch ${later.batch_id}), and undoing would leave a hole in the numbers`,
        'only the latest documents of a series can be undone',
        'undo.laterDocument',
        { batch, document: later.number, later: Number(later.batch_id) },
      );
    }
    const last = state.get(kind) ?? 0;
    if (last !== hi || Number(s.n) !== hi - lo + 1) {
      return refused(`batch ${batch} cannot be undone: number ${formatNumber(kind, last)} was taken after ${formatNumber(kind, hi)} in the same series`, 'only the latest documents of a series can be undone', 'undo.numberTaken', { batch, taken: formatNumber(kind, last), last: formatNumber(kind, hi) });
    }
    spans.push({ series: kind, lo, hi });
  }

  // Deposit invoices of the batches (FA series): released the same way, latest numbers only.
  const fa = await db
    .selectFrom('deposit_invoices')
    .select((eb) => [eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi'), eb.fn.countAll<number>().as('n')])
    .where('batch_id', 'in', batches)
    .executeTakeFirst();
  if (fa && Number(fa.n) > 0) {
    const lo = Number(fa.lo);
    const hi = Number(fa.hi);
    const last = state.get('deposit-invoice') ?? 0;
    if (last !== hi || Number(fa.n) !== hi - lo + 1) {
      return refused(`batch ${batch} cannot be undone: deposit invoice ${formatNumber('deposit-invoice', last)} was taken after ${formatNumber('deposit-invoice', hi)}`, 'only the latest documents of a series can be undone', 'undo.depositTaken', { batch, taken: formatNumber('deposit-invoice', last), last: formatNumber('deposit-invoice', hi) });
    }
    spans.push({ series: 'deposit-invoice', lo, hi });
  }
  return { plan: { batches, spans } };
}
