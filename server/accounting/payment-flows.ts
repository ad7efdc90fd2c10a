/**
 * Where each payment of a ticket goes. A ticket owes its goods (to its own document), plus what it
 * settles: an invoice paid at the till ("règlement de facture", by invoice number) or a deposit on
 * an order ("acompte"). Its payments are money (cash, card, cheque), deposit vouchers (a deposit
 * paid earlier, used now) or credit (nothing received: the goods stay owed).
 *
 * Credit comes off the goods first; then sources (money in, vouchers, goods returned) are matched
 * in ticket order with sinks (invoice settlements, deposits, goods, money paid out). Each match is a
 * flow with one debit side and one credit side, so every treasury entry balances by construction.
 */
import { toUnits, unitsDecimals, type Units } from './units.ts';
import type { PassResult } from '../books/pass.ts';
import type { PaymentModeMapping } from './mapping.ts';
import type { PostingTicket } from './ledger-types.ts';

export interface Side {
  /** Account debited (source) or credited (sink). */
  account: string;
  /** Third-party code on customer and deposit lines. */
  aux: string | null;
  /** Lettering key: the invoice number, the order number; null on treasury accounts. */
  key: string | null;
  role: 'treasury' | 'goods' | 'invoice' | 'deposit' | 'voucher';
  /** The payment behind this side, when it is one. */
  mode?: string;
}

export interface Flow {
  journal: string;
  /** > 0, in units of 10^-4. */
  amount: Units;
  debit: Side;
  credit: Side;
}

export interface TicketFlows {
  flows: Flow[];
  /** Credit payments left on the goods: amount still owed, per credit mode. */
  credit: { mode: string; amount: Units }[];
}

export interface FlowContext {
  modes: Record<string, PaymentModeMapping>;
  customerAccount: string;
  thirdParty: string;
  depositAccount: string;
  /** Lettering key of the ticket's goods (its document number). */
  goodsKey: string | null;
  /** Journal for flows that involve no payment (goods returned used to pay an invoice). */
  fallbackJournal: string;
  /** Decimals the books keep: money that changed hands must be exact at this precision. */
  decimals: number;
  /**
   * Sides that do not depend on the ticket, made once and shared by every flow that uses them:
   * treasury sides per mode (they depend on the mapping only), the goods side of this context.
   * Sides are never mutated.
   */
  shared?: SharedSides;
}

export interface SharedSides {
  treasury: Map<string, Side>;
  goods: Side | null;
}

function treasurySide(ctx: FlowContext, mode: string, account: string): Side {
  const cache = ctx.shared?.treasury;
  let s = cache?.get(mode);
  if (!s || s.account !== account) {
    s = { account, aux: null, key: null, role: 'treasury', mode };
    cache?.set(mode, s);
  }
  return s;
}

function goodsSide(ctx: FlowContext): Side {
  const sh = ctx.shared;
  if (sh?.goods && sh.goods.key === ctx.goodsKey && sh.goods.account === ctx.customerAccount && sh.goods.aux === ctx.thirdParty) return sh.goods;
  const s: Side = { account: ctx.customerAccount, aux: ctx.thirdParty, key: ctx.goodsKey, role: 'goods' };
  if (sh) sh.goods = s;
  return s;
}

interface Node {
  side: Side;
  journal: string | null;
  left: Units;
}

type FlowResult = PassResult<TicketFlows | null>;

// Module-level on purpose: a closure made per ticket costs more than the rest of the pass.
function failure(t: PostingTicket, message: string): FlowResult {
  return { result: null, errors: [{ source: 'posting', message: `ticket ${t.id}: ${message}`, ref: { ticket: t.id, till: t.till } }] };
}

