/**
 * A posted sales entry of tillsync → the body of an Exact Online `salesentry/SalesEntries` POST
 * (pure). Exact books the customer side itself from `Customer`; the lines carry the rest:
 *
 *   - every line that is neither the customer's nor a VAT line → one SalesEntryLine: `GLAccount`
 *     (Exact's ID of the account), `AmountFC` = credit − debit (the books' sign: negative on a
 *     credit note), `VATCode` on revenue lines (class 7);
 *   - the VAT lines (a VAT code, not class 7) of a code → `VATAmountFC` of the first line of that
 *     code, so Exact holds the VAT the books hold, to the cent;
 *   - `Type` 20 (invoice) or 21 (credit note, the customer side a credit), `YourRef` = the invoice
 *     number (the unique reference seed 001 asks for), `EntryDate` = the invoice date.
 *
 * Σ AmountFC + Σ VATAmountFC must equal the customer side: checked here, an entry that does not
 * tie out is refused, never sent.
 */
import { D, type Dec } from '../../sync/money.ts';
import type { LedgerEntry } from '../exports/ledger-model.ts';

export interface SalesEntryLine {
  GLAccount: string;
  Description: string;
  AmountFC: number;
  VATCode?: string;
  VATAmountFC?: number;
}

export interface SalesEntryBody {
  Journal: string;
  Customer: string;
  EntryDate: string;
  YourRef: string;
  Description: string;
  Type: 20 | 21;
  Currency: string;
  Document?: string;
  SalesEntryLines: SalesEntryLine[];
}

const isRevenue = (account: string) => /^7/.test(account);
/** Exact takes JSON numbers; two-decimal values print exactly as the shortest double. */
const num = (d: Dec) => Number(d.toFixed(2));

export function customerOf(e: LedgerEntry): string | null {
  return e.lines.find((l) => l.auxAccount)?.auxAccount ?? null;
}

export function salesEntryBody(e: LedgerEntry, ids: { journal: string; customer: string; glAccount: (code: string) => string | undefined; currency: string; document?: string }): { body: SalesEntryBody | null; problem: string | null } {
  const customerSide = e.lines.filter((l) => l.auxAccount).reduce((s, l) => s.plus(l.debit || 0).minus(l.credit || 0), new D(0));
  const vatByCode = new Map<string, Dec>();
  const lines: (SalesEntryLine & { amount: Dec; code: string | null })[] = [];
  for (const l of e.lines) {
    if (l.auxAccount) continue;
    const amount = new D(l.credit || 0).minus(l.debit || 0);
    if (l.vatCode && !isRevenue(l.account)) {
      vatByCode.set(l.vatCode, (vatByCode.get(l.vatCode) ?? new D(0)).plus(amount));
      continue;
    }
    const gl = ids.glAccount(l.account);
    if (!gl) return { body: null, problem: `account ${l.account} does not exist in Exact Online` };
    lines.push({ GLAccount: gl, Description: (l.label || e.label).slice(0, 60), AmountFC: num(amount), amount, code: isRevenue(l.account) ? l.vatCode : null, ...(isRevenue(l.account) && l.vatCode ? { VATCode: l.vatCode } : {}) });
  }
  for (const [code, vat] of vatByCode) {
    const first = lines.find((x) => x.code === code);
    if (!first) return { body: null, problem: `VAT ${code} of ${vat.toFixed(2)} has no sales line of that code to carry it` };
    first.VATAmountFC = num(vat);
  }
  const total = lines.reduce((s, x) => s.plus(x.amount).plus(x.VATAmountFC ?? 0), new D(0));
  if (!total.eq(customerSide)) return { body: null, problem: `lines (${total.toFixed(2)}) do not tie out with the customer side (${customerSide.toFixed(2)})` };
  if (!lines.length) return { body: null, problem: 'no sales line' };
  const body: SalesEntryBody = {
    Journal: ids.journal, Customer: ids.customer, EntryDate: e.pieceDate || e.date, YourRef: e.piece, Description: e.label.slice(0, 60), Type: customerSide.isNegative() ? 21 : 20, Currency: ids.currency,
    ...(ids.document ? { Document: ids.document } : {}),
    SalesEntryLines: lines.map(({ amount: _a, code: _c, ...l }) => l),
  };
  return { body, problem: null };
}
