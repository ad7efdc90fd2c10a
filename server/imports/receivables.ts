/**
 * Outside receivables (pure part): a CSV exported by the accounting software lists invoices made
 * outside tillsync that are still open (seed 003: invoice 10001434 of 248.69, paid 100.69 at the
 * till). Each line becomes an open item in tillsync's books: a mirror entry (customer debited by
 * the open amount, lettering key = the invoice number, the mirror offset account credited; never
 * exported, the accounting software holds the original) and a receivable effet. Till payments
 * and bank payments naming the invoice then letter it like a tillsync invoice.
 *
 * Input: the CSV's rows (header names in English or French, any order); output: one verdict per
 * line and the receivables to write. Refusals are verdicts, never exceptions.
 */
import type { Dec, Decimals } from '../../sync/money.ts';
import { locateColumns, readAmount, readDate, type CsvTable } from './text-input.ts';
import type { LineVerdict } from './verdicts.ts';

export type ReceivableField = 'customer' | 'invoice' | 'date' | 'due' | 'amount' | 'open';

/** Accepted header names (compared after headerKey: lower case, no accents or punctuation). */
export const RECEIVABLE_COLUMNS: Record<ReceivableField, string[]> = {
  customer: ['customer', 'customer code', 'client', 'code client', 'tiers', 'code tiers', 'compte tiers', 'third party', 'debtor', 'debiteur'],
  invoice: ['invoice', 'invoice number', 'invoice no', 'facture', 'numero facture', 'n facture', 'no facture', 'num facture', 'piece', 'numero de piece', 'document'],
  date: ['date', 'invoice date', 'date facture', 'date piece', 'document date'],
  due: ['due date', 'due', 'echeance', 'date echeance', 'date d echeance'],
  amount: ['amount', 'montant', 'montant ttc', 'total', 'total ttc', 'amount incl vat', 'invoice amount'],
  open: ['open amount', 'open', 'remaining', 'outstanding', 'reste', 'reste du', 'reste a payer', 'solde', 'montant restant', 'montant ouvert'],
};

const REQUIRED: ReceivableField[] = ['customer', 'invoice', 'date', 'amount'];

export interface ReceivableLine {
  line: number;
  customer: string;
  invoice: string;
  date: string;
  due: string | null;
  amount: Dec;
  open: Dec;
}

export interface ReadReceivables {
  /** A file-level refusal (missing columns): nothing of the file can be read. */
  fileError: string | null;
  unknownColumns: string[];
  lines: ReceivableLine[];
  verdicts: LineVerdict[];
}

function decimalsOf(x: Dec): number {
  return x.decimalPlaces();
}

export function readReceivables(t: CsvTable, decimals: Decimals): ReadReceivables {
  const { columns, unknown } = locateColumns(t.header, RECEIVABLE_COLUMNS);
  const missing = REQUIRED.filter((f) => columns[f] === undefined);
  if (missing.length) {
    return {
      fileError: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${t.header.join(' | ') || 'empty'})`,
      unknownColumns: unknown,
      lines: [],
      verdicts: [],
    };
  }
  const lines: ReceivableLine[] = [];
  const verdicts: LineVerdict[] = [];
  const seen = new Map<string, number>();
  const cell = (cells: string[], f: ReceivableField) => (columns[f] === undefined ? '' : (cells[columns[f]!] ?? '').trim());
  for (const r of t.rows) {
    const invoice = cell(r.cells, 'invoice');
    const refuse = (message: string) => verdicts.push({ line: r.line, verdict: 'error', key: invoice || null, message });
    const customer = cell(r.cells, 'customer');
    if (!invoice) {
      refuse('no invoice number');
      continue;
    }
    if (!customer) {
      refuse('no customer');
      continue;
    }
    const date = readDate(cell(r.cells, 'date'));
    if (!date) {
      refuse(`date "${cell(r.cells, 'date')}" is not a day (YYYY-MM-DD or DD/MM/YYYY)`);
      continue;
    }
    const dueText = cell(r.cells, 'due');
    const due = dueText ? readDate(dueText) : null;
    if (dueText && !due) {
      refuse(`due date "${dueText}" is not a day`);
      continue;
    }
    const amount = readAmount(cell(r.cells, 'amount'));
    if (!amount) {
      refuse(`amount "${cell(r.cells, 'amount')}" is not an amount`);
      continue;
    }
    const openText = cell(r.cells, 'open');
    const open = openText ? readAmount(openText) : amount;
    if (!open) {
      refuse(`open amount "${openText}" is not an amount`);
      continue;
    }
    if (decimalsOf(amount) > decimals || decimalsOf(open) > decimals) {
      refuse(`amounts have more decimals than the books keep (${decimals})`);
      continue;
    }
    if (!open.isZero() && (open.isNeg() !== amount.isNeg() || open.abs().gt(amount.abs()))) {
      refuse(`open amount ${open.toFixed()} is not between 0 and the invoice amount ${amount.toFixed()}`);
      continue;
    }
    const first = seen.get(invoice);
    if (first !== undefined) {
      refuse(`invoice ${invoice} already on line ${first} of this file`);
      continue;
    }
    seen.set(invoice, r.line);
    if (open.isZero()) {
      verdicts.push({ line: r.line, verdict: 'skip', key: invoice, message: 'nothing open (paid in full)' });
      continue;
    }
    lines.push({ line: r.line, customer, invoice, date, due, amount, open });
    verdicts.push({ line: r.line, verdict: 'import', key: invoice, message: `${customer} open ${open.toFixed(decimals)} of ${amount.toFixed(decimals)}` });
  }
  return { fileError: null, unknownColumns: unknown, lines, verdicts };
}

