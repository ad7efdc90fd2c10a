/**
 * The sales side of one document: customer amount, net and VAT per VAT code, under the configured
 * rounding rules (seed 002 "Règles d'arrondi"): 2, 3 or 4 decimals; VAT rounded on each product
 * (unit price, times the quantity), on each line or on the total per rate; the difference between the customer amount and Σ(net + VAT) placed on the
 * difference accounts (658 loss / 758 gain), on the first sales line or on the first VAT line.
 *
 * In scaled integers (units of 10^-4, units.ts): the divisions by (1 + rate) go through
 * sync/scaled-money.ts netOfInclusive, which rounds exactly as decimal.js does; decimal.js only
 * splits what an integer cannot hold exactly (an amount past 4 decimals or 9·10^11, an unusual
 * rate) and rounds per product. Proved amount for amount against the former decimal.js split
 * (sales-split-equivalence.test.ts).
 */
import { D, splitInclusive, type Dec } from '../../sync/money.ts';
import { pow10 } from '../../sync/scaled-money.ts';
import { splitPerProduct, type BooksRounding } from './product-rounding.ts';
import { splitUnits, splitUnitsDecimal, UnitSplitCache, type UnitSplit } from './split-cache.ts';
import { SCALE, toUnits, unitsDec, unitsOf, type Units } from './units.ts';
import type { PostingTicketLine } from './ledger-types.ts';
import type { VatMapping } from './mapping.ts';
import type { BooksPass, PassResult } from '../books/pass.ts';

export interface VatPart {
  /** Base-data VAT code (the key in mapping.vat). */
  code: string;
  rate: string;
  map: VatMapping;
  /** Signed: positive on a sale, negative on a credit note. Units of 10^-4, at the books' decimals. */
  net: Units;
  vat: Units;
  /** Discounts excl VAT inside `net` (signed like it): gross sales = net + discount (posted apart when mapping.discounts is set). */
  discount: Units;
}

export interface SalesSplit {
  /** round(document total, decimals), signed, in units. */
  customer: Units;
  parts: VatPart[];
  /** Difference line on the difference accounts (placement 'accounts'); signed like a credit. */
  difference: Units;
  /** Raw difference before placement (whatever the placement). */
  rawDifference: Units;
}

/** What the sales split of one document reads. */
export interface SalesSnapshot {
  /** Signed document total incl VAT. */
  total: Dec;
  /** Every ticket line of the document, in ticket order. */
  lines: readonly PostingTicketLine[];
  rules: BooksRounding;
  vat: Readonly<Record<string, VatMapping>>;
  /** Memoised VAT splits, kept across the documents of a run. */
  cache?: UnitSplitCache;
}

interface CodeLines {
  rate: string;
  lines: PostingTicketLine[];
  discounted: PostingTicketLine[];
}

/** A pass (server/books/pass.ts): the split, or null with the one error that refuses it. */
export const splitSales: BooksPass<SalesSnapshot, SalesSplit | null> = ({ total, lines, rules, vat, cache = new UnitSplitCache(rules.decimals) }) => {
  const d = rules.decimals;
  const refuse = (message: string): PassResult<null> => ({ result: null, errors: [{ source: 'posting', message, ref: {} }] });
  const groups = new Map<string, CodeLines>();
  for (const l of lines) {
    let g = groups.get(l.vatCode);
    if (!g) groups.set(l.vatCode, (g = { rate: l.vatRate, lines: [], discounted: [] }));
    g.lines.push(l);
    if (l.discount) g.discounted.push(l);
  }
  const parts: VatPart[] = [];
  let posted = 0;
  for (const [code, g] of groups) {
    const map = vat[code];
    if (!map) return refuse(`VAT code ${code} has no accounting mapping (add vat.${code} to accounting.json)`);
    let s: UnitSplit;
    // Each amount is first rounded incl VAT, then split (net = round(incl / (1 + rate)), VAT = incl −
    // net), as the tills do: per product, per line, or once on the rate's total.
    if (rules.vatOn === 'product') s = productsSplitUnits(g.lines, d);
    else if (rules.vatOn === 'line') {
      let net = 0;
      let tax = 0;
      for (const l of g.lines) {
        const x = cache.split(l.inclVat, g.rate);
        net += x.net;
        tax += x.vat;
      }
      s = { net: safe(net), vat: safe(tax) };
    } else s = splitOf(sumUnits(g.lines.map((l) => l.inclVat)), g.rate, d);
    parts.push({ code, rate: g.rate, map, net: s.net, vat: s.vat, discount: discountNet(g, rules) });
    posted = safe(posted + s.net + s.vat);
  }
  const customer = unitsOf(total.toDecimalPlaces(d, D.ROUND_HALF_UP));
  const raw = safe(customer - posted);
  // More than a rounding cent per line means the document and its tickets disagree: not ours to hide.
  const tolerance = pow10(SCALE - d) * Math.max(lines.length, 1);
  if (Math.abs(raw) > tolerance) return refuse(`document total ${unitsDec(customer).toFixed(d)} differs from its lines ${unitsDec(posted).toFixed(d)} by ${unitsDec(raw).toFixed(d)}, more than rounding`);
  let difference = 0;
  if (raw !== 0) {
    if (rules.difference === 'accounts' || !parts.length) difference = raw;
    else if (rules.difference === 'first-line') parts[0].net += raw;
    else parts[0].vat += raw;
  }
  return { result: { customer, parts, difference, rawDifference: raw }, errors: [] };
};

