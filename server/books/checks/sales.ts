/**
 * sales: each document posted as sales is on its customer's account once, for its total rounded
 * to the books' decimals (Σ debit − credit of the customer lines of the sales entries carrying its
 * number); no customer line of a sales entry carries a number that is not a posted document. A
 * document posted twice, or half-posted, shows here.
 */
import { amountText, bigOf, roundTo } from './amounts.ts';
import { Problems, requireMapping, type BooksCheck } from './check.ts';
import { postedSalesDocuments } from './posted-documents.ts';

export const salesCheck: BooksCheck = {
  name: 'sales',
  title: "each posted document's total = its customer lines in the sales entries (once, to the books' decimals)",
  periodScope: { mode: 'period', how: "the period's posted documents (by day) against the customer lines of the period's sales entries (by entry date)" },
  async run(ctx) {
    const { db, sql: u, period } = ctx;
    const p = new Problems();
    const mapping = requireMapping(ctx, p);
    if (!mapping) return p.done();
    const d = mapping.rounding.decimals;
    const { docs, unreadable } = await postedSalesDocuments(db, mapping, period);
    for (const n of unreadable) p.add(`document ${n}: its total is not an amount`, `document ${n}`);
    const lines = await db
      .selectFrom('entry_lines as l')
      .innerJoin('entries as e', 'e.id', 'l.entry_id')
      .innerJoin('batches as b', 'b.id', 'e.batch_id')
      .select(['l.document_number', (eb) => eb.fn.count('l.id').as('n'), u.sum('l.debit').as('dr'), u.sum('l.credit').as('cr'), (eb) => eb.fn.min('e.id').as('entry')])
      .where('b.kind', '=', 'posting')
      .where('e.kind', '=', 'sales')
      .where('l.aux_account', 'is not', null)
      .where('l.document_number', 'is not', null)
      .$if(period !== null, (q) => q.where('e.entry_date', '>=', period!.from).where('e.entry_date', '<=', period!.to))
      .groupBy('l.document_number')
      .execute();
    const byNumber = new Map(lines.map((l) => [l.document_number!, l]));
    let total = 0n;
    for (const doc of docs) {
      const ref = `document ${doc.number}`;
      const want = roundTo(doc.total, d);
      total += want;
      const l = byNumber.get(doc.number);
      byNumber.delete(doc.number);
      if (!l) {
        p.add(`${ref} is marked posted but no customer line of a sales entry carries its number`, ref, { expected: amountText(want, d), found: '0' });
        continue;
      }
      const got = bigOf(l.dr) - bigOf(l.cr);
      if (got !== want) p.add(`${ref}: customer lines ≠ document total (entry ${l.entry})`, ref, { expected: amountText(want, d), found: amountText(got, d) });
    }
    for (const [number, l] of byNumber) {
      p.add(`customer lines of sales entry ${l.entry} carry ${number}, which is not a posted document`, `entry ${l.entry}`, { expected: '0', found: amountText(bigOf(l.dr) - bigOf(l.cr), d) });
    }
    return p.done(`${docs.length} posted document(s), customer total ${amountText(total, d)}`);
  },
};
