/**
 * balance: every entry balances (Σ debit = Σ credit), has lines, and every line belongs to an
 * entry; so does each journal and the whole ledger. Sums are exact integer units in SQL.
 */
import { sql } from 'kysely';
import { amountText, bigOf } from './amounts.ts';
import { Problems, type BooksCheck } from './check.ts';

export const balanceCheck: BooksCheck = {
  name: 'balance',
  title: 'every entry, every journal and the whole ledger: Σ debit = Σ credit',
  periodScope: { mode: 'period', how: "the period's entries (by entry date): each, per journal and together; lines without an entry are looked for by the whole check only" },
  async run({ db, sql: u, period }) {
    const p = new Problems();
    const from = period?.from ?? '';
    const to = period?.to ?? '';
    const unbalanced = await db
      .selectFrom('entry_lines as l')
      .innerJoin('entries as e', 'e.id', 'l.entry_id')
      .select(['e.id', 'e.journal', 'e.piece', u.sum('l.debit').as('dr'), u.sum('l.credit').as('cr')])
      .$if(period !== null, (q) => q.where('e.entry_date', '>=', from).where('e.entry_date', '<=', to))
      .groupBy(['e.id', 'e.journal', 'e.piece'])
      .having(sql<boolean>`${u.sum('l.debit')} <> ${u.sum('l.credit')}`)
      .orderBy('e.id')
      .execute();
    for (const e of unbalanced) {
      p.add(`entry ${e.id} (${e.journal} ${e.piece}) does not balance`, `entry ${e.id}`, { debit: amountText(bigOf(e.dr)), credit: amountText(bigOf(e.cr)) });
    }
    const empty = await db
      .selectFrom('entries as e')
      .select(['e.id', 'e.journal', 'e.piece'])
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('entry_lines as l').select('l.id').whereRef('l.entry_id', '=', 'e.id'))))
      .$if(period !== null, (q) => q.where('e.entry_date', '>=', from).where('e.entry_date', '<=', to))
      .orderBy('e.id')
      .execute();
    for (const e of empty) p.add(`entry ${e.id} (${e.journal} ${e.piece}) has no line`, `entry ${e.id}`);
    // Lines carry no date: an orphan line belongs to no period.
    const orphans = period
      ? []
      : await db
      .selectFrom('entry_lines as l')
      .select(['l.entry_id', (eb) => eb.fn.countAll().as('n')])
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('entries as e').select('e.id').whereRef('e.id', '=', 'l.entry_id'))))
      .groupBy('l.entry_id')
      .execute();
    for (const o of orphans) p.add(`${o.n} line(s) of entry ${o.entry_id}, which does not exist`, `entry ${o.entry_id}`);

    const journals = await db
      .selectFrom('entry_lines as l')
      .innerJoin('entries as e', 'e.id', 'l.entry_id')
      .select(['e.journal', u.sum('l.debit').as('dr'), u.sum('l.credit').as('cr'), (eb) => eb.fn.count('e.id').distinct().as('n')])
      .$if(period !== null, (q) => q.where('e.entry_date', '>=', from).where('e.entry_date', '<=', to))
      .groupBy('e.journal')
      .orderBy('e.journal')
      .execute();
    let dr = 0n;
    let cr = 0n;
    let entries = 0;
    for (const j of journals) {
      const jd = bigOf(j.dr);
      const jc = bigOf(j.cr);
      dr += jd;
      cr += jc;
      entries += Number(j.n);
      if (jd !== jc) p.add(`journal ${j.journal} does not balance`, `journal ${j.journal}`, { debit: amountText(jd), credit: amountText(jc) });
    }
    if (dr !== cr) p.add(period ? "the period's entries do not balance" : 'the ledger does not balance', 'ledger', { debit: amountText(dr), credit: amountText(cr) });
    return p.done(`${entries} entries in ${journals.length} journal(s), Σ debit = Σ credit = ${amountText(dr)}`);
  },
};
