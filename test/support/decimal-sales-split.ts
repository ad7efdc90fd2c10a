/**
 * The posting pass's sales split as it was before issue 22's throughput work: every amount in
 * decimal.js. Kept as the reference the scaled-integer split (server/accounting/sales-split.ts) is
 * proved against, amount for amount (server/accounting/sales-split-equivalence.test.ts). Not used by
 * the product.
 */
import { D, fromMinor, money, splitInclusive, toMinor, type Dec, type Decimals } from '../../sync/money.ts';
import type { BooksRounding } from '../../server/accounting/product-rounding.ts';
// Per-product rounding did not change (it stays in decimal.js): the reference takes the product's.
import { productsSplit } from '../../server/accounting/sales-split.ts';
import { toScaled } from '../../sync/scaled-money.ts';
import type { PostingTicketLine } from '../../server/accounting/ledger-types.ts';
import type { VatMapping } from '../../server/accounting/mapping.ts';
import type { BooksPass, PassResult } from '../../server/books/pass.ts';

/** One line's split, in minor units of the books' decimals (the former posting memoised it; a reference need not). */
function splitMinor(inclVat: string, rate: string, d: Decimals): { net: number; vat: number } {
  const s = splitInclusive(inclVat, rate, d);
  return { net: toMinor(s.exclVat, d), vat: toMinor(s.vat, d) };
}

export interface DecimalVatPart {
  /** Base-data VAT code (the key in mapping.vat). */
  code: string;
  rate: string;
  map: VatMapping;
  /** Signed: positive on a sale, negative on a credit note. */
  net: Dec;
  vat: Dec;
  /** Discounts excl VAT inside `net` (signed like it): gross sales = net + discount (posted apart when mapping.discounts is set). */
  discount: Dec;
}

export interface DecimalSalesSplit {
  /** round(document total, decimals), signed. */
  customer: Dec;
  parts: DecimalVatPart[];
  /** Difference line on the difference accounts (placement 'accounts'); signed like a credit. */
  difference: Dec;
  /** Raw difference before placement (whatever the placement). */
  rawDifference: Dec;
}

/** What the sales split of one document reads. */
export interface DecimalSalesSnapshot {
  /** Signed document total incl VAT. */
  total: Dec;
  /** Every ticket line of the document, in ticket order. */
  lines: readonly PostingTicketLine[];
  rules: BooksRounding;
  vat: Readonly<Record<string, VatMapping>>;
}

/** A pass (server/books/pass.ts): the split, or null with the one error that refuses it. */
export const splitSalesDecimal: BooksPass<DecimalSalesSnapshot, DecimalSalesSplit | null> = ({ total, lines, rules, vat }) => {
  const d = rules.decimals;
  const refuse = (message: string): PassResult<null> => ({ result: null, errors: [{ source: 'posting', message, ref: {} }] });
  const groups = new Map<string, { rate: string; lines: string[]; products: PostingTicketLine[]; discounted: { net: string; gross: Dec }[] }>();
  for (const l of lines) {
    let g = groups.get(l.vatCode);
    if (!g) groups.set(l.vatCode, (g = { rate: l.vatRate, lines: [], products: [], discounted: [] }));
    g.lines.push(l.inclVat);
    g.products.push(l);
    if (l.discount) g.discounted.push({ net: l.inclVat, gross: new D(l.inclVat).plus(l.discount) });
  }
  const parts: DecimalVatPart[] = [];
  for (const [code, g] of groups) {
    const map = vat[code];
    if (!map) return refuse(`VAT code ${code} has no accounting mapping (add vat.${code} to accounting.json)`);
    let net: Dec;
    let tax: Dec;
    // Each amount is first rounded incl VAT, then split (net = round(incl / (1 + rate)), VAT = incl −
    // net), as the tills do: per line, or once on the rate's total.
    if (rules.vatOn === 'product') {
      ({ net, vat: tax } = productsSplit(g.products, d));
    } else if (rules.vatOn === 'line') {
      let n = 0;
      let v = 0;
      for (const incl of g.lines) {
        const s = splitMinor(incl, g.rate, d);
        n += s.net;
        v += s.vat;
      }
      net = fromMinor(n, d);
      tax = fromMinor(v, d);
    } else {
      const s = splitInclusive(sumText(g.lines), g.rate, d);
      net = s.exclVat;
      tax = s.vat;
    }
    parts.push({ code, rate: g.rate, map, net, vat: tax, discount: discountNet(g, rules) });
  }
  const customer = money(total, d);
  const posted = parts.reduce((a, p) => a.plus(p.net).plus(p.vat), new D(0));
  const raw = customer.minus(posted);
  // More than a rounding cent per line means the document and its tickets disagree: not ours to hide.
  const tolerance = new D(10).pow(-d).times(Math.max(lines.length, 1));
  if (raw.abs().gt(tolerance)) return refuse(`document total ${customer.toFixed(d)} differs from its lines ${posted.toFixed(d)} by ${raw.toFixed(d)}, more than rounding`);
  let difference: Dec = new D(0);
  if (!raw.isZero()) {
    if (rules.difference === 'accounts' || !parts.length) difference = raw;
    else if (rules.difference === 'first-line') parts[0].net = parts[0].net.plus(raw);
    else parts[0].vat = parts[0].vat.plus(raw);
  }
  return { result: { customer, parts, difference, rawDifference: raw }, errors: [] };
};

/**
 * The discounts of a VAT code excluding VAT, as the invoice shows them (line-pricing.ts): gross
 * excl VAT − net excl VAT, per line (VAT on line) or on the code's totals (VAT on total).
 */
function discountNet(g: { rate: string; discounted: { net: string; gross: Dec }[] }, rules: BooksRounding): Dec {
  if (!g.discounted.length) return new D(0);
  const d = rules.decimals;
  const excl = (incl: Dec) => splitInclusive(incl, g.rate, d).exclVat;
  if (rules.vatOn !== 'total') return g.discounted.reduce((a, l) => a.plus(excl(l.gross)).minus(excl(new D(l.net))), new D(0));
  const gross = g.discounted.reduce((a, l) => a.plus(l.gross), new D(0));
  const net = g.discounted.reduce((a, l) => a.plus(l.net), new D(0));
  return excl(gross).minus(excl(net));
}

/** Exact sum of amount texts: integers while they fit, decimal.js otherwise. */
function sumText(values: string[]): Dec {
  let n = 0;
  for (const v of values) {
    const x = toScaled(v, 4);
    if (x === null || !Number.isSafeInteger(n + x)) return values.reduce((a, b) => a.plus(b), new D(0));
    n += x;
  }
  return fromMinor(n, 4);
}
