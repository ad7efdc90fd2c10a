/**
 * lettering: every lettering group in use sums to zero (Σ debit = Σ credit of its lines) unless
 * flagged partial, and a partial one does not; a group stays on one account and third party; lines
 * point at a current lettering (not one a later batch superseded), and a current lettering letters
 * something. Sums in exact integer units in SQL.
 */
import { amountText, bigOf } from './amounts.ts';
import { Problems, type BooksCheck } from './check.ts';

export const letteringCheck: BooksCheck = {
  name: 'lettering',
  title: 'each lettering group sums to zero (or is flagged partial), on one account, current',
  // A group letters an invoice of one month with its payment of the next: no period holds it whole.
  periodScope: { mode: 'whole', how: 'whole books: a lettering group spans periods (an invoice and its later payment)' },
  async run({ db, sql: u }) {
    const p = new Problems();
    const groups = await db
      .selectFrom('entry_lines as l')
      .leftJoin('letterings as g', 'g.id', 'l.lettering_id')
      .select([
        'l.lettering_id',
        'g.id as gid',
        'g.code',
        'g.partial',
        'g.superseded_batch',
        'g.account as gaccount',
        (eb) => eb.fn.min('l.account').as('a1'),
        (eb) => eb.fn.max('l.account').as('a2'),
        (eb) => eb.fn.min(eb.fn.coalesce('l.aux_account', eb.val(''))).as('x1'),
        (eb) => eb.fn.max(eb.fn.coalesce('l.aux_account', eb.val(''))).as('x2'),
        u.sum('l.debit').as('dr'),
        u.sum('l.credit').as('cr'),
      ])
      .where('l.lettering_id', 'is not', null)
      .groupBy(['l.lettering_id', 'g.id', 'g.code', 'g.partial', 'g.superseded_batch', 'g.account'])
      .execute();
    let partial = 0;
    for (const g of groups) {
      if (g.gid === null) {
        p.add(`lines lettered with ${g.lettering_id}, which does not exist`, `lettering ${g.lettering_id}`);
        continue;
      }
      const ref = `lettering ${g.code} on ${g.a1}${g.x1 ? `/${g.x1}` : ''}`;
      const dr = bigOf(g.dr);
      const cr = bigOf(g.cr);
      const isPartial = Boolean(Number(g.partial));
      if (isPartial) partial++;
      if (dr !== cr && !isPartial) p.add(`${ref} does not sum to zero and is not flagged partial`, ref, { debit: amountText(dr), credit: amountText(cr) });
      if (dr === cr && isPartial) p.add(`${ref} sums to zero but is flagged partial`, ref, { debit: amountText(dr), credit: amountText(cr) });
      if (g.a1 !== g.a2 || g.x1 !== g.x2) p.add(`${ref} spans accounts ${g.a1}/${g.x1} and ${g.a2}/${g.x2}`, ref);
      if (g.superseded_batch !== null) p.add(`${ref}: its lines point at a lettering superseded by batch ${g.superseded_batch}`, ref);
    }
    const used = new Set(groups.map((g) => Number(g.lettering_id)));
    const current = await db.selectFrom('letterings').select(['id', 'code', 'account']).where('superseded_batch', 'is', null).execute();
    for (const l of current) if (!used.has(Number(l.id))) p.add(`lettering ${l.code} on ${l.account} is current but letters no line`, `lettering ${l.code} on ${l.account}`);
    return p.done(`${groups.length} group(s) in use, ${partial} partial`);
  },
};