export function ticketFlows(t: PostingTicket, ctx: FlowContext): FlowResult {
  let goods = toUnits(t.goods);
  if (goods === null) return failure(t, `goods total ${t.goods} is not an amount with at most 4 decimals`);
  let due = goods;
  let paid = 0;
  // Lines may carry more decimals than the books (the sales pass rounds them); money may not:
  // a payment of 3.585 cannot be posted at 2 decimals without inventing a difference.
  const amounts: Units[] = [];
  for (const x of t.payments) {
    const u = toUnits(x.amount);
    if (u === null || unitsDecimals(u) > ctx.decimals) return failure(t, `amount ${x.amount} has more decimals than the books keep (${ctx.decimals}): set rounding.decimals in accounting.json`);
    amounts.push(u);
    paid += u;
  }
  const settled: Units[] = [];
  for (const x of t.settlements) {
    const u = toUnits(x.amount);
    if (u === null || unitsDecimals(u) > ctx.decimals) return failure(t, `amount ${x.amount} has more decimals than the books keep (${ctx.decimals}): set rounding.decimals in accounting.json`);
    settled.push(u);
    due += u;
  }
  if (!Number.isSafeInteger(due) || !Number.isSafeInteger(paid)) return failure(t, 'amounts too large');
  if (due !== paid) return failure(t, `payments ${t.payments.map((p) => p.amount).join(' + ') || '0'} do not equal goods + settlements ${[t.goods, ...t.settlements.map((s) => s.amount)].join(' + ')}`);
  if (goods !== 0 && !ctx.goodsKey) return failure(t, 'has goods but no document number (not integrated)');

  const credit: TicketFlows['credit'] = [];
  const sources: Node[] = [];
  const sinks: Node[] = [];
  let firstJournal: string | null = null;

  for (let i = 0; i < t.payments.length; i++) {
    const p = t.payments[i];
    const m = ctx.modes[p.mode];
    if (!m) return failure(t, `payment mode ${p.mode} has no accounting mapping (add paymentModes.${p.mode} to accounting.json)`);
    const amount = amounts[i];
    if (amount === 0) continue;
    if (m.credit) {
      // A credit sale leaves the goods owed: it can only cover goods, of the same sign.
      if (goods === 0 || goods < 0 !== amount < 0 || Math.abs(amount) > Math.abs(goods)) return failure(t, `credit payment ${p.mode} ${p.amount} exceeds the goods ${t.goods}`);
      goods -= amount;
      credit.push({ mode: p.mode, amount });
      continue;
    }
    firstJournal ??= m.journal;
    let side: Side;
    if (m.depositVoucher) {
      if (!p.ref) return failure(t, `deposit voucher ${p.mode} names no order (ref)`);
      side = { account: ctx.depositAccount, aux: ctx.thirdParty, key: p.ref, role: 'voucher', mode: p.mode };
    } else {
      if (!m.account) return failure(t, `payment mode ${p.mode} has no treasury account`);
      side = treasurySide(ctx, p.mode, m.account);
    }
    (amount > 0 ? sources : sinks).push({ side, journal: m.journal, left: Math.abs(amount) });
  }

  const targets: { side: Side; amount: Units }[] = [];
  for (let i = 0; i < t.settlements.length; i++) {
    const s = t.settlements[i];
    if (!s.ref) return failure(t, `${s.kind} settlement of ${s.amount} names no ${s.kind === 'invoice' ? 'invoice' : 'order'}`);
    const side: Side = s.kind === 'invoice' ? { account: ctx.customerAccount, aux: ctx.thirdParty, key: s.ref, role: 'invoice' } : { account: ctx.depositAccount, aux: ctx.thirdParty, key: s.ref, role: 'deposit' };
    targets.push({ side, amount: settled[i] });
  }
  if (goods !== 0) targets.push({ side: goodsSide(ctx), amount: goods });
  for (const tg of targets) {
    if (tg.amount === 0) continue;
    // A positive target is paid (a sink); a negative one (goods returned) is value the customer brings.
    (tg.amount > 0 ? sinks : sources).push({ side: tg.side, journal: null, left: Math.abs(tg.amount) });
  }

  const flows: Flow[] = [];
  let i = 0;
  let j = 0;
  while (i < sources.length && j < sinks.length) {
    const a = sources[i];
    const b = sinks[j];
    const amount = Math.min(a.left, b.left);
    if (amount > 0) flows.push({ journal: a.journal ?? b.journal ?? firstJournal ?? ctx.fallbackJournal, amount, debit: a.side, credit: b.side });
    a.left -= amount;
    b.left -= amount;
    if (a.left === 0) i++;
    if (b.left === 0) j++;
  }
  // Σ sources = Σ sinks because payments equal what is due; anything left is a bug, not data.
  for (; i < sources.length; i++) if (sources[i].left !== 0) return failure(t, 'payments cannot be matched with what the ticket owes');
  for (; j < sinks.length; j++) if (sinks[j].left !== 0) return failure(t, 'payments cannot be matched with what the ticket owes');
  return { result: { flows, credit }, errors: [] };
}
