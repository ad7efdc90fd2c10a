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
import { D, type Dec } from '../../sync/money.ts';
import type { DataError } from '../../sync/errors.ts';
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
  amount: Dec; // > 0
  debit: Side;
  credit: Side;
}

export interface TicketFlows {
  flows: Flow[];
  /** Credit payments left on the goods: amount still owed, per credit mode. */
  credit: { mode: string; amount: Dec }[];
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
}

interface Node {
  side: Side;
  journal: string | null;
  left: Dec;
}

export function ticketFlows(t: PostingTicket, ctx: FlowContext): { result: TicketFlows | null; error: DataError | null } {
  const fail = (message: string): { result: null; error: DataError } => ({ result: null, error: { source: 'posting', message: `ticket ${t.id}: ${message}`, ref: { ticket: t.id, till: t.till } } });
  const zero = new D(0);
  let goods = new D(t.goods);
  const due = goods.plus(t.settlements.reduce((a, s) => a.plus(s.amount), zero));
  const paid = t.payments.reduce((a, p) => a.plus(p.amount), zero);
  if (!due.eq(paid)) return fail(`payments ${paid.toFixed()} do not equal goods + settlements ${due.toFixed()}`);
  // Lines may carry more decimals than the books (the sales pass rounds them); money may not:
  // a payment of 3.585 cannot be posted at 2 decimals without inventing a difference.
  for (const x of [...t.payments, ...t.settlements]) {
    if (new D(x.amount).decimalPlaces() > ctx.decimals) return fail(`amount ${x.amount} has more decimals than the books keep (${ctx.decimals}): set rounding.decimals in accounting.json`);
  }
  if (!goods.isZero() && !ctx.goodsKey) return fail('has goods but no document number (not integrated)');

  const credit: TicketFlows['credit'] = [];
  const sources: Node[] = [];
  const sinks: Node[] = [];
  const firstJournal = t.payments.map((p) => ctx.modes[p.mode]).find((m) => m && !m.credit)?.journal ?? ctx.fallbackJournal;

  for (const p of t.payments) {
    const m = ctx.modes[p.mode];
    if (!m) return fail(`payment mode ${p.mode} has no accounting mapping (add paymentModes.${p.mode} to accounting.json)`);
    const amount = new D(p.amount);
    if (amount.isZero()) continue;
    if (m.credit) {
      // A credit sale leaves the goods owed: it can only cover goods, of the same sign.
      if (goods.isZero() || goods.isNegative() !== amount.isNegative() || amount.abs().gt(goods.abs())) return fail(`credit payment ${p.mode} ${p.amount} exceeds the goods ${t.goods}`);
      goods = goods.minus(amount);
      credit.push({ mode: p.mode, amount });
      continue;
    }
    let side: Side;
    if (m.depositVoucher) {
      if (!p.ref) return fail(`deposit voucher ${p.mode} names no order (ref)`);
      side = { account: ctx.depositAccount, aux: ctx.thirdParty, key: p.ref, role: 'voucher', mode: p.mode };
    } else {
      if (!m.account) return fail(`payment mode ${p.mode} has no treasury account`);
      side = { account: m.account, aux: null, key: null, role: 'treasury', mode: p.mode };
    }
    const node = { side, journal: m.journal, left: amount.abs() };
    (amount.isPositive() ? sources : sinks).push(node);
  }

  const targets: { side: Side; amount: Dec }[] = [];
  for (const s of t.settlements) {
    if (!s.ref) return fail(`${s.kind} settlement of ${s.amount} names no ${s.kind === 'invoice' ? 'invoice' : 'order'}`);
    if (s.kind === 'invoice') targets.push({ side: { account: ctx.customerAccount, aux: ctx.thirdParty, key: s.ref, role: 'invoice' }, amount: new D(s.amount) });
    else targets.push({ side: { account: ctx.depositAccount, aux: ctx.thirdParty, key: s.ref, role: 'deposit' }, amount: new D(s.amount) });
  }
  if (!goods.isZero()) targets.push({ side: { account: ctx.customerAccount, aux: ctx.thirdParty, key: ctx.goodsKey, role: 'goods' }, amount: goods });
  for (const tg of targets) {
    if (tg.amount.isZero()) continue;
    // A positive target is paid (a sink); a negative one (goods returned) is value the customer brings.
    (tg.amount.isPositive() ? sinks : sources).push({ side: tg.side, journal: null, left: tg.amount.abs() });
  }

  const flows: Flow[] = [];
  let i = 0;
  let j = 0;
  while (i < sources.length && j < sinks.length) {
    const a = sources[i];
    const b = sinks[j];
    const amount = D.min(a.left, b.left);
    if (amount.isPositive()) flows.push({ journal: a.journal ?? b.journal ?? firstJournal, amount, debit: a.side, credit: b.side });
    a.left = a.left.minus(amount);
    b.left = b.left.minus(amount);
    if (a.left.isZero()) i++;
    if (b.left.isZero()) j++;
  }
  // Σ sources = Σ sinks because payments equal what is due; anything left is a bug, not data.
  if (sources.slice(i).some((n) => !n.left.isZero()) || sinks.slice(j).some((n) => !n.left.isZero())) return fail('payments cannot be matched with what the ticket owes');
  return { result: { flows, credit }, error: null };
}

export function sumFlows(flows: Flow[], pick: (f: Flow) => boolean): Dec {
  let s: Dec = new D(0);
  for (const f of flows) if (pick(f)) s = s.plus(f.amount);
  return s;
}
