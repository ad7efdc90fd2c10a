/**
 * Which document a ticket goes into. Seed: "C'est le mode de règlement qui détermine si la pièce
 * générée est une facture ou un BL" (the payment mode's "Générer un BL" option).
 *
 * Rules, in order:
 *  1. no goods lines (only an invoice settlement or a deposit) → no document; the ticket is still
 *     marked integrated so posting can book its payments;
 *  2. goods total below zero (a return) → credit note, whatever the payment modes;
 *  3. goods total above zero and paid in full by delivery-note modes → delivery note;
 *  4. anything else, including a ticket mixing a delivery-note mode with any other mode for its
 *     goods, or goods summing to exactly zero (an even exchange) → invoice.
 * "Paid in full" compares the goods total with the payments in delivery-note modes: money taken
 * for an invoice settlement or a deposit on the same ticket does not change the goods' document.
 */
import type { PaymentMode, Ticket } from '../../sync/types.ts';
import { toScaled } from '../../sync/scaled-money.ts';
import { D } from '../../sync/money.ts';

export type DocumentKind = 'invoice' | 'delivery-note' | 'credit-note';

export const DOCUMENT_KINDS: DocumentKind[] = ['invoice', 'delivery-note', 'credit-note'];

/** The ticket's goods total compared with zero, and the delivery-note payments compared with it. */
function compareGoods(t: Ticket, modes: Map<string, PaymentMode>): { sign: number; coveredByDeliveryNote: boolean } {
  const d = t.rounding.decimals;
  const goods = toScaled(t.totals.inclVat, d);
  let dn: number | null = 0;
  for (const p of t.payments) {
    if (!modes.get(p.mode)?.deliveryNote) continue;
    const a = toScaled(p.amount, d);
    dn = a === null || dn === null ? null : dn + a;
  }
  if (goods !== null && dn !== null) return { sign: Math.sign(goods), coveredByDeliveryNote: goods > 0 && dn >= goods };
  const g = new D(t.totals.inclVat);
  const paid = t.payments.filter((p) => modes.get(p.mode)?.deliveryNote).reduce((acc, p) => acc.plus(p.amount), new D(0));
  return { sign: g.isZero() ? 0 : g.isNeg() ? -1 : 1, coveredByDeliveryNote: g.gt(0) && paid.gte(g) };
}

/** null: the ticket sells no goods and makes no document. */
export function documentKind(t: Ticket, modes: Map<string, PaymentMode>): DocumentKind | null {
  if (t.lines.length === 0) return null;
  const { sign, coveredByDeliveryNote } = compareGoods(t, modes);
  if (sign < 0) return 'credit-note';
  return coveredByDeliveryNote ? 'delivery-note' : 'invoice';
}
