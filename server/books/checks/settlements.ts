/**
 * settlements: the settlement items (effets) agree with the tickets and with themselves. Per posted
 * ticket, the items it made for money (payments and deposits in cash, card… modes; a refund is a
 * negative payment) sum to the money it took; a payment item leaves nothing open; a receivable or
 * deposit opens its whole amount; an item carved from another (a partial payment's rest) points at
 * an existing, closed item of the same kind and document, with the same sign and less left.
 */
import { amountText, units } from './amounts.ts';
import { Problems, requireMapping, type BooksCheck } from './check.ts';
import { moneyModes, postedMoney } from './money-received.ts';

export const settlementsCheck: BooksCheck = {
  name: 'settlements',
  title: 'settlement items: per posted ticket = the money it took; payments closed, receivables/deposits open in full; rests carved from closed items',
  periodScope: { mode: 'period', how: "the period's settlement items (by the day of the ticket that made them; the items a rest is carved from read wherever they are) against the period's posted tickets" },
  async run(ctx) {
    const p = new Problems();
    const m = requireMapping(ctx, p);
    if (!m) return p.done();
    const d = m.rounding.decimals;
    const { period } = ctx;
    const columns = ['id', 'kind', 'ticket_id', 'document_number', 'mode', 'amount', 'open_amount', 'parent_id', 'closed_batch'] as const;
    const items = await ctx.db
      .selectFrom('settlements')
      .select(columns)
      .$if(period !== null, (q) => q.where('day', '>=', period!.from).where('day', '<=', period!.to))
      .orderBy('id')
      .execute();
    const byId = new Map(items.map((i) => [Number(i.id), i]));
    // A rest of the period may be carved from an item of an earlier day: read those parents too.
    const outside = [...new Set(items.filter((i) => i.parent_id !== null && !byId.has(Number(i.parent_id))).map((i) => Number(i.parent_id)))];
    for (let k = 0; k < outside.length; k += 1000) {
      for (const r of await ctx.db.selectFrom('settlements').select(columns).where('id', 'in', outside.slice(k, k + 1000)).execute()) byId.set(Number(r.id), r);
    }
    const modes = moneyModes(m);
    const perTicket = new Map<string, bigint>();
    for (const i of items) {
      const ref = `settlement ${i.id}`;
      const amount = units(i.amount);
      const open = units(i.open_amount);
      if (amount === null || open === null) {
        p.add(`${ref}: amount ${i.amount} / open ${i.open_amount} are not amounts`, ref);
        continue;
      }
      if (i.kind === 'payment' && open !== 0n) p.add(`${ref}: a payment item left open`, ref, { expected: '0', found: i.open_amount });
      if ((i.kind === 'receivable' || i.kind === 'deposit') && open !== amount) p.add(`${ref}: a ${i.kind} item opens ${i.open_amount} of ${i.amount}`, ref, { expected: i.amount, found: i.open_amount });
      if (!['payment', 'receivable', 'deposit'].includes(i.kind)) p.add(`${ref}: unknown kind ${i.kind}`, ref);
      if (i.parent_id !== null) {
        const parent = byId.get(Number(i.parent_id));
        if (!parent) p.add(`${ref} is the rest of item ${i.parent_id}, which does not exist`, ref);
        else {
          const pa = units(parent.open_amount) ?? 0n;
          if (parent.closed_batch === null) p.add(`${ref} is the rest of item ${parent.id}, which is still open`, ref);
          if (parent.kind !== i.kind || parent.document_number !== i.document_number) p.add(`${ref} is the rest of item ${parent.id} of another kind or document`, ref);
          if (pa < 0n !== amount < 0n || (amount < 0n ? -amount : amount) >= (pa < 0n ? -pa : pa)) p.add(`${ref}: a rest of ${i.amount} carved from ${parent.open_amount}`, ref, { expected: `less than ${parent.open_amount}`, found: i.amount });
        }
      } else if (i.ticket_id !== null && (i.kind === 'payment' || i.kind === 'deposit') && modes.has(i.mode)) {
        perTicket.set(i.ticket_id, (perTicket.get(i.ticket_id) ?? 0n) + amount);
      }
    }
    const money = await postedMoney(ctx.db, m, await ctx.ticketFacts(), period);
    for (const [id, t] of money) {
      const got = perTicket.get(id) ?? 0n;
      perTicket.delete(id);
      if (got !== t.amount) p.add(`ticket ${id}: its settlement items ≠ the money it took`, `ticket ${id}`, { expected: amountText(t.amount, d), found: amountText(got, d) });
    }
    for (const [id, got] of perTicket) if (got !== 0n) p.add(`ticket ${id} has money settlement items but took no money in a posted ticket`, `ticket ${id}`, { expected: '0', found: amountText(got, d) });
    return p.done(`${items.length} item(s), ${money.size} posted ticket(s) with money`);
  },
};
