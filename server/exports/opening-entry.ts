/**
 * The opening entry of a yearly FEC ("à nouveaux"): LPF A47 A-1 asks the file of a financial year
 * to start with the entries carrying forward the previous year's closing balances. Built from
 * every entry dated before the year's first day:
 *  - balance-sheet accounts only (PCG classes 1 to 5), one line per account and auxiliary account,
 *    on the side of its balance; accounts that balance to zero are left out;
 *  - the income and expense accounts (classes 6 and 7) are not carried forward: their net, the
 *    earlier years' result not yet allocated here, goes to 120000 (profit) or 129000 (loss), which
 *    also makes the entry balance (the allocation itself is the accountant's entry).
 * Journal AN "A nouveaux", dated and validated on the year's first day, EcritureNum AN1 (outside
 * the validation sequence, which it does not consume).
 *
 * openingEntry is pure (balances in, entry out); readClosingBalances pages through SQL and sums
 * with decimal.js, never with the engine's floating-point SUM.
 */
import type { Kysely } from 'kysely';
import { D, type Dec } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import type { LedgerEntry, LedgerLine } from './ledger-model.ts';
import type { FiscalYear } from './fiscal-year.ts';

export const OPENING_JOURNAL = 'AN';
export const OPENING_JOURNAL_LABEL = 'A nouveaux';
export const PROFIT_ACCOUNT = { number: '120000', label: "Résultat de l'exercice (bénéfice)" };
export const LOSS_ACCOUNT = { number: '129000', label: "Résultat de l'exercice (perte)" };

export interface AccountBalance {
  account: string;
  auxAccount: string | null;
  auxLabel: string | null;
  /** Debit minus credit. */
  balance: Dec;
}

/** Balance-sheet accounts of the French chart (PCG classes 1–5) are carried forward; 6 and 7 are not. */
export function isBalanceSheetAccount(account: string): boolean {
  return /^[1-5]/.test(account);
}

export function openingEntry(balances: AccountBalance[], fy: FiscalYear, accountLabel: (account: string) => string): LedgerEntry | null {
  const carried = balances
    .filter((b) => isBalanceSheetAccount(b.account) && !b.balance.isZero())
    .sort((a, b) => a.account.localeCompare(b.account) || (a.auxAccount ?? '').localeCompare(b.auxAccount ?? ''));
  if (!carried.length) return null;
  const piece = `${OPENING_JOURNAL}${fy.year}`;
  const label = `A nouveaux ${fy.start.slice(0, 4) === fy.end.slice(0, 4) ? fy.year : `${fy.start.slice(0, 4)}-${fy.end.slice(0, 4)}`}`;
  const lineOf = (account: string, accLabel: string, balance: Dec, aux: string | null, auxLabel: string | null): LedgerLine => ({
    account,
    accountLabel: accLabel,
    auxAccount: aux,
    auxLabel: aux ? auxLabel || aux : null,
    label,
    debit: balance.isPositive() ? balance.toFixed(2) : '0.00',
    credit: balance.isNegative() ? balance.negated().toFixed(2) : '0.00',
    vatCode: null,
    documentNumber: null,
    letterCode: null,
    letterDate: null,
  });
  const lines = carried.map((b) => lineOf(b.account, accountLabel(b.account), b.balance, b.auxAccount, b.auxLabel));
  const net = carried.reduce((acc, b) => acc.plus(b.balance), new D(0));
  // Assets minus liabilities is the earlier result: a profit is a credit on 120, a loss a debit on 129.
  if (!net.isZero()) {
    const result = net.negated();
    const target = result.isNegative() ? PROFIT_ACCOUNT : LOSS_ACCOUNT;
    lines.push(lineOf(target.number, target.label, result, null, null));
  }
  return {
    id: 0,
    journal: OPENING_JOURNAL,
    journalLabel: OPENING_JOURNAL_LABEL,
    kind: 'opening',
    date: fy.start,
    piece,
    pieceDate: fy.start,
    label,
    validatedAt: `${fy.start}T00:00:00.000Z`,
    lines,
    fecNumText: `${OPENING_JOURNAL}1`,
  };
}

/** Balance per account and auxiliary account of every entry dated before `before` (YYYY-MM-DD). */
export async function readClosingBalances(db: Kysely<Database>, before: string, pageSize = 2000): Promise<AccountBalance[]> {
  const byKey = new Map<string, AccountBalance>();
  let after = 0;
  for (;;) {
    const lines = await db
      .selectFrom('entry_lines as l')
      .innerJoin('entries as e', 'e.id', 'l.entry_id')
      .select(['l.id', 'l.account', 'l.aux_account', 'l.aux_label', 'l.debit', 'l.credit'])
      .where('e.entry_date', '<', before)
      .where('l.id', '>', after)
      .orderBy('l.id')
      .limit(pageSize)
      .execute();
    if (!lines.length) break;
    after = Number(lines[lines.length - 1].id);
    for (const l of lines) {
      const aux = l.aux_account || null;
      const key = `${l.account}\u0000${aux ?? ''}`;
      let b = byKey.get(key);
      if (!b) {
        b = { account: l.account, auxAccount: aux, auxLabel: l.aux_label || null, balance: new D(0) };
        byKey.set(key, b);
      }
      b.balance = b.balance.plus(l.debit || 0).minus(l.credit || 0);
    }
  }
  return [...byKey.values()];
}
