/**
 * What an invoice line shows under CGI ann. II 242 nonies A I-5° and I-6° (quantity, unit price
 * excluding VAT, discount, VAT rate) and Factur-X needs (EN 16931 BT-146/147/148: net price,
 * discount, gross price), derived from a ticket line. Pure. Tickets carry prices including VAT
 * (the till's unit price is the list price, discount.amount is taken off qty × unitPrice); the
 * net amount excluding VAT is the line's own exclVat, the gross one is the split of the gross
 * amount, and the discount excluding VAT is their difference, so gross − discount = net exactly.
 */
import { D, fmt, money, splitInclusive, type Decimals } from '../../sync/money.ts';
import type { TicketLine } from '../../sync/types.ts';

export interface LinePricing {
  /** List unit price incl / excl VAT (excl to 4 decimals at most, trailing zeros past 2 dropped). */
  unitPriceIncl: string;
  unitPriceExcl: string;
  /** qty × unit price, before discount. */
  grossIncl: string;
  grossExcl: string;
  /** null when the line has no discount. */
  discount: { percent: string | null; incl: string; excl: string } | null;
  /** After discount: the line's own amounts. */
  netIncl: string;
  netExcl: string;
  /** Net unit price excl VAT (EN 16931 BT-146), 4 decimals at most. */
  netUnitPriceExcl: string;
}

/** Decimal text with 2 to 4 decimals: 0.325 → "0.325", 1.5 → "1.50". */
export function priceText(x: InstanceType<typeof D>): string {
  const t = x.toDecimalPlaces(4, D.ROUND_HALF_UP).toFixed(4);
  return t.replace(/(\.\d\d\d?)0+$/, '$1').replace(/(\.\d\d)0$/, '$1');
}

export function decimalsOfLine(l: TicketLine): Decimals {
  const n = l.inclVat.split('.')[1]?.length ?? 2;
  return (n >= 4 ? 4 : n === 3 ? 3 : 2) as Decimals;
}

export function linePricing(l: TicketLine, decimals: Decimals = decimalsOfLine(l)): LinePricing {
  const factor = new D(1).plus(new D(l.vatRate).dividedBy(100));
  const grossIncl = money(new D(l.qty).times(l.unitPrice), decimals);
  const grossExcl = l.discount ? splitInclusive(grossIncl, l.vatRate, decimals).exclVat : new D(l.exclVat);
  const netExcl = new D(l.exclVat);
  const qty = new D(l.qty);
  return {
    unitPriceIncl: fmt(l.unitPrice, decimals),
    unitPriceExcl: priceText(new D(l.unitPrice).dividedBy(factor)),
    grossIncl: fmt(grossIncl, decimals),
    grossExcl: fmt(grossExcl, decimals),
    discount: l.discount ? { percent: l.discount.percent ?? null, incl: fmt(l.discount.amount, decimals), excl: fmt(grossExcl.minus(netExcl), decimals) } : null,
    netIncl: fmt(l.inclVat, decimals),
    netExcl: fmt(netExcl, decimals),
    netUnitPriceExcl: qty.isZero() ? '0.00' : priceText(netExcl.dividedBy(qty)),
  };
}
