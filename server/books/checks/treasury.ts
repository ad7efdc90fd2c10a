/**
 * treasury: the money the posted tickets took (their payments in cash, card, cheque… modes,
 * recomputed from the signed tickets) = the movements posted on the treasury accounts of those
 * modes by posting (Σ debit − credit of the lines without third party of posting's treasury
 * entries). Bank and other imports are their own batches and are left out. When the totals differ,
 * the days that differ are named.
 */
import { amountText, bigOf } from './amounts.ts';
import { Problems, requireMapping, type BooksCheck } from './check.ts';
import { postedMoney } from './money-received.ts';

export const treasuryCheck: BooksCheck = {
  name: 'treasury',
  title: "money taken by the posted tickets = movements on the treasury accounts of posting's entries",
  periodScope: { mode: 'period', how: "the period's posted tickets (by their documents' day, or their own without one) against the period's treasury entries (by entry date)" },
  async run(ctx) {
    const p = new Problems();
    const m = requireMapping(ctx, p);
    if (!m) return p.done();
    const d = m.rounding.decimals;
    const money = await postedMoney(ctx.db, m, await ctx.ticketFacts(), ctx.period);
    const accounts = [...new Set(Object.values(m.paymentModes).filter((x) => !x.credit && !x.depositVoucher && x.account).map((x) => x.account!))];
    const rows = accounts.length
      ? await ctx.db
          .selectFrom('entry_lines as l')
          .innerJoin('entries as e', 'e.id', 'l.entry_id')
          .innerJoin('batches as b', 'b.id', 'e.batch_id')
          .select(['e.entry_date', ctx.sql.sum('l.debit').as('dr'), ctx.sql.sum('l.credit').as('cr')])
          .where('b.kind', '=', 'posting')
          .where('e.kind', '<>', 'sales')
          .where('l.aux_account', 'is', null)
          .where('l.account', 'in', accounts)
          .$if(ctx.period !== null, (q) => q.where('e.entry_date', '>=', ctx.period!.from).where('e.entry_date', '<=', ctx.period!.to))
          .groupBy('e.entry_date')
          .execute()
      : [];
    const moved = new Map(rows.map((r) => [r.entry_date, bigOf(r.dr) - bigOf(r.cr)]));
    const taken = new Map<string, bigint>();
    for (const t of money.values()) taken.set(t.day, (taken.get(t.day) ?? 0n) + t.amount);
    const total = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);
    const want = total(taken.values());
    const got = total(moved.values());
    if (want !== got) {
      p.add('money taken by the posted tickets ≠ treasury movements', 'treasury', { expected: amountText(want, d), found: amountText(got, d) });
      for (const day of [...new Set([...taken.keys(), ...moved.keys()])].sort()) {
        const w = taken.get(day) ?? 0n;
        const g = moved.get(day) ?? 0n;
        if (w !== g) p.add(`day ${day}: money taken ≠ treasury movements`, `day ${day}`, { expected: amountText(w, d), found: amountText(g, d) });
      }
    }
    return p.done(`${money.size} posted ticket(s) took ${amountText(want, d)}`);
  },
};
