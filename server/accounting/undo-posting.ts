/**
 * Undo of posting and lettering batches, while not exported. Like integration's undo, `--batch N`
 * undoes N and every later posting/lettering batch, latest first, in one transaction under the
 * books' write lock: entries and lines deleted, letterings of those batches removed and the ones
 * they superseded restored (lines unlettered or re-lettered as before), settlement items created
 * deleted and the ones they closed reopened, documents and payment-only tickets pending again.
 * Refused, with nothing changed, when an entry of those batches was exported.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { TillsyncError, type MessageRef } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { exportNote, firstExportedEntry } from '../exports/exported-entry.ts';

/**
 * Batches that write entries, letterings and settlement items. The imports' batches (outside
 * receivables, bank statements, payments from the accounting software: server/imports/) write
 * the same rows and are undone the same way, in the same chain.
 */
export const ACCOUNTING_BATCH_KINDS = ['posting', 'lettering', 'import-receivables', 'import-bank', 'import-payments'];

export interface PostingUndoSummary {
  /** Batches undone, latest first. */
  batches: number[];
  entries: number;
  letterings: number;
  settlements: number;
  reopened: number;
  documents: number;
}

function refuse(message: string, hint: string, detail?: MessageRef): TillsyncError {
  return new TillsyncError('undo-refused', message, { hint, status: 409, detail });
}

/** Why `server undo --batch N` would refuse a posting/lettering batch now, or null when it would accept it. */
export interface PostingUndoRefusal {
  code: 'not-found' | 'undo-refused';
  message: string;
  hint: string;
  /** The reason's id and parameters, for screens in another language than the CLI's English. */
  detail: MessageRef;
}

/**
 * The one rule of a posting/lettering undo: used by undoPosting below (inside its locked
 * transaction) and by the back office, which offers Undo only where this says nothing.
 * Read-only; also returns the batches an accepted undo takes with it (latest first).
 */
export async function postingUndoCheck(db: Kysely<Database>, batch: number): Promise<{ refusal: PostingUndoRefusal } | { batches: number[] }> {
  const refused = (message: string, hint: string, id: string, params: MessageRef['params']) => ({ refusal: { code: 'undo-refused' as const, message, hint, detail: { id, params } } });
  const target = await db.selectFrom('batches').select(['id', 'kind', 'status']).where('id', '=', batch).executeTakeFirst();
  if (!target) return { refusal: { code: 'not-found', message: `there is no batch ${batch}`, hint: 'list batches with: tillsync server status --data DIR', detail: { id: 'undo.noBatch', params: { batch } } } };
  if (!ACCOUNTING_BATCH_KINDS.includes(target.kind)) return refused(`batch ${batch} is a ${target.kind} batch, not a posting or lettering batch`, 'undo it with its own command', 'undo.notPosting', { batch, kind: target.kind });
  if (target.status === 'undone') return refused(`batch ${batch} is already undone`, 'nothing to do', 'undo.alreadyUndone', { batch });
  if (target.status !== 'done') return refused(`batch ${batch} is ${target.status}, not done`, 'only finished batches can be undone', 'undo.batchNotDone', { batch, status: target.status });
  const batches = (
    await db.selectFrom('batches').select('id').where('kind', 'in', ACCOUNTING_BATCH_KINDS).where('status', '=', 'done').where('id', '>=', batch).orderBy('id', 'desc').execute()
  ).map((r) => Number(r.id));
  const exported = await firstExportedEntry(db, batches);
  if (exported) {
    return refused(`batch ${exported.batchId} cannot be undone: its entry ${exported.piece} was exported ${exportNote(exported)}`, "an exported posting is in the accountant's hands: correct it with a new entry instead", 'undo.postingExported', { batch: Number(exported.batchId), entry: exported.piece, export: Number(exported.exportId), profile: exported.profile ?? 'none' });
  }
  return { batches };
}

/** Null when an undo of this posting/lettering batch would be accepted now. */
export async function postingUndoRefusal(db: Kysely<Database>, batch: number): Promise<PostingUndoRefusal | null> {
  const out = await postingUndoCheck(db, batch);
  return 'refusal' in out ? out.refusal : null;
}

