/**
 * Exact Online XML import of general-ledger transactions (the eExact "GLTransactions" topic).
 *
 * Element names and layout follow public eExact files found in public GitHub code with the search
 * tool (code corpus, "Exact Online XML GLTransactions import"); no Exact reference documentation was
 * reachable from here, so verify one import in a test division before going live:
 *  - a C# test suite of a direct-debit uploader validating its file against Exact's eExact-XML.xsd:
 *    <eExact xsi:noNamespaceSchemaLocation="eExact-XML.xsd"><GLTransactions><GLTransaction>
 *    <TransactionType number=…/><Journal code=…/><Date/><GLTransactionLine type line status>
 *    <Date/><GLAccount code/><Description/><Account code/><Amount><Currency code/><Value/></Amount>
 *    <References><InvoiceNumber/></References>; a debit is a positive Value, a credit a negative
 *    one, and the lines of a transaction sum to zero.
 *  - a Python PayPal→Exact generator (its GLTransactionTypes enum: transaction types 20 sales entry, 21 sales credit note, 40 cash flow).
 *  - an Exact Globe/Online export: <VATTransaction code=…><VATAmount/><VATBaseAmount/></VATTransaction>.
 *  - ICEPAY import templates: <References><YourRef>…</YourRef></References> on the line.
 *
 * Journal codes must be numeric in Exact: a configured code that is not (VT, BQ, CA) falls back to
 * the defaults, 70 for sales and 30 for receipts, with a warning (seed 000, version 5.12.009).
 * Before anything is written, checkExactConditions lists every failure of the seed-001 conditions.
 */
import { D, type Dec } from '../../sync/money.ts';
import { ProblemList, type ExportProblem, type LedgerEntry } from './ledger-model.ts';

export const EXACT_DEFAULT_SALES_JOURNAL = '70';
export const EXACT_DEFAULT_BANK_JOURNAL = '30';

export interface ExactMapping {
  /** Journal codes configured in the accounting mapping (they must exist in Exact). */
  journals: Set<string>;
  /** General accounts known (synchronised with Exact); null when the mapping lists none. */
  accounts: Set<string> | null;
  /** VAT codes mapped (each must exist in Exact). */
  vatCodes: Set<string>;
  /** Customers by third-party (auxiliary) account: Exact finds its customer by name + address. */
  customers: Map<string, { name: string; address?: string | null }>;
}

/** Exact needs numeric journal codes: anything else falls back to the default of the entry's kind. */
export function exactJournalCode(code: string, kind: string): { code: string; fallback: boolean } {
  if (/^\d+$/.test(code)) return { code, fallback: false };
  return { code: kind === 'sales' ? EXACT_DEFAULT_SALES_JOURNAL : EXACT_DEFAULT_BANK_JOURNAL, fallback: true };
}

/** Seed 001's conditions for a successful export, checked on one entry; call for every entry, then read the list. */
export function checkExactEntry(e: LedgerEntry, m: ExactMapping, problems: ProblemList): void {
  if (!m.journals.has(e.journal)) problems.add('journal-unknown', e.journal, `journal ${e.journal} is not in the accounting mapping (create it in Exact and map it)`, e.id);
  if (e.kind === 'sales' && !e.piece.trim()) problems.add('invoice-unnumbered', `piece:${e.id}`, `sales entry ${e.id} has no invoice number`, e.id);
  let debit = new D(0);
  let credit = new D(0);
  for (const l of e.lines) {
    debit = debit.plus(l.debit || 0);
    credit = credit.plus(l.credit || 0);
    if (!l.account.trim()) {
      problems.add('line-no-account', 'line', 'entry lines without a general account', e.id);
      continue;
    }
    if (m.accounts && !m.accounts.has(l.account)) problems.add('account-unmapped', l.account, `account ${l.account} is not in the chart of accounts synchronised with Exact`, e.id);
    if (l.auxAccount) {
      const c = m.customers.get(l.auxAccount);
      if (!c) problems.add('customer-unknown', l.auxAccount, `customer ${l.auxAccount} is not in the base data`, e.id);
      else if (!c.address || !c.address.trim()) problems.add('customer-no-address', l.auxAccount, `customer ${l.auxAccount} (${c.name}) has no address (Exact finds customers by name and address)`, e.id);
      if (e.kind === 'sales' && !(l.documentNumber ?? e.piece).trim()) problems.add('invoice-unnumbered', `line:${e.id}`, `customer line of entry ${e.id} has no invoice number`, e.id);
    }
    if (l.vatCode) {
      if (!m.vatCodes.has(l.vatCode)) problems.add('vat-unmapped', l.vatCode, `VAT code ${l.vatCode} is not mapped (it must exist in Exact)`, e.id);
    } else if (e.kind === 'sales' && /^7/.test(l.account)) {
      problems.add('vat-missing', l.account, `sales line on ${l.account} has no VAT code`, e.id);
    }
  }
  if (!debit.equals(credit)) problems.add('entry-unbalanced', `bal:${e.id}`, `entry ${e.id} does not balance (debit ${debit.toFixed(2)}, credit ${credit.toFixed(2)})`, e.id);
}

