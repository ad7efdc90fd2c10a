/**
 * `server import-payments FILE`: payments received in the accounting software (seed 001: "les
 * paiements effectués dans Exact Online seront automatiquement inclus") come back and letter
 * the invoices they pay. CSV columns: invoice number, date, amount (customer and reference
 * optional). The accounting software already posted the payment (its bank entry is there), so by
 * default tillsync books a mirror entry (offset account debited, customer credited; never
 * exported) only to letter; with `payments.post: "bank"` in DATA/imports.json it posts the bank
 * entry itself. A payment naming an invoice that is not open, or paying more than it owes, is
 * refused with its line; the same payment imported twice is "already".
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import { D, fmt, type Dec, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { loadMapping } from '../accounting/mapping.ts';
import type { Consumption } from '../accounting/ledger-types.ts';
import { unitsOf } from '../accounting/units.ts';
import type { OpenInvoice } from './bank-match.ts';
import { alreadyImported, writeImportBatch, type ImportEntry, type ImportRecord, type ImportWriteResult } from './books-writer.ts';
import { loadImportsConfig } from './config.ts';
import { loadOpenInvoices } from './open-invoices.ts';
import { locateColumns, readAmount, readCsv, readDate } from './text-input.ts';
import { countVerdicts, renderVerdicts, type LineVerdict } from './verdicts.ts';

export const PAYMENT_COLUMNS = {
  invoice: ['invoice', 'invoice number', 'invoice no', 'facture', 'numero facture', 'n facture', 'no facture', 'your ref', 'yourref', 'votre reference', 'piece', 'document'],
  date: ['date', 'payment date', 'date reglement', 'date de reglement', 'date paiement', 'date du paiement', 'value date'],
  amount: ['amount', 'montant', 'montant regle', 'paid', 'payment', 'paiement', 'reglement', 'credit'],
  customer: ['customer', 'customer code', 'client', 'code client', 'tiers', 'code tiers', 'compte tiers', 'third party'],
  reference: ['reference', 'ref', 'payment reference', 'reference paiement', 'entry', 'entry number', 'ecriture', 'numero ecriture', 'journal entry'],
};

export interface PaymentsSummary {
  file: string;
  preview: boolean;
  posting: 'mirror' | 'bank';
  batch: number | null;
  counts: ReturnType<typeof countVerdicts>;
  unknownColumns: string[];
  verdicts: LineVerdict[];
  lettered: string;
  write: Omit<ImportWriteResult, 'batch'> | null;
}

export async function importPayments(db: Kysely<Database>, data: string, file: string, opts: { preview?: boolean } = {}): Promise<PaymentsSummary> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TillsyncError('not-found', `cannot read ${file}: ${(e as Error).message}`, { hint: 'give the path of the payments CSV exported by the accounting software', ref: { file } });
  }
  const table = readCsv(bytes);
  const { columns, unknown } = locateColumns(table.header, PAYMENT_COLUMNS);
  const missing = (['invoice', 'date', 'amount'] as const).filter((f) => columns[f] === undefined);
  if (missing.length) throw new TillsyncError('bad-file', `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${table.header.join(' | ') || 'empty'})`, { hint: 'the CSV needs invoice, date and amount columns (customer and reference optional); see docs/imports.md', ref: { file } });
  const mapping = loadMapping(data);
  const cfg = loadImportsConfig(data);
  const d = mapping.rounding.decimals as Decimals;
  const base = await loadBaseData(db);
  const name = basename(file);
  const cell = (cells: string[], f: keyof typeof PAYMENT_COLUMNS) => (columns[f] === undefined ? '' : (cells[columns[f]!] ?? '').trim());

  const summary = await withBooksLock(db, async (trx) => {
    const open = await loadOpenInvoices(trx, mapping, base, [cfg.marketplace.customerAccount]);
    const byKey = new Map<string, OpenInvoice[]>();
    for (const i of open) byKey.set(i.key, [...(byKey.get(i.key) ?? []), i]);
    const left = new Map<OpenInvoice, Dec>(open.map((i) => [i, i.open]));
    const verdicts: LineVerdict[] = [];
    const parsed: { line: number; key: string; invoice: OpenInvoice; date: string; amount: Dec; reference: string }[] = [];
    const keys: string[] = [];
    const seen = new Map<string, number>();
    for (const r of table.rows) {
      const invoice = cell(r.cells, 'invoice');
      const refuse = (message: string) => verdicts.push({ line: r.line, verdict: 'error', key: invoice || null, message });
      if (!invoice) {
        refuse('no invoice number');
        continue;
      }
      const date = readDate(cell(r.cells, 'date'));
      if (!date) {
        refuse(`date "${cell(r.cells, 'date')}" is not a day`);
        continue;
      }
      const amount = readAmount(cell(r.cells, 'amount'));
      if (!amount || !amount.gt(0) || amount.decimalPlaces() > d) {
        refuse(`amount "${cell(r.cells, 'amount')}" is not a positive amount with at most ${d} decimals`);
        continue;
      }
      const reference = cell(r.cells, 'reference');
      const key = createHash('sha256').update([invoice, date, amount.toFixed(d), reference].join('\u0000')).digest('hex').slice(0, 32);
      if (seen.has(key)) {
        refuse(`same payment as line ${seen.get(key)} of this file`);
        continue;
      }
      seen.set(key, r.line);
      const customer = cell(r.cells, 'customer');
      const candidates = (byKey.get(invoice) ?? []).filter((i) => !customer || i.customer === customer || i.aux === customer);
      parsed.push({ line: r.line, key, invoice: candidates[0], date, amount, reference });
      keys.push(key);
      if (candidates.length > 1) {
        parsed.pop();
        refuse(`invoice ${invoice} is open for several customers (${candidates.map((c) => c.customer).join(', ')}): add the customer column`);
      }
    }
    const done = await alreadyImported(trx, 'payment', keys);
    const entries: ImportEntry[] = [];
    const consumptions: Consumption[] = [];
    const records: ImportRecord[] = [];
    let lettered = new D(0);
    for (const p of parsed) {
      const set = (verdict: LineVerdict['verdict'], message: string, key: string | null = p.invoice?.key ?? null) => verdicts.push({ line: p.line, verdict, key, message });
      if (done.has(p.key)) {
        set('already', `imported by batch ${done.get(p.key)}`);
        continue;
      }
      if (!p.invoice) {
        verdicts.push({ line: p.line, verdict: 'error', key: null, message: 'no open invoice with this number in the books (paid already, or made outside tillsync: import it with import-receivables first)' });
        continue;
      }
      const owed = left.get(p.invoice)!;
      if (p.amount.gt(owed)) {
        set('error', `pays ${fmt(p.amount, d)} but ${p.invoice.key} owes ${fmt(owed, d)}`);
        continue;
      }
      left.set(p.invoice, owed.minus(p.amount));
      const bank = cfg.payments.post === 'bank';
      const label = `Règlement ${p.invoice.key}${p.reference ? ` ${p.reference}` : ''}`.slice(0, 60);
      entries.push({
        journal: bank ? (cfg.bank.journal ?? mapping.journals.bank) : cfg.mirror.journal,
        date: p.date,
        piece: (p.reference || p.invoice.key).slice(0, 35),
        label,
        kind: bank ? 'treasury' : 'mirror',
        lines: [
          { account: bank ? cfg.bank.account : cfg.mirror.offsetAccount, aux: null, auxLabel: null, label, debit: p.amount, credit: new D(0), documentNumber: p.invoice.key, letterKey: null },
          { account: p.invoice.account, aux: p.invoice.aux, auxLabel: p.invoice.name, label, debit: new D(0), credit: p.amount, documentNumber: p.invoice.key, letterKey: p.invoice.key },
        ],
      });
      consumptions.push({ kind: 'receivable', ref: p.invoice.key, amount: unitsOf(p.amount), ticketId: `payment ${name} line ${p.line}`, day: p.date });
      records.push({ source: 'payment', key: p.key, file: name, line: p.line, detail: { invoice: p.invoice.key, date: p.date, amount: fmt(p.amount, d), reference: p.reference } });
      lettered = lettered.plus(p.amount);
      set('import', `${p.invoice.customer} ${fmt(p.amount, d)}${owed.eq(p.amount) ? '' : ` (partial: ${fmt(owed.minus(p.amount), d)} still owed)`}`);
    }
    verdicts.sort((a, b) => a.line - b.line);
    const out: PaymentsSummary = { file, preview: Boolean(opts.preview), posting: cfg.payments.post, batch: null, counts: countVerdicts(verdicts), unknownColumns: unknown, verdicts, lettered: fmt(lettered, d), write: null };
    if (opts.preview || !entries.length) return out;
    const w = await writeImportBatch(trx, mapping, 'import-payments', { file, posting: cfg.payments.post }, { entries, receivables: [], consumptions, records });
    out.batch = w.batch;
    const { batch: _b, ...rest } = w;
    out.write = rest;
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'imports', file: name, till: null, ticket: null, message: describePayments(out) }).execute();
    return out;
  });
  if (summary.batch !== null) appendDayLog(data, `INFO [imports] ${describePayments(summary)}`);
  return summary;
}

export function describePayments(s: PaymentsSummary): string {
  const c = s.counts;
  const head = s.preview ? `${s.file} (preview, nothing written)` : s.batch === null ? `${s.file}: nothing new` : `${s.file}: batch ${s.batch}`;
  return `${head}: ${c.import} payment(s) ${s.preview ? 'to letter' : 'lettered'} (${s.lettered}, ${s.posting === 'bank' ? 'bank entries posted' : 'mirror entries, nothing exported'}), ${c.already} already imported, ${c.error} refused`;
}

export function renderPayments(s: PaymentsSummary): string {
  return [describePayments(s), ...(s.unknownColumns.length ? [`  columns ignored: ${s.unknownColumns.join(', ')}`] : []), ...renderVerdicts(s.file, s.verdicts), ...(s.batch !== null ? [`  undo with: tillsync server undo --batch ${s.batch}`] : [])].join('\n');
}
