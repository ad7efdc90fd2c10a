/** Read-only queries of documents (invoices, delivery notes, credit notes) for the back office. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface DocumentFilter {
  from?: string;
  to?: string;
  customer?: string;
  till?: string;
  kind?: string;
  number?: string;
  batch?: number;
  limit?: number;
}

export async function searchDocuments(db: Kysely<Database>, f: DocumentFilter) {
  let q = db.selectFrom('documents').selectAll();
  if (f.from) q = q.where('day', '>=', f.from);
  if (f.to) q = q.where('day', '<=', f.to);
  if (f.customer) q = q.where('customer', 'like', `%${f.customer}%`);
  if (f.till) q = q.where('till', '=', f.till);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.number) q = q.where('number', 'like', `%${f.number}%`);
  if (f.batch) q = q.where('batch_id', '=', f.batch);
  return q.orderBy('id', 'desc').limit(f.limit ?? 300).execute();
}

export async function documentDetail(db: Kysely<Database>, number: string) {
  const doc = await db.selectFrom('documents').selectAll().where('number', '=', number).executeTakeFirst();
  if (!doc) return null;
  const vat = await db.selectFrom('document_vat').selectAll().where('document_id', '=', doc.id).orderBy('vat_code').execute();
  const tickets = await db
    .selectFrom('tickets')
    .select(['id', 'number', 'sold_at', 'customer', 'total_incl', 'total_due', 'degraded', 'content'])
    .where('document_id', '=', doc.id)
    .orderBy('till')
    .orderBy('number')
    .execute();
  return { doc, vat, tickets };
}