export function checkExactConditions(entries: Iterable<LedgerEntry>, m: ExactMapping): ExportProblem[] {
  const problems = new ProblemList();
  for (const e of entries) checkExactEntry(e, m, problems);
  return problems.list;
}

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/FFFF) are dropped. */
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlText(s: string | null | undefined): string {
  return (s ?? '').replace(XML_INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function transactionType(e: LedgerEntry): number {
  if (e.kind !== 'sales') return 40;
  // A sales entry whose customer side is a credit is a credit note.
  const customerBalance = e.lines.filter((l) => l.auxAccount).reduce((acc, l) => acc.plus(l.debit || 0).minus(l.credit || 0), new D(0));
  return customerBalance.isNegative() ? 21 : 20;
}

export class ExactWriter {
  readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  totalDebit: Dec = new D(0);
  totalCredit: Dec = new D(0);
  entryCount = 0;
  lineCount = 0;

  constructor(private readonly currency = 'EUR') {}

  head(): string {
    return '<?xml version="1.0" encoding="UTF-8"?>\n<eExact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="eExact-XML.xsd">\n  <GLTransactions>\n';
  }

  tail(): string {
    return '  </GLTransactions>\n</eExact>\n';
  }

  entry(e: LedgerEntry): string {
    const journal = exactJournalCode(e.journal, e.kind);
    if (journal.fallback && !this.warned.has(e.journal)) {
      this.warned.add(e.journal);
      this.warnings.push(`journal code "${e.journal}" is not numeric: exported on Exact journal ${journal.code} (${e.kind === 'sales' ? 'sales' : 'receipts'} default)`);
    }
    const type = transactionType(e);
    // VAT per code on this entry, to give each base line its VATTransaction amounts.
    const vatByCode = new Map<string, Dec>();
    for (const l of e.lines) {
      if (l.vatCode && !/^7/.test(l.account)) vatByCode.set(l.vatCode, (vatByCode.get(l.vatCode) ?? new D(0)).plus(new D(l.credit || 0)).minus(l.debit || 0));
    }
    let out = `    <GLTransaction>\n      <TransactionType number="${type}"/>\n      <Journal code="${xmlText(journal.code)}"><Description>${xmlText(e.journalLabel)}</Description></Journal>\n      <Date>${e.date}</Date>\n      <Description>${xmlText(e.label)}</Description>\n`;
    let lineNo = 0;
    for (const l of e.lines) {
      const value = new D(l.debit || 0).minus(l.credit || 0);
      this.totalDebit = this.totalDebit.plus(l.debit || 0);
      this.totalCredit = this.totalCredit.plus(l.credit || 0);
      this.lineCount++;
      lineNo++;
      out += `      <GLTransactionLine type="${type}" line="${lineNo}" status="20">\n`;
      out += `        <Date>${e.date}</Date>\n`;
      out += `        <GLAccount code="${xmlText(l.account)}"><Description>${xmlText(l.accountLabel)}</Description></GLAccount>\n`;
      out += `        <Description>${xmlText(l.label || e.label)}</Description>\n`;
      if (l.auxAccount) out += `        <Account code="${xmlText(l.auxAccount)}"><Name>${xmlText(l.auxLabel ?? l.auxAccount)}</Name></Account>\n`;
      out += `        <Amount><Currency code="${xmlText(this.currency)}"/><Value>${value.toFixed(2)}</Value></Amount>\n`;
      if (l.vatCode && /^7/.test(l.account)) {
        const base = new D(l.credit || 0).minus(l.debit || 0);
        const vat = vatByCode.get(l.vatCode) ?? new D(0);
        out += `        <VATTransaction code="${xmlText(l.vatCode)}"><VATAmount>${vat.toFixed(2)}</VATAmount><VATBaseAmount>${base.toFixed(2)}</VATBaseAmount></VATTransaction>\n`;
        // Several base lines of one code: the VAT goes with the first only.
        vatByCode.set(l.vatCode, new D(0));
      }
      const ref = l.documentNumber ?? e.piece;
      if (ref) out += `        <References><YourRef>${xmlText(ref)}</YourRef></References>\n`;
      out += '      </GLTransactionLine>\n';
    }
    this.entryCount++;
    return `${out}    </GLTransaction>\n`;
  }
}

export function writeExact(entries: Iterable<LedgerEntry>, currency = 'EUR'): { xml: string; warnings: string[] } {
  const w = new ExactWriter(currency);
  let xml = w.head();
  for (const e of entries) xml += w.entry(e);
  xml += w.tail();
  return { xml, warnings: w.warnings };
}
