/**
 * `server exact pull-payments` (and server start's schedule and webhooks): payments registered in
 * Exact Online come back and letter the open items they pay (seed 001: "Les paiements effectués
 * dans Exact Online seront automatiquement inclus … sans même devoir cliquer sur un bouton").
 *
 * Exact's cashflow/Receivables settled (IsFullyPaid) become transactions the bank statements'
 * matcher reads (imports/bank-match.ts, the same rules in the same order: the invoice number in
 * YourRef/Description, then customer + exact amount, then amount + date window) against
 * tillsync's open items. Matched: one batch through the imports' one write path (books-writer.ts)
 * — a mirror entry by default (Exact already holds the bank entry; never exported), or a bank entry
 * with imports.json `payments.post: "bank"` — lettered, the effets paid; undoable with `server
 * undo --batch N`. Unmatched: listed with the reason, nothing guessed. The same receivable pulled
 * twice is "already" (import_records source `payment`, key `exact:<division>:<ID>`).
 */
import type { Kysely } from 'kysely';
import { D, fmt, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { loadMapping } from '../accounting/mapping.ts';
import type { Consumption } from '../accounting/ledger-types.ts';
import { unitsOf } from '../accounting/units.ts';
import { matchTransactions } from '../imports/bank-match.ts';
import type { BankTransaction } from '../imports/bank-statement.ts';
import { alreadyImported, writeImportBatch, type ImportEntry, type ImportRecord } from '../imports/books-writer.ts';
import { loadImportsConfig } from '../imports/config.ts';
import { loadOpenInvoices } from '../imports/open-invoices.ts';
import type { ExactApi } from './exact-api.ts';

export interface Receivable {
  ID: string;
  AccountCode?: string;
  AccountName?: string;
  AmountDC: number;
  YourRef?: string | null;
  InvoiceNumber?: number | null;
  Description?: string | null;
  IsFullyPaid?: boolean;
  Modified?: string | null;
  InvoiceDate?: string | null;
}

export interface PullRow {
  receivable: string;
  yourRef: string | null;
  customer: string | null;
  amount: string;
  date: string;
  verdict: 'lettered' | 'already' | 'unmatched' | 'skip';
  rule: string | null;
  message: string;
}

export interface PullOutcome {
  division: number;
  read: number;
  batch: number | null;
  rows: PullRow[];
  counts: Record<PullRow['verdict'], number>;
  lettered: string;
  message: string;
}

/** Exact dates: ISO, or OData's /Date(ms)/. */
export function exactDay(v: string | null | undefined): string | null {
  if (!v) return null;
  const ms = /\/Date\((-?\d+)\)\//.exec(v)?.[1];
  const d = ms ? new Date(Number(ms)) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

export function toTransaction(r: Receivable, division: number, line: number): BankTransaction {
  const amount = new D(String(r.AmountDC));
  return {
    key: `exact:${division}:${r.ID}`,
    where: `Exact receivable ${r.YourRef ?? r.InvoiceNumber ?? r.ID}`,
    line,
    statement: `exact-${division}`,
    account: '',
    date: exactDay(r.Modified) ?? exactDay(r.InvoiceDate) ?? new Date().toISOString().slice(0, 10),
    amount: amount.abs(),
    // A settled credit note is money going out: not a customer payment.
    credit: amount.gt(0),
    currency: 'EUR',
    name: r.AccountName ?? null,
    remittance: [r.YourRef, r.Description].filter(Boolean).join(' '),
    reference: `EOL${r.InvoiceNumber ?? ''}`.slice(0, 35),
  };
}

export async function pullPayments(db: Kysely<Database>, data: string, api: ExactApi): Promise<PullOutcome> {
  const division = api.division;
  const settled = await api.list<Receivable>('cashflow/Receivables?$select=ID,AccountCode,AccountName,AmountDC,YourRef,InvoiceNumber,Description,IsFullyPaid,Modified,InvoiceDate&$filter=IsFullyPaid eq true');
  await api.saveRate().catch(() => undefined);
  const txs = settled.map((r, i) => toTransaction(r, division, i + 1));
  const mapping = loadMapping(data);
  const cfg = loadImportsConfig(data);
  const d = mapping.rounding.decimals as Decimals;
  const base = await loadBaseData(db);

  const out = await withBooksLock(db, async (trx) => {
    const done = await alreadyImported(trx, 'payment', txs.map((t) => t.key));
    const fresh = txs.filter((t) => !done.has(t.key));
    const open = await loadOpenInvoices(trx, mapping, base, [cfg.marketplace.customerAccount]);
    const matches = new Map(matchTransactions(fresh, open, { windowDays: cfg.bank.windowDays }).map((m) => [m.tx.key, m]));
    const rows: PullRow[] = [];
    const entries: ImportEntry[] = [];
    const consumptions: Consumption[] = [];
    const records: ImportRecord[] = [];
    let lettered = new D(0);
    const bank = cfg.payments.post === 'bank';
    for (const [i, t] of txs.entries()) {
      const r = settled[i];
      const row: PullRow = { receivable: r.ID, yourRef: r.YourRef ?? null, customer: r.AccountCode?.trim() ?? null, amount: fmt(t.amount, d), date: t.date, verdict: 'unmatched', rule: null, message: '' };
      rows.push(row);
      if (done.has(t.key)) {
        Object.assign(row, { verdict: 'already', message: `lettered by batch ${done.get(t.key)}` });
        continue;
      }
      const m = matches.get(t.key)!;
      row.rule = m.rule;
      row.message = m.message;
      if (m.verdict === 'skip') row.verdict = 'skip';
      if (m.verdict !== 'import') continue;
      row.verdict = 'lettered';
      lettered = lettered.plus(t.amount);
      const label = `Règlement Exact ${r.YourRef ?? ''}`.replace(/\s+/g, ' ').trim().slice(0, 60);
      entries.push({
        journal: bank ? (cfg.bank.journal ?? mapping.journals.bank) : cfg.mirror.journal,
        date: t.date,
        piece: (r.YourRef || t.reference).slice(0, 35),
        label,
        kind: bank ? 'treasury' : 'mirror',
        lines: [
          { account: bank ? cfg.bank.account : cfg.mirror.offsetAccount, aux: null, auxLabel: null, label, debit: t.amount, credit: new D(0), documentNumber: null, letterKey: null },
          ...m.allocations.map((a) => ({ account: a.invoice.account, aux: a.invoice.aux, auxLabel: a.invoice.name, label: `Règlement ${a.invoice.key}`, debit: new D(0), credit: a.amount, documentNumber: a.invoice.key, letterKey: a.invoice.key })),
        ],
      });
      for (const a of m.allocations) consumptions.push({ kind: 'receivable', ref: a.invoice.key, amount: unitsOf(a.amount), ticketId: `exact ${r.ID}`, day: t.date });
      records.push({ source: 'payment', key: t.key, file: `exact-online:${division}`, line: t.line, detail: { receivable: r.ID, yourRef: r.YourRef, amount: row.amount, rule: m.rule, invoices: m.allocations.map((a) => a.invoice.key) } });
    }
    const counts = { lettered: 0, already: 0, unmatched: 0, skip: 0 };
    for (const r of rows) counts[r.verdict]++;
    const o: PullOutcome = { division, read: settled.length, batch: null, rows, counts, lettered: fmt(lettered, d), message: '' };
    o.message = describe(o, bank);
    if (!entries.length) return o;
    const w = await writeImportBatch(trx, mapping, 'import-payments', { source: 'exact-online', division, posting: cfg.payments.post }, { entries, receivables: [], consumptions, records });
    o.batch = w.batch;
    o.message = describe(o, bank);
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'imports', file: `exact-online:${division}`, till: null, ticket: null, message: o.message }).execute();
    return o;
  });
  if (out.batch !== null || out.counts.unmatched) appendDayLog(data, `INFO [exact] ${out.message}`);
  return out;
}

function describe(o: PullOutcome, bank: boolean): string {
  const c = o.counts;
  return `Exact Online division ${o.division}: ${o.read} settled receivable(s): ${c.lettered} lettered (${o.lettered}, ${bank ? 'bank entries posted' : 'mirror entries, nothing exported'})${o.batch !== null ? ` in batch ${o.batch}` : ''}, ${c.already} already, ${c.unmatched} unmatched${c.skip ? `, ${c.skip} credit note(s) skipped` : ''}`;
}

export function renderPull(o: PullOutcome, data: string): string {
  const out = [o.message];
  for (const r of o.rows.filter((x) => x.verdict === 'unmatched' || x.verdict === 'lettered')) out.push(`  ${r.verdict.padEnd(9)} ${(r.yourRef ?? r.receivable).padEnd(14)} ${r.amount.padStart(10)} ${r.customer ?? ''}: ${r.message}`);
  if (o.batch !== null) out.push(`  undo with: tillsync server undo --data ${data} --batch ${o.batch}`);
  return out.join('\n');
}
