/**
 * Exact Online XML import of general-ledger transactions and of the customers they name, valid
 * against Exact Online's eExact import schema (`eExact-XML.xsd`, kept with its origin in
 * test/references/exact/; every test that writes a file validates it with xmllint):
 *  - `<Accounts>` first: one `<Account code status="C">` per customer the file references (name,
 *    SIREN, address, VAT number from the base data), so Exact creates or finds the relation;
 *  - `<GLTransactions>`: one `<GLTransaction>` per entry (TransactionType 20 sales, 21 sales credit
 *    note, 40 cash flow), `FinYear`/`FinPeriod` from the company's financial year; a debit is a
 *    positive `Amount/Value`, a credit a negative one, and the lines of a transaction sum to zero;
 *  - VAT on `Amount/VAT@code`; a VAT line also carries `Amount/VATBaseAmount`, the base of its code in
 *    the entry, with the sign of the line's own value (Exact Online has no `VATTransaction`: that
 *    element is Exact Globe's);
 *  - the invoice number in `References/InvoiceNumber` (with `InvoiceDate` on the customer line).
 *
 * Journal codes must be numeric in Exact: each tillsync journal goes to its own Exact journal, the
 * code itself when numeric, else the one mapped in accounting.json `exact.journals` (the cash
 * journal CA stays distinct from the bank). An unmapped non-numeric code is refused (config check
 * and here), never merged into another journal. Before anything is written, checkExactConditions
 * lists every failure of the seed-001 conditions.
 */
import { D, type Dec } from '../../sync/money.ts';
import type { Company } from '../../sync/types.ts';
import { ProblemList, type ExportProblem, type LedgerEntry } from './ledger-model.ts';
import { finPeriodOf } from './fiscal-year.ts';

/** A customer as the Accounts section shows it (base data customer, by third-party account). */
export interface ExactCustomer {
  name: string;
  address?: string | null;
  siren?: string | null;
  vatNumber?: string | null;
  /** A supplier (a marketplace taking its commission), not a customer: written as such, found by code. */
  supplier?: boolean;
}

/** A third party on a class-40 account (French chart: fournisseurs) is a supplier, not a customer. */
export function isSupplierAccount(account: string): boolean {
  return /^40/.test(account);
}

export interface ExactMapping {
  /** Journal codes configured in the accounting mapping (they must exist in Exact). */
  journals: Set<string>;
  /** tillsync journal → Exact journal (accounting.json `exact.journals`); numeric codes need none. */
  exactJournals: Map<string, string>;
  /** General accounts known (synchronised with Exact); null when the mapping lists none. */
  accounts: Set<string> | null;
  /** VAT codes mapped (each must exist in Exact). */
  vatCodes: Set<string>;
  /** Customers by third-party (auxiliary) account: Exact finds its customer by name + address. */
  customers: Map<string, ExactCustomer>;
}

/** The Exact journal of a tillsync journal: mapped, else the code itself when numeric, else null (refused). */
export function exactJournalCode(code: string, exactJournals: ReadonlyMap<string, string>): string | null {
  const mapped = exactJournals.get(code);
  if (mapped !== undefined) return /^\d+$/.test(mapped) ? mapped : null;
  return /^\d+$/.test(code) ? code : null;
}

/** A revenue line (class 7) carries the VAT code of its base; any other line with a VAT code posts the VAT. */
const isRevenue = (account: string) => /^7/.test(account);

