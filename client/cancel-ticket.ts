/**
 * Cancelling a sold ticket the only way the law allows: a new ticket with every line and payment
 * negated, carrying `cancels` = the cancelled ticket's id. Nothing is deleted or changed; the pair
 * nets to zero in closures and in the books, and the cancellation is a journal event.
 */
import { TillsyncError } from '../sync/errors.ts';
import type { FlaggedTicket } from './store/till-store.ts';
import type { TillService } from './till-service.ts';

export async function cancelTicket(svc: TillService, ticketRef: string, cashier?: string): Promise<FlaggedTicket> {
  const id = svc.identity;
  const m = /^(?:(.+)-(.+)-)?(\d{1,9})$/.exec(ticketRef.trim());
  if (!m || (m[1] !== undefined && (m[1] !== id.store || m[2] !== id.till))) throw new TillsyncError('usage', `"${ticketRef}" is not a ticket of till ${id.store}-${id.till}`, { hint: 'give its id (S1-01-00000042) or its number' });
  const original = await svc.store.ticket(Number(m[3]));
  if (!original) throw new TillsyncError('no-ticket', `no ticket ${ticketRef} on till ${id.store}-${id.till}`, { ref: { ticket: ticketRef } });
  if (original.cancels) throw new TillsyncError('not-cancellable', `ticket ${original.id} is itself the cancellation of ${original.cancels}`, { status: 409 });
  if (original.settlements.length) throw new TillsyncError('not-cancellable', `ticket ${original.id} pays an invoice or a deposit`, { hint: 'settlements are reversed at the back office, not at the till', status: 409 });
  const all = await svc.store.ticketsFrom(original.number + 1);
  const earlier = all.find((t) => t.cancels === original.id);
  if (earlier) throw new TillsyncError('already-cancelled', `ticket ${original.id} is already cancelled by ${earlier.id}`, { status: 409 });
  const sale = {
    customer: original.customer,
    cashier: cashier ?? original.cashier,
    cancels: original.id,
    lines: original.lines.map((l) => ({ article: l.article, qty: l.qty.replace(/^-/, ''), unitPrice: l.unitPrice, return: !l.qty.startsWith('-') })),
    payments: original.payments.map((p) => ({ mode: p.mode, amount: p.amount.startsWith('-') ? p.amount.slice(1) : `-${p.amount}`, ...(p.ref ? { ref: p.ref } : {}) })),
  };
  const t = await svc.sell(sale);
  await svc.journal.record('ticket-cancelled', { ticket: original.id, by: t.id, total: original.totals.inclVat, cashier: sale.cashier ?? null });
  return t;
}
