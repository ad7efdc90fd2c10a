/**
 * What one consumer ticket brings to the B2C e-report, as pure functions both report paths use (the
 * integrated documents and the Z-report fallback), so that they agree to the cent:
 *  - its goods split into goods and services per VAT rate (the article's operation category), the
 *    ticket's own byVat being the truth per VAT code;
 *  - the money it collects for services. A service's VAT is due when the price is collected (CGI
 *    269-2-c; the option for debits is not modelled), so Flux 10.4 reports per day and rate what was
 *    collected: at the sale, the payments received then (not a credit sale's open part, not a deposit
 *    voucher, which was collected with its deposit) spread over the ticket's goods pro rata; and a
 *    deposit taken on a services order, at the order's rate, the day it is taken. (An invoice paid
 *    later collects its services share of the payment: ereport-gather.ts, which knows the invoice.)
 */
import { D, type Dec } from '../../sync/money.ts';
import type { OperationCategory, PaymentMode, Ticket } from '../../sync/types.ts';

export interface RateFigures {
  base: Dec;
  vat: Dec;
  incl: Dec;
}

/** Per category, per VAT rate (the rate as normalised decimal text: "20", "5.5"). */
export type CategoryRates = Record<OperationCategory, Map<string, RateFigures>>;

export const rateKey = (rate: string | Dec): string => new D(rate).toString();

export function emptyCategoryRates(): CategoryRates {
  return { goods: new Map(), services: new Map() };
}

const zero = (): RateFigures => ({ base: new D(0), vat: new D(0), incl: new D(0) });
const plus = (a: RateFigures, b: RateFigures): RateFigures => ({ base: a.base.plus(b.base), vat: a.vat.plus(b.vat), incl: a.incl.plus(b.incl) });
const minus = (a: RateFigures, b: RateFigures): RateFigures => ({ base: a.base.minus(b.base), vat: a.vat.minus(b.vat), incl: a.incl.minus(b.incl) });

export function addRate(m: Map<string, RateFigures>, rate: string | Dec, f: RateFigures, sign = 1): void {
  const k = rateKey(rate);
  const cur = m.get(k) ?? zero();
  m.set(k, sign >= 0 ? plus(cur, f) : minus(cur, f));
}

export function mergeCategoryRates(into: CategoryRates, from: CategoryRates, sign = 1): void {
  for (const c of ['goods', 'services'] as const) for (const [rate, f] of from[c]) addRate(into[c], rate, f, sign);
}

/**
 * The ticket's goods per category and rate. Per VAT code the byVat amounts are kept whole; when the
 * code mixes goods and services lines, each side takes its lines' amounts and the cents between the
 * lines and byVat (VAT computed on the total) go to the side of the largest line, as on invoices.
 */
export function ticketCategories(t: Ticket, categoryOf: (article: string) => OperationCategory): CategoryRates {
  const out = emptyCategoryRates();
  for (const v of t.totals.byVat) {
    const whole: RateFigures = { base: new D(v.base), vat: new D(v.vat), incl: new D(v.inclVat) };
    const lines = t.lines.filter((l) => l.vatCode === v.vatCode);
    const services = lines.filter((l) => categoryOf(l.article) === 'services');
    if (!services.length || services.length === lines.length) {
      addRate(services.length ? out.services : out.goods, v.rate, whole);
      continue;
    }
    const of = (ls: typeof lines): RateFigures => ls.reduce((a, l) => plus(a, { base: new D(l.exclVat), vat: new D(l.vat), incl: new D(l.inclVat) }), zero());
    let s = of(services);
    let g = of(lines.filter((l) => categoryOf(l.article) !== 'services'));
    const cents = minus(minus(whole, s), g);
    const largest = lines.reduce((a, l) => (new D(l.inclVat).abs().gt(new D(a.inclVat).abs()) ? l : a));
    if (categoryOf(largest.article) === 'services') s = plus(s, cents);
    else g = plus(g, cents);
    addRate(out.services, v.rate, s);
    addRate(out.goods, v.rate, g);
  }
  return out;
}

/** Money collected by the ticket for services, per rate (signed: a refund collects a negative amount). */
export function servicesCollected(t: Ticket, split: CategoryRates, modes: Map<string, PaymentMode>, rateOfCode: (vatCode: string) => string | undefined): Map<string, Dec> {
  const out = new Map<string, Dec>();
  const add = (rate: string, x: Dec) => {
    if (x.isZero()) return;
    const k = rateKey(rate);
    out.set(k, (out.get(k) ?? new D(0)).plus(x));
  };
  for (const s of t.settlements) {
    if (s.kind !== 'deposit' || s.category !== 'services') continue;
    const rate = s.vatCode ? rateOfCode(s.vatCode) : undefined;
    if (rate !== undefined) add(rate, new D(s.amount));
  }
  const goods = new D(t.totals.inclVat);
  if (!split.services.size || goods.isZero()) return out;
  const received = t.payments.filter((p) => !modes.get(p.mode)?.credit && !modes.get(p.mode)?.depositVoucher).reduce((a, p) => a.plus(p.amount), new D(0));
  // The ticket's settlements (an invoice paid, a deposit) take their money first: what is left pays the goods.
  const forSettlements = t.settlements.reduce((a, s) => a.plus(s.amount), new D(0));
  let forGoods = received.minus(forSettlements);
  forGoods = goods.gt(0) ? D.min(D.max(forGoods, 0), goods) : D.max(D.min(forGoods, 0), goods);
  const share = forGoods.div(goods);
  for (const [rate, f] of split.services) add(rate, f.incl.times(share).toDecimalPlaces(2));
  return out;
}
