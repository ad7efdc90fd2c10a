/**
 * Seed 002's "Faire l'arrondi pour chaque produit" (rounding per product): the unit price incl VAT
 * is split once — unit net = round(unit / (1 + rate)), unit VAT = unit − unit net — and the line's
 * net and VAT are the unit's times the quantity, each rounded; a line discount is split on its own
 * and taken off. Whole quantities give net + VAT = the line's amount exactly; a weighed quantity
 * (0.345 kg) can leave a cent between them, which goes where `rounding.difference` says, like the
 * other modes' cents.
 *
 * The three modes on 3 × 1.99 at 5.5 %: per product net 3 × 1.89 = 5.67, VAT 0.30; per line (and on
 * the total) round(5.97 / 1.055) = 5.66, VAT 0.31.
 */
import { D, money, splitInclusive, type Dec, type Decimals, type RoundingRules } from '../../sync/money.ts';

/** The books' rounding rules (accounting.json `rounding`): the tills' two VAT modes plus per product, which only posting uses. */
export type BooksRounding = Omit<RoundingRules, 'vatOn'> & { vatOn: RoundingRules['vatOn'] | 'product' };

export interface ProductLine {
  qty: string;
  /** Unit price incl VAT. */
  unitPrice: string;
  vatRate: string;
  /** The line's discount incl VAT (signed like the line), when it has one. */
  discount?: string;
}

export function splitPerProduct(l: ProductLine, decimals: Decimals): { net: Dec; vat: Dec } {
  const unit = new D(l.unitPrice);
  const unitNet = money(unit.dividedBy(new D(1).plus(new D(l.vatRate).dividedBy(100))), decimals);
  const unitVat = unit.minus(unitNet);
  const qty = new D(l.qty);
  let net = money(unitNet.times(qty), decimals);
  let vat = money(unitVat.times(qty), decimals);
  if (l.discount && !new D(l.discount).isZero()) {
    const off = splitInclusive(l.discount, l.vatRate, decimals);
    net = net.minus(off.exclVat);
    vat = vat.minus(off.vat);
  }
  return { net, vat };
}