function safe(n: number): Units {
  if (!Number.isSafeInteger(n)) throw new Error('amount too large to post exactly');
  return n;
}

/** An amount incl VAT split at a rate: integers, decimal.js for what they refuse. */
function splitOf(incl: Units | string, rate: string, d: BooksRounding['decimals']): UnitSplit {
  return (typeof incl === 'number' ? splitUnits(incl, rate, d) : null) ?? splitUnitsDecimal(incl, rate, d);
}

/**
 * The discounts of a VAT code excluding VAT, as the invoice shows them (line-pricing.ts): gross
 * excl VAT − net excl VAT, per line (VAT on line or per product) or on the code's totals (VAT on total).
 */
function discountNet(g: CodeLines, rules: BooksRounding): Units {
  if (!g.discounted.length) return 0;
  const d = rules.decimals;
  const nets: (Units | string)[] = [];
  const grosses: (Units | string)[] = [];
  for (const l of g.discounted) {
    const net = toUnits(l.inclVat);
    const off = toUnits(l.discount!);
    const gross = net !== null && off !== null && Number.isSafeInteger(net + off) ? net + off : null;
    nets.push(net ?? l.inclVat);
    grosses.push(gross ?? new D(l.inclVat).plus(l.discount!).toFixed());
  }
  const excl = (incl: Units | string) => splitOf(incl, g.rate, d).net;
  if (rules.vatOn !== 'total') {
    let sum = 0;
    for (let i = 0; i < nets.length; i++) sum = safe(sum + excl(grosses[i]) - excl(nets[i]));
    return sum;
  }
  return safe(excl(sumUnits(grosses)) - excl(sumUnits(nets)));
}

/** Net and VAT of one rate's lines, each split per product (decimal.js, as the invariants recompute it), summed. */
function productsSplitUnits(lines: PostingTicketLine[], d: BooksRounding['decimals']): UnitSplit {
  const s = productsSplit(lines, d);
  return { net: unitsOf(s.net), vat: unitsOf(s.vat) };
}

/** Per product when the line says its quantity and unit price; per line for lines posted before they did. */
function productSplit(l: PostingTicketLine, d: BooksRounding['decimals']): { net: Dec; vat: Dec } {
  if (l.qty === undefined || l.unitPrice === undefined) {
    const s = splitInclusive(l.inclVat, l.vatRate, d);
    return { net: s.exclVat, vat: s.vat };
  }
  return splitPerProduct({ qty: l.qty, unitPrice: l.unitPrice, vatRate: l.vatRate, discount: l.discount }, d);
}

/** Net and VAT of one rate's lines, each split per product, summed. */
export function productsSplit(lines: PostingTicketLine[], d: BooksRounding['decimals']): { net: Dec; vat: Dec } {
  let net: Dec = new D(0);
  let vat: Dec = new D(0);
  for (const l of lines) {
    const s = productSplit(l, d);
    net = net.plus(s.net);
    vat = vat.plus(s.vat);
  }
  return { net, vat };
}

/** Exact sum of amounts (units, or texts): in units while they fit, else as decimal text. */
export function sumUnits(values: (Units | string)[]): Units | string {
  let n = 0;
  for (const v of values) {
    const x = typeof v === 'number' ? v : toUnits(v);
    if (x === null || !Number.isSafeInteger(n + x)) return values.reduce<Dec>((a, b) => a.plus(typeof b === 'number' ? unitsDec(b) : b), new D(0)).toFixed();
    n += x;
  }
  return n;
}
