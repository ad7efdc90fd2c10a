/**
 * Bank lines → open items (pure). Each credit line is matched by the FIRST rule that finds
 * something, in this order (docs/imports.md):
 *
 *   1. invoice number: a word of the remittance information (or references) is the number of
 *      an open invoice; several numbers → the amount pays them in the order written.
 *   2. customer + exact amount: the payer's name is a customer's name, and exactly one of that
 *      customer's open invoices is open for exactly the amount.
 *   3. amount + date window: exactly one open invoice, of any customer, is open for exactly the
 *      amount and dated within `windowDays` before the bank line.
 *
 * Never a guess: a rule that finds several candidates, or an amount larger than what the named
 * invoices still owe, leaves the line unmatched with the reason and the candidates. Debit lines
 * are not customer payments (skipped). Lines are matched in file order and each match reduces
 * the invoice's open amount, so two lines never pay the same euro.
 */
import type { MessageRef } from '../../sync/errors.ts';
import { D, type Dec } from '../../sync/money.ts';
import type { BankTransaction } from './bank-statement.ts';

export interface OpenInvoice {
  account: string;
  aux: string | null;
  customer: string;
  name: string;
  /** The lettering key: the invoice number. */
  key: string;
  date: string;
  open: Dec;
}

export interface Allocation {
  invoice: OpenInvoice;
  amount: Dec;
}

export type MatchRule = 'invoice-number' | 'customer-amount' | 'amount-date';

export interface BankMatch {
  tx: BankTransaction;
  rule: MatchRule | null;
  allocations: Allocation[];
  verdict: 'import' | 'unmatched' | 'skip';
  message: string;
  /** The message's id and parameters, for screens in another language (the CLI prints `message`). */
  detail?: MessageRef;
}

const RULE_WORD = { 'invoice-number': 'invoiceNumber', 'customer-amount': 'customerAmount', 'amount-date': 'amountDate' } as const;

const norm = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * `payoutAccounts`: customer accounts whose invoices one payment may settle across customers — the
 * marketplace customer account, whose buyers' invoices the marketplace pays together (its payout).
 */
export function matchTransactions(txs: BankTransaction[], invoices: OpenInvoice[], opts: { windowDays: number; payoutAccounts?: string[] }): BankMatch[] {
  const left = new Map<OpenInvoice, Dec>(invoices.map((i) => [i, i.open]));
  const byKey = new Map<string, OpenInvoice[]>();
  for (const i of invoices) {
    const k = norm(i.key);
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  }
  const stillOpen = (i: OpenInvoice) => left.get(i)!.gt(0);
  const list = (xs: OpenInvoice[]) => xs.slice(0, 5).map((i) => `${i.key} (${i.customer} ${left.get(i)!.toFixed(2)})`).join(', ') + (xs.length > 5 ? `, … ${xs.length - 5} more` : '');
  const out: BankMatch[] = [];
  for (const tx of txs) {
    if (!tx.credit) {
      out.push({ tx, rule: null, allocations: [], verdict: 'skip', message: 'debit: not a customer payment', detail: { id: 'bank.debit' } });
      continue;
    }
    const unmatched = (message: string, rule: MatchRule | null, detail: MessageRef) => out.push({ tx, rule, allocations: [], verdict: 'unmatched', message, detail });
    const take = (rule: MatchRule, named: OpenInvoice[]) => {
      const allocations: Allocation[] = [];
      let rest = tx.amount;
      for (const i of named) {
        if (rest.isZero()) break;
        const a = D.min(rest, left.get(i)!);
        allocations.push({ invoice: i, amount: a });
        rest = rest.minus(a);
      }
      for (const a of allocations) left.set(a.invoice, left.get(a.invoice)!.minus(a.amount));
      const partial = allocations.some((a) => !a.amount.eq(a.invoice.open));
      const paid = allocations.map((a) => `${a.invoice.key} ${a.amount.toFixed(2)}`).join(' + ');
      out.push({ tx, rule, allocations, verdict: 'import', message: `${rule}: ${paid}${partial ? ' (partial)' : ''}`, detail: { id: 'bank.match', params: { rule: RULE_WORD[rule], paid, partial: partial ? 'yes' : 'no' } } });
    };

    // Rule 1: invoice numbers written in the remittance information.
    const words = norm(tx.remittance).split(' ');
    const named: OpenInvoice[] = [];
    for (const w of words) for (const i of byKey.get(w) ?? []) if (!named.includes(i)) named.push(i);
    if (named.length) {
      const open = named.filter(stillOpen);
      if (!open.length) {
        unmatched(`names ${named.map((i) => i.key).join(', ')}, already paid`, 'invoice-number', { id: 'bank.alreadyPaid', params: { invoices: named.map((i) => i.key).join(', ') } });
        continue;
      }
      const owed = open.reduce((s, i) => s.plus(left.get(i)!), new D(0));
      if (tx.amount.gt(owed)) {
        unmatched(`pays ${tx.amount.toFixed(2)} but ${open.map((i) => i.key).join(', ')} owe only ${owed.toFixed(2)}: letter by hand`, 'invoice-number', { id: 'bank.overpays', params: { amount: tx.amount.toFixed(2), invoices: open.map((i) => i.key).join(', '), owed: owed.toFixed(2) } });
        continue;
      }
      const customers = new Set(open.map((i) => `${i.account}/${i.aux}`));
      const payout = open.every((i) => opts.payoutAccounts?.includes(i.account));
      if (customers.size > 1 && open.length > 1 && !payout) {
        unmatched(`names invoices of several customers (${list(open)}): letter by hand`, 'invoice-number', { id: 'bank.severalCustomers', params: { list: list(open) } });
        continue;
      }
      take('invoice-number', open);
      continue;
    }

    // Rule 2: the payer is a customer, one of whose invoices is open for exactly the amount.
    if (tx.name) {
      const payer = norm(tx.name);
      const theirs = invoices.filter((i) => stillOpen(i) && payer && norm(i.name) === payer);
      if (theirs.length) {
        const exact = theirs.filter((i) => left.get(i)!.eq(tx.amount));
        if (exact.length === 1) {
          take('customer-amount', exact);
          continue;
        }
        if (exact.length > 1) {
          unmatched(`${exact.length} invoices of ${tx.name} are open for ${tx.amount.toFixed(2)}: ${list(exact)}`, 'customer-amount', { id: 'bank.sameAmount', params: { n: exact.length, name: tx.name, amount: tx.amount.toFixed(2), list: list(exact) } });
          continue;
        }
      }
    }

    // Rule 3: one invoice open for exactly the amount, dated shortly before the payment.
    const inWindow = invoices.filter((i) => stillOpen(i) && left.get(i)!.eq(tx.amount) && daysBetween(i.date, tx.date) >= 0 && daysBetween(i.date, tx.date) <= opts.windowDays);
    if (inWindow.length === 1) {
      take('amount-date', inWindow);
      continue;
    }
    if (inWindow.length > 1) {
      unmatched(`${inWindow.length} invoices are open for ${tx.amount.toFixed(2)} within ${opts.windowDays} days: ${list(inWindow)}`, 'amount-date', { id: 'bank.inWindow', params: { n: inWindow.length, amount: tx.amount.toFixed(2), days: opts.windowDays, list: list(inWindow) } });
      continue;
    }
    unmatched('no open invoice named, no customer and amount, no amount within the date window', null, { id: 'bank.noMatch' });
  }
  return out;
}
