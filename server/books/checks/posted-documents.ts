/** The documents posted as sales, shared by the sales and VAT tie-outs. */
import type { AccountingMapping } from '../../accounting/mapping.ts';
import type { Db } from '../../db/database.ts';
import type { CheckPeriod } from './check.ts';
import { units } from './amounts.ts';

export interface PostedDocument {
  id: number;
  number: string;
  kind: string;
  /** Signed total incl VAT, units: a credit note stored positive is negated. */
  total: bigint;
}

/**
 * Documents posted by a posting batch, as sales: delivery notes only when the mapping posts them
 * (by default the commercial side invoices them later; money taken on them goes to treasury). In a
 * period check, the documents of the period's days.
 */
export async function postedSalesDocuments(db: Db, m: AccountingMapping, period: CheckPeriod | null = null): Promise<{ docs: PostedDocument[]; unreadable: string[] }> {
  const rows = await db
    .selectFrom('documents as d')
    .innerJoin('batches as b', 'b.id', 'd.posting_batch')
    .select(['d.id', 'd.number', 'd.kind', 'd.total_incl'])
    .where('b.kind', '=', 'posting')
    .$if(period !== null, (q) => q.where('d.day', '>=', period!.from).where('d.day', '<=', period!.to))
    .orderBy('d.id')
    .execute();
  const docs: PostedDocument[] = [];
  const unreadable: string[] = [];
  for (const r of rows) {
    if (r.kind === 'delivery-note' && m.posting.deliveryNotes !== 'post') continue;
    const t = units(r.total_incl);
    if (t === null) {
      unreadable.push(r.number);
      continue;
    }
    docs.push({ id: Number(r.id), number: r.number, kind: r.kind, total: r.kind === 'credit-note' && t > 0n ? -t : t });
  }
  return { docs, unreadable };
}
