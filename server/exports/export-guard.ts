/**
 * Exported entries are in the accountant's hands: the batches that made them can no longer be
 * undone. Undo paths (posting undo, integration undo) call these before touching anything.
 */
import { TillsyncError } from '../../sync/errors.ts';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

type DbLike = Kysely<Database> | Transaction<Database>;

async function firstExported(db: DbLike, where: (q: any) => any): Promise<{ count: number; exportId: number | null; file: string | null }> {
  const row = await where(db.selectFrom('entries').where('entries.export_id', 'is not', null))
    .select((eb: any) => [eb.fn.countAll().as('n'), eb.fn.min('entries.export_id').as('first')])
    .executeTakeFirst();
  const count = Number(row?.n ?? 0);
  if (!count) return { count: 0, exportId: null, file: null };
  const exportId = Number(row.first);
  const exp = await db.selectFrom('exports').select('file').where('id', '=', exportId).executeTakeFirst();
  return { count, exportId, file: exp?.file ?? null };
}

function refuse(what: string, r: { count: number; exportId: number | null; file: string | null }): never {
  throw new TillsyncError('exported', `${what} cannot be undone: ${r.count} of its entries were exported (export #${r.exportId}${r.file ? `, ${r.file}` : ''})`, {
    hint: `the accountant has them; if they really must go, tell the accountant, run tillsync server export-reset --export ${r.exportId}, then undo`,
    status: 409,
  });
}

/** Refuses when an entry of this posting batch has been exported. */
export async function assertPostingBatchNotExported(db: DbLike, postingBatchId: number): Promise<void> {
  const r = await firstExported(db, (q) => q.where('entries.batch_id', '=', postingBatchId));
  if (r.count) refuse(`posting batch ${postingBatchId}`, r);
}

/** Refuses when an entry posting a document of this integration batch has been exported. */
export async function assertIntegrationBatchNotExported(db: DbLike, integrationBatchId: number): Promise<void> {
  const r = await firstExported(db, (q) =>
    q.where((eb: any) =>
      eb.or([
        eb('entries.piece', 'in', eb.selectFrom('documents').select('documents.number').where('documents.batch_id', '=', integrationBatchId)),
        eb.exists(
          eb
            .selectFrom('entry_lines as el')
            .select('el.id')
            .whereRef('el.entry_id', '=', 'entries.id')
            .where('el.document_number', 'in', eb.selectFrom('documents').select('documents.number').where('documents.batch_id', '=', integrationBatchId)),
        ),
      ]),
    ),
  );
  if (r.count) refuse(`integration batch ${integrationBatchId}`, r);
}
