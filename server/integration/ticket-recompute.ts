/**
 * Re-computes a ticket's lines and totals with the rounding rules the till applied, and says what
 * does not match. The reference is sync/ticket-math.ts (computeLine, computeTotals) on decimal.js;
 * an exact integer path gives the same answer ~50× faster and is used whenever it can be, the
 * decimal path decides every other case and words every mismatch.
 */
import { computeLine, computeTotals, paymentsTotal, type TicketRounding } from '../../sync/ticket-math.ts';
import type { Ticket, TicketLine, VatTotal } from '../../sync/types.ts';
import { divRoundHalfUp, isScaledText, mulExact, netOfInclusive, parseRate, pow10, toScaled } from '../../sync/scaled-money.ts';

const QTY_TEXT = /^-?(0|[1-9]\d{0,11})(\.\d{0,5}[1-9])?$/;

export type Verdict = 'match' | 'mismatch' | 'unknown';

function fastLine(l: TicketLine, d: number): { verdict: Verdict; incl: number; vat: number } {
  const no = { verdict: 'unknown' as Verdict, incl: 0, vat: 0 };
  // computeLine normalises qty through decimal.js toString(): only accept text already in that form.
  if (typeof l.qty !== 'string' || !QTY_TEXT.test(l.qty) || l.qty === '-0') return no;
  const dot = l.qty.indexOf('.');
  const qScale = dot < 0 ? 0 : l.qty.length - dot - 1;
  const q = Number(l.qty.replace('.', ''));
  const unit = toScaled(l.unitPrice, d);
  const rate = parseRate(l.vatRate);
  if (unit === null || rate === null || !isScaledText(l.unitPrice, unit, d)) return no;
  const product = mulExact(q, unit);
  if (product === null) return no;
  const gross = divRoundHalfUp(product, pow10(qScale));
  if (gross === null) return no;
  let incl = gross;
  if (l.discount !== undefined) {
    // A realistic night discounts a line in five: as lineDiscount (sync/ticket-math.ts) does, or 'unknown'.
    const off = discountOf(l.discount, gross, d);
    if (off === null) return no;
    if (!isScaledText(l.discount.amount, off, d)) return { verdict: 'mismatch', incl: 0, vat: 0 };
    incl = gross - off;
  }
  const excl = netOfInclusive(incl, rate);
  if (excl === null) return no;
  const vat = incl - excl;
  const ok = isScaledText(l.inclVat, incl, d) && isScaledText(l.exclVat, excl, d) && isScaledText(l.vat, vat, d);
  return { verdict: ok ? 'match' : 'mismatch', incl, vat };
}

const PERCENT_TEXT = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/**
 * The discount of a line in units, as lineDiscount computes it: a percentage of the gross rounded
 * half away from zero, or an amount taken as given. Null for whatever lineDiscount would refuse
 * (zero, other sign, more than the line, percentage outside 0–100) or that is not canonical text:
 * the decimal reference words those.
 */
function discountOf(disc: { percent?: string; amount?: string }, gross: number, d: number): number | null {
  let off: number | null;
  if (disc.percent !== undefined) {
    const m = typeof disc.percent === 'string' ? PERCENT_TEXT.exec(disc.percent) : null;
    if (!m) return null;
    const frac = m[2] ?? '';
    const n = Number(m[1] + frac);
    if (n <= 0 || n > 100 * pow10(frac.length)) return null;
    const product = mulExact(gross, n);
    off = product === null ? null : divRoundHalfUp(product, 100 * pow10(frac.length));
  } else {
    off = toScaled(disc.amount, d);
    if (off === null || !isScaledText(disc.amount, off, d) || off === 0 || (gross < 0 ? off > 0 : off < 0)) return null;
  }
  if (off === null || Math.abs(off) > Math.abs(gross)) return null;
  return off;
}

function byCode(list: VatTotal[]): Map<string, VatTotal> | null {
  if (!Array.isArray(list)) return null;
  const m = new Map<string, VatTotal>();
  for (const v of list) {
    if (!v || typeof v !== 'object' || m.has(v.vatCode)) return null;
    m.set(v.vatCode, v);
  }
  return m;
}