/** Seed 001's conditions for a successful export, checked on one entry; call for every entry, then read the list. */
export function checkExactEntry(e: LedgerEntry, m: ExactMapping, problems: ProblemList): void {
  if (!m.journals.has(e.journal)) problems.add('journal-unknown', e.journal, `journal ${e.journal} is not in the accounting mapping (create it in Exact and map it)`, e.id);
  if (exactJournalCode(e.journal, m.exactJournals) === null) {
    const mapped = m.exactJournals.get(e.journal);
    problems.add('journal-not-numeric', `exact:${e.journal}`, mapped !== undefined
      ? `journal ${e.journal} is mapped to Exact journal "${mapped}", which is not numeric`
      : `journal ${e.journal} is not numeric and has no Exact journal in accounting.json exact.journals (Exact takes numeric journal codes only)`, e.id);
  }
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
    if (l.auxAccount && isSupplierAccount(l.account)) {
      // Suppliers come from the marketplace profiles, not the base data's customers: a name is all Exact needs beside the code.
      if (!(m.customers.get(l.auxAccount)?.name ?? l.auxLabel ?? '').trim()) problems.add('supplier-unnamed', l.auxAccount, `supplier ${l.auxAccount} has no name`, e.id);
    } else if (l.auxAccount) {
      const c = m.customers.get(l.auxAccount);
      if (!c) problems.add('customer-unknown', l.auxAccount, `customer ${l.auxAccount} is not in the base data`, e.id);
      else if (!c.address || !c.address.trim()) problems.add('customer-no-address', l.auxAccount, `customer ${l.auxAccount} (${c.name}) has no address (Exact finds customers by name and address)`, e.id);
      if (e.kind === 'sales' && !(l.documentNumber ?? e.piece).trim()) problems.add('invoice-unnumbered', `line:${e.id}`, `customer line of entry ${e.id} has no invoice number`, e.id);
    }
    if (l.vatCode) {
      if (!m.vatCodes.has(l.vatCode)) problems.add('vat-unmapped', l.vatCode, `VAT code ${l.vatCode} is not mapped (it must exist in Exact)`, e.id);
    } else if (e.kind === 'sales' && isRevenue(l.account)) {
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

/**
 * A one-line French address "12 rue du Commerce, 75015 Paris" split the way Exact's Address wants
 * it; what does not end in a postcode and city stays whole on AddressLine1.
 */
export function splitAddress(address: string): { line1: string; postcode: string | null; city: string | null } {
  const parts = address.split(/\s*[,\n]\s*/).map((p) => p.trim()).filter(Boolean);
  const last = parts.length > 1 ? /^(\d{5})\s+(.+)$/.exec(parts[parts.length - 1]) : null;
  if (!last) return { line1: parts.join(', '), postcode: null, city: null };
  return { line1: parts.slice(0, -1).join(', '), postcode: last[1], city: last[2] };
}

/** One `<Account>` of the Accounts section, elements in the schema's order (typeAccount). */
export function exactAccountXml(code: string, c: ExactCustomer, country = 'FR'): string {
  // status: C = customer; a supplier has no customer status ("A", none) and says IsSupplier instead.
  let out = `    <Account code="${xmlText(code)}" status="${c.supplier ? 'A' : 'C'}">\n      <Name>${xmlText(c.name)}</Name>\n`;
  const siren = c.siren?.replace(/\s+/g, '');
  if (siren) out += `      <SIREN>${xmlText(siren)}</SIREN>\n`;
  out += c.supplier ? '      <IsSupplier>true</IsSupplier>\n      <IsPurchase>true</IsPurchase>\n' : '      <IsSales>true</IsSales>\n';
  if (c.address?.trim()) {
    const a = splitAddress(c.address);
    out += `      <Address type="INV">\n        <AddressLine1>${xmlText(a.line1)}</AddressLine1>\n`;
    if (a.postcode) out += `        <PostalCode>${xmlText(a.postcode)}</PostalCode>\n`;
    if (a.city) out += `        <City>${xmlText(a.city)}</City>\n`;
    out += `        <Country code="${xmlText(country)}"/>\n      </Address>\n`;
  }
  if (c.vatNumber?.trim()) out += `      <VATNumber>${xmlText(c.vatNumber.replace(/\s+/g, ''))}</VATNumber>\n`;
  return `${out}    </Account>\n`;
}

export interface ExactWriterOptions {
  currency?: string;
  /** Company settings: the financial year (FinYear / FinPeriod). */
  company?: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>;
  /** tillsync journal → Exact journal. */
  exactJournals?: ReadonlyMap<string, string>;
  /** Where an export profile's analytic section goes: Costcenter (default) or Costunit of the line. */
  analyticField?: 'costcenter' | 'costunit';
}

export class ExactWriter {
  readonly warnings: string[] = [];
  totalDebit: Dec = new D(0);
  totalCredit: Dec = new D(0);
  entryCount = 0;
  lineCount = 0;
  private readonly currency: string;
  private readonly analyticField: 'Costcenter' | 'Costunit';
  private readonly company: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>;
  private readonly exactJournals: ReadonlyMap<string, string>;

  constructor(opts: ExactWriterOptions = {}) {
    this.currency = opts.currency ?? 'EUR';
    this.company = opts.company ?? {};
    this.exactJournals = opts.exactJournals ?? new Map();
    this.analyticField = opts.analyticField === 'costunit' ? 'Costunit' : 'Costcenter';
  }

  /** The file's head: the Accounts section (customers referenced, sorted by code), then GLTransactions opens. */
  head(customers: ReadonlyMap<string, ExactCustomer> = new Map()): string {
    let out = '<?xml version="1.0" encoding="UTF-8"?>\n<eExact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="eExact-XML.xsd">\n';
    if (customers.size) {
      out += '  <Accounts>\n';
      for (const code of [...customers.keys()].sort()) out += exactAccountXml(code, customers.get(code)!);
      out += '  </Accounts>\n';
    }
    return `${out}  <GLTransactions>\n`;
  }

  tail(): string {
    return '  </GLTransactions>\n</eExact>\n';
  }

  entry(e: LedgerEntry): string {
    const journal = exactJournalCode(e.journal, this.exactJournals);
    if (journal === null) throw new Error(`journal ${e.journal} has no numeric Exact journal (checkExactEntry refuses it first)`);
    const type = transactionType(e);
    const { finYear, finPeriod } = finPeriodOf(this.company, e.date);
    const fin = `<FinYear number="${finYear}"/>\n`;
    const per = `<FinPeriod number="${finPeriod}"/>\n`;
    // Base per VAT code on this entry (the revenue lines' values), for the VAT lines' VATBaseAmount.
    const baseByCode = new Map<string, Dec>();
    for (const l of e.lines) {
      if (l.vatCode && isRevenue(l.account)) baseByCode.set(l.vatCode, (baseByCode.get(l.vatCode) ?? new D(0)).plus(new D(l.debit || 0).minus(l.credit || 0)));
    }
    let out = `    <GLTransaction>\n      <TransactionType number="${type}"/>\n      <Journal code="${xmlText(journal)}"><Description>${xmlText(e.journalLabel)}</Description></Journal>\n      <Date>${e.date}</Date>\n      ${fin}      ${per}      <Description>${xmlText(e.label)}</Description>\n`;
    let lineNo = 0;
    for (const whole of e.lines) {
      this.totalDebit = this.totalDebit.plus(whole.debit || 0);
      this.totalCredit = this.totalCredit.plus(whole.credit || 0);
      this.lineCount++;
      // Exact has one Costcenter a line: a line spread over several sections (an article axis) goes as
      // one line per section, with its part of the amount (the parts sum to the line).
      const parts = whole.analyticParts?.length ? whole.analyticParts : null;
      const sign = new D(whole.debit || 0).minus(whole.credit || 0).isNegative() ? -1 : 1;
      const rest = parts ? new D(whole.debit || 0).minus(whole.credit || 0).abs().minus(parts.reduce((s, p) => s.plus(p.amount), new D(0))) : null;
      const pieces: { value: Dec; analytic: string | null | undefined }[] = parts
        ? [...parts.map((p) => ({ value: new D(p.amount).times(sign), analytic: p.section })), ...(rest && !rest.isZero() ? [{ value: rest.times(sign), analytic: null }] : [])]
        : [{ value: new D(whole.debit || 0).minus(whole.credit || 0), analytic: whole.analytic }];
      for (const piece of pieces) {
        const l = { ...whole, analytic: piece.analytic };
        const value = piece.value;
        lineNo++;
        const ref = l.documentNumber ?? (e.piece && !e.piece.startsWith('*') ? e.piece : null);
        out += `      <GLTransactionLine type="${type}" line="${lineNo}" status="20">\n`;
        out += `        <Date>${e.date}</Date>\n        ${fin}        ${per}`;
        out += `        <GLAccount code="${xmlText(l.account)}"><Description>${xmlText(l.accountLabel)}</Description></GLAccount>\n`;
        out += `        <Description>${xmlText(l.label || e.label)}</Description>\n`;
        if (l.auxAccount && e.kind === 'sales' && ref) out += `        <InvoiceDate>${e.pieceDate || e.date}</InvoiceDate>\n`;
        if (l.auxAccount) out += `        <Account code="${xmlText(l.auxAccount)}"><Name>${xmlText(l.auxLabel ?? l.auxAccount)}</Name></Account>\n`;
        // An export profile's analytic section (eExact-XML.xsd: GLTransactionLine/Costcenter or Costunit, after Account).
        if (l.analytic) out += `        <${this.analyticField} code="${xmlText(l.analytic)}"/>\n`;
        out += `        <Amount><Currency code="${xmlText(this.currency)}"/><Value>${value.toFixed(2)}</Value>`;
        if (l.vatCode) {
          out += `<VAT code="${xmlText(l.vatCode)}"/>`;
          // The base goes with the VAT line, signed like that line's value (a collected VAT credit has a negative base).
          const base = isRevenue(l.account) ? null : baseByCode.get(l.vatCode);
          if (base) out += `<VATBaseAmount>${(value.isNegative() ? base.abs().negated() : base.abs()).toFixed(2)}</VATBaseAmount>`;
        }
        out += '</Amount>\n';
        if (ref) out += `        <References><InvoiceNumber>${xmlText(ref)}</InvoiceNumber></References>\n`;
        out += '      </GLTransactionLine>\n';
      }
    }
    this.entryCount++;
    return `${out}    </GLTransaction>\n`;
  }
}

/** The customers (by third-party account) an entry references, added to `into`. */
export function collectCustomers(e: LedgerEntry, known: ReadonlyMap<string, ExactCustomer>, into: Map<string, ExactCustomer>): void {
  for (const l of e.lines) {
    if (!l.auxAccount || into.has(l.auxAccount)) continue;
    const supplier = isSupplierAccount(l.account);
    const c = known.get(l.auxAccount) ?? { name: l.auxLabel ?? l.auxAccount };
    into.set(l.auxAccount, supplier ? { ...c, supplier } : c);
  }
}

export function writeExact(entries: Iterable<LedgerEntry>, opts: ExactWriterOptions & { customers?: ReadonlyMap<string, ExactCustomer> } = {}): { xml: string; warnings: string[] } {
  const w = new ExactWriter(opts);
  const list = [...entries];
  const used = new Map<string, ExactCustomer>();
  for (const e of list) collectCustomers(e, opts.customers ?? new Map(), used);
  let xml = w.head(used);
  for (const e of list) xml += w.entry(e);
  xml += w.tail();
  return { xml, warnings: w.warnings };
}