export async function undoPosting(db: Kysely<Database>, data: string, batch: number): Promise<PostingUndoSummary> {
  const summary = await withBooksLock(db, async (trx) => {
    const check = await postingUndoCheck(trx, batch);
    if ('refusal' in check) {
      const r = check.refusal;
      throw r.code === 'not-found' ? new TillsyncError('not-found', r.message, { hint: r.hint, status: 404, detail: r.detail }) : refuse(r.message, r.hint, r.detail);
    }
    const batches = check.batches;

    const out: PostingUndoSummary = { batches, entries: 0, letterings: 0, settlements: 0, reopened: 0, documents: 0 };
    const now = nowIso();
    for (const b of batches) {
      // Lines lettered by this batch go back to the lettering it superseded (or none).
      await sql`update entry_lines set lettering_id = (select g.previous_id from letterings g where g.id = entry_lines.lettering_id)
        where lettering_id in (select id from letterings where batch_id = ${b})`.execute(trx);
      await trx.updateTable('letterings').set({ superseded_batch: null }).where('superseded_batch', '=', b).execute();
      const lets = await trx.deleteFrom('letterings').where('batch_id', '=', b).executeTakeFirst();
      out.letterings += Number(lets.numDeletedRows);

      await trx.deleteFrom('entry_lines').where('entry_id', 'in', trx.selectFrom('entries').select('id').where('batch_id', '=', b)).execute();
      const ents = await trx.deleteFrom('entries').where('batch_id', '=', b).executeTakeFirst();
      out.entries += Number(ents.numDeletedRows);

      const sets = await trx.deleteFrom('settlements').where('batch_id', '=', b).executeTakeFirst();
      out.settlements += Number(sets.numDeletedRows);
      const reopened = await trx.updateTable('settlements').set({ closed_batch: null }).where('closed_batch', '=', b).executeTakeFirst();
      out.reopened += Number(reopened.numUpdatedRows);

      const docs = await trx.updateTable('documents').set({ posting_batch: null }).where('posting_batch', '=', b).executeTakeFirst();
      out.documents += Number(docs.numUpdatedRows);
      await trx.deleteFrom('posted_tickets').where('batch_id', '=', b).execute();

      const row = await trx.selectFrom('batches').select('summary').where('id', '=', b).executeTakeFirst();
      const kept = row?.summary ? (JSON.parse(row.summary) as Record<string, unknown>) : {};
      await trx.updateTable('batches').set({ status: 'undone', summary: JSON.stringify({ ...kept, undoneAt: now }) }).where('id', '=', b).execute();
    }
    await trx.insertInto('log_book').values({ at: now, severity: 'info', channel: 'posting', file: null, till: null, ticket: null, message: describePostingUndo(out) }).execute();
    return out;
  });
  appendDayLog(data, `INFO [posting] ${describePostingUndo(summary)}`);
  return summary;
}

export function describePostingUndo(s: PostingUndoSummary): string {
  return `posting batch${s.batches.length > 1 ? 'es' : ''} ${[...s.batches].reverse().join(', ')} undone: ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'} and ${s.letterings} lettering(s) removed, ${s.settlements} settlement item(s) removed, ${s.reopened} reopened, ${s.documents} document(s) pending posting again`;
}

/**
 * For `server undo --batch N` (server/integration/cli.ts): undoes N when it is a posting or
 * lettering batch, and returns null for any other batch (integration undoes it then).
 */
export async function undoIfAccountingBatch(db: Kysely<Database>, data: string, batch: number): Promise<{ data: PostingUndoSummary; text: string } | null> {
  const row = await db.selectFrom('batches').select('kind').where('id', '=', batch).executeTakeFirst();
  if (!row || !ACCOUNTING_BATCH_KINDS.includes(row.kind)) return null;
  const s = await undoPosting(db, data, batch);
  return { data: s, text: describePostingUndo(s) };
}