/** Integer path over the whole ticket; 'unknown' whenever any figure is outside what it handles exactly. Exported for its equivalence test. */
export function integerVerdict(t: Ticket): Verdict {
  const d = t.rounding.decimals;
  const groups = new Map<string, { rate: string; incl: number; vat: number }>();
  for (const l of t.lines) {
    const r = fastLine(l, d);
    if (r.verdict !== 'match') return r.verdict;
    const g = groups.get(l.vatCode);
    if (g) {
      g.incl += r.incl;
      g.vat += r.vat;
    } else groups.set(l.vatCode, { rate: l.vatRate, incl: r.incl, vat: r.vat });
  }
  const given = byCode(t.totals.byVat);
  if (!given || given.size !== groups.size) return 'mismatch';
  let incl = 0;
  let vat = 0;
  for (const [code, g] of groups) {
    let gVat = g.vat;
    if (t.rounding.vatOn === 'total') {
      const rate = parseRate(g.rate);
      const net = rate && netOfInclusive(g.incl, rate);
      if (net === null || net === undefined) return 'unknown';
      gVat = g.incl - net;
    }
    const v = given.get(code);
    if (!v || v.rate !== g.rate || !isScaledText(v.inclVat, g.incl, d) || !isScaledText(v.vat, gVat, d) || !isScaledText(v.base, g.incl - gVat, d)) return 'mismatch';
    incl += g.incl;
    vat += gVat;
  }
  let due = incl;
  for (const s of t.settlements) {
    const a = toScaled(s.amount, d);
    if (a === null) return 'unknown';
    due += a;
  }
  if (!isScaledText(t.totals.inclVat, incl, d) || !isScaledText(t.totals.vat, vat, d) || !isScaledText(t.totals.exclVat, incl - vat, d) || !isScaledText(t.totals.due, due, d)) return 'mismatch';
  let paid = 0;
  for (const p of t.payments) {
    const a = toScaled(p.amount, d);
    if (a === null) return 'unknown';
    paid += a;
  }
  if (!Number.isSafeInteger(paid) || !Number.isSafeInteger(due)) return 'unknown';
  return paid === due ? 'match' : 'mismatch';
}

function describe(v: VatTotal | undefined): string {
  return v ? `${v.vatCode} ${v.rate} %: base ${v.base}, VAT ${v.vat}, incl ${v.inclVat}` : 'none';
}

/** The decimal.js reference: every difference between the ticket and its recomputation, worded. */
export function decimalProblems(t: Ticket): string[] {
  const rules: TicketRounding = { decimals: t.rounding.decimals, vatOn: t.rounding.vatOn };
  const problems: string[] = [];
  const recomputed: TicketLine[] = [];
  t.lines.forEach((l, i) => {
    let c: TicketLine;
    try {
      const discount = l.discount === undefined ? undefined : l.discount.percent !== undefined ? { percent: l.discount.percent } : { amount: l.discount.amount };
      c = computeLine({ article: l.article, label: l.label, qty: l.qty, unitPrice: l.unitPrice, vatCode: l.vatCode, vatRate: l.vatRate, discount }, rules);
    } catch (e) {
      problems.push(`line ${i + 1} (${l.article}): ${(e as Error).message}`);
      recomputed.push(l);
      return;
    }
    recomputed.push(c);
    for (const k of ['qty', 'unitPrice', 'inclVat', 'exclVat', 'vat'] as const) {
      if (c[k] !== l[k]) problems.push(`line ${i + 1} (${l.article}): ${k} ${l[k]}, expected ${c[k]} (qty ${l.qty} × ${l.unitPrice} at ${l.vatRate} %)`);
    }
    if (l.discount && c.discount?.amount !== l.discount.amount) problems.push(`line ${i + 1} (${l.article}): discount ${l.discount.amount}, expected ${c.discount?.amount} (${l.discount.percent} %)`);
  });
  if (problems.length) return problems;
  let totals;
  try {
    totals = computeTotals(recomputed, t.settlements, rules);
  } catch (e) {
    return [`totals: ${(e as Error).message}`];
  }
  const given = byCode(t.totals.byVat) ?? new Map();
  const expected = byCode(totals.byVat)!;
  for (const code of new Set([...given.keys(), ...expected.keys()])) {
    const g = given.get(code);
    const e = expected.get(code);
    if (!g || !e || g.rate !== e.rate || g.base !== e.base || g.vat !== e.vat || g.inclVat !== e.inclVat) problems.push(`VAT total ${describe(g)}, expected ${describe(e)}`);
  }
  if (Array.isArray(t.totals.byVat) && t.totals.byVat.length !== given.size) problems.push('VAT totals list a VAT code twice');
  for (const k of ['inclVat', 'exclVat', 'vat', 'due'] as const) {
    if (t.totals[k] !== totals[k]) problems.push(`total ${k} ${t.totals[k]}, expected ${totals[k]}`);
  }
  try {
    const paid = paymentsTotal(t.payments, rules.decimals);
    if (paid !== totals.due) problems.push(`payments ${paid} do not match the total due ${totals.due}`);
  } catch (e) {
    problems.push(`payments: ${(e as Error).message}`);
  }
  return problems;
}

/** Lines, VAT totals, totals and payments that do not add up (empty when the ticket is consistent). */
export function recomputeProblems(t: Ticket): string[] {
  if (integerVerdict(t) === 'match') return [];
  // On 'mismatch' or 'unknown' the reference decides and words the problems.
  return decimalProblems(t);
}
