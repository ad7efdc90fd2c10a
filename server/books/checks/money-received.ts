/** The money a posted ticket took, shared by the treasury and settlements checks. */
import type { AccountingMapping } from '../../accounting/mapping.ts';
import type { Db } from '../../db/database.ts';
import type { TicketFacts } from './ticket-facts.ts';
import type { CheckPeriod } from './check.ts';

/** Payment modes that bring money in (not credit, not a deposit voucher). */
export function moneyModes(m: AccountingMapping): Set<string> {
  return new Set(Object.entries(m.paymentModes).filter(([, p]) => !p.credit && !p.depositVoucher).map(([c]) => c));
}

/**
 * Posted tickets with their money payments, units: a ticket is posted when its document has a
 * posting batch (delivery notes included: their money is posted on the customer's account), or,
 * without goods, when posted_tickets holds it. In a period check `facts` holds the period's tickets:
 * only the period's documents and payment-only tickets are looked up.
 */
export async function postedMoney(db: Db, m: AccountingMapping, facts: TicketFacts, period: CheckPeriod | null = null): Promise<Map<string, { day: string; amount: bigint }>> {
  const postedDocs = new Set(
    (
      await db
        .selectFrom('documents as d')
        .innerJoin('batches as b', 'b.id', 'd.posting_batch')
        .select('d.id')
        .where('b.kind', '=', 'posting')
        .$if(period !== null, (q) => q.where('d.day', '>=', period!.from).where('d.day', '<=', period!.to))
        .execute()
    ).map((r) => Number(r.id)),
  );
  const postedPaymentOnly = new Set(
    (
      await db
        .selectFrom('posted_tickets as p')
        .select('p.ticket_id')
        .$if(period !== null, (q) => q.innerJoin('tickets as t', 't.id', 'p.ticket_id').where('t.document_id', 'is', null).where('t.day', '>=', period!.from).where('t.day', '<=', period!.to))
        .execute()
    ).map((r) => r.ticket_id),
  );
  const modes = moneyModes(m);
  const out = new Map<string, { day: string; amount: bigint }>();
  for (const [id, t] of facts.payments) {
    const posted = t.documentId !== null ? postedDocs.has(t.documentId) : postedPaymentOnly.has(id);
    if (!posted) continue;
    let amount = 0n;
    let any = false;
    for (const p of t.payments) {
      if (!modes.has(p.mode)) continue;
      amount += p.amount;
      any = true;
    }
    if (any) out.set(id, { day: t.day, amount });
  }
  return out;
}
