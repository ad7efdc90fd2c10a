/**
 * `server import-bank FILE [--preview] [--skip LINE…]`: a bank statement (camt.053 or CFONB 120)
 * → the match grid (bank-match.ts) → for the confirmed matches, one bank entry per transaction
 * (bank account debited, each invoice's customer line credited with its number as lettering key;
 * journal and account from DATA/imports.json, journal defaulting to the mapping's bank journal),
 * the invoices lettered and their effets paid, as one undoable batch. Unmatched lines are listed
 * and left alone. Idempotent: a transaction already booked by a done batch is "already".
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import { TillsyncError, type MessageRef } from '../../sync/errors.ts';
import { D, fmt, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { loadMapping } from '../accounting/mapping.ts';
import type { Consumption } from '../accounting/ledger-types.ts';
import { unitsOf } from '../accounting/units.ts';
import { decodeText } from '../accounting/accounts-import.ts';
import { matchTransactions, type BankMatch, type MatchRule } from './bank-match.ts';
import type { BankFile } from './bank-statement.ts';
import { alreadyImported, writeImportBatch, type ImportEntry, type ImportRecord, type ImportWriteResult } from './books-writer.ts';
import { camtVersion, readCamt, validateCamt } from './camt.ts';
import { looksLikeCfonb, readCfonb } from './cfonb.ts';
import { loadImportsConfig } from './config.ts';
import { loadOpenInvoices } from './open-invoices.ts';

export interface BankGridRow {
  line: number;
  where: string;
  date: string;
  amount: string;
  side: 'C' | 'D';
  name: string | null;
  remittance: string;
  rule: MatchRule | null;
  invoices: { invoice: string; customer: string; amount: string }[];
  verdict: 'import' | 'already' | 'unmatched' | 'skip' | 'unticked';
  message: string;
  /** The message's id and parameters, for screens in another language (the CLI prints `message`). */
  detail?: MessageRef;
}

export interface BankSummary {
  file: string;
  format: BankFile['format'];
  preview: boolean;
  statements: BankFile['statements'];
  batch: number | null;
  grid: BankGridRow[];
  counts: Record<BankGridRow['verdict'], number>;
  problems: BankFile['problems'];
  /** Σ of the credit lines booked (or to book, in preview). */
  booked: string;
  write: Omit<ImportWriteResult, 'batch'> | null;
}

export function readBankFile(file: string, validate: boolean): BankFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TillsyncError('not-found', `cannot read ${file}: ${(e as Error).message}`, { hint: 'give the path of the statement downloaded from the bank', ref: { file } });
  }
  const text = decodeText(bytes);
  if (/^\s*<\?xml|^\s*<(\w+:)?Document/.test(text)) {
    const version = camtVersion(text);
    if (!version) throw new TillsyncError('bad-file', `${file} is XML but not a camt.053.001.02 or .08 statement`, { hint: 'export the statement as camt.053 (or CFONB 120) from the bank', ref: { file } });
    if (validate) validateCamt(file, version);
    return readCamt(text, file);
  }
  if (looksLikeCfonb(text)) return readCfonb(text);
  throw new TillsyncError('bad-file', `${file} is neither a camt.053 statement (XML) nor a CFONB 120 statement (120-character records starting 01/04/05/07)`, { hint: 'download the statement from the bank as camt.053 or CFONB 120', ref: { file } });
}

export async function importBank(db: Kysely<Database>, data: string, file: string, opts: { preview?: boolean; skip?: number[] } = {}): Promise<BankSummary> {
  const cfg = loadImportsConfig(data);
  const parsed = readBankFile(file, cfg.bank.validate);
  const mapping = loadMapping(data);
  const d = mapping.rounding.decimals as Decimals;
  const base = await loadBaseData(db);
  const journal = cfg.bank.journal ?? mapping.journals.bank;
  const name = basename(file);
  const skip = new Set(opts.skip ?? []);

  const summary = await withBooksLock(db, async (trx) => {
    const done = await alreadyImported(trx, 'bank', parsed.transactions.map((t) => t.key));
    const fresh = parsed.transactions.filter((t) => !done.has(t.key));
    const open = await loadOpenInvoices(trx, mapping, base, [cfg.marketplace.customerAccount]);
    const matches = new Map<string, BankMatch>(matchTransactions(fresh, open, { windowDays: cfg.bank.windowDays, payoutAccounts: [cfg.marketplace.customerAccount] }).map((m) => [m.tx.key, m]));
    const grid: BankGridRow[] = [];
    const entries: ImportEntry[] = [];
    const consumptions: Consumption[] = [];
    const records: ImportRecord[] = [];
    let booked = new D(0);
    for (const t of parsed.transactions) {
      const m = matches.get(t.key);
      const row: BankGridRow = {
        line: t.line, where: t.where, date: t.date, amount: fmt(t.amount, d), side: t.credit ? 'C' : 'D', name: t.name, remittance: t.remittance,
        rule: m?.rule ?? null, invoices: (m?.allocations ?? []).map((a) => ({ invoice: a.invoice.key, customer: a.invoice.customer, amount: fmt(a.amount, d) })),
        verdict: done.has(t.key) ? 'already' : m!.verdict, message: done.has(t.key) ? `booked by batch ${done.get(t.key)}` : m!.message,
        detail: done.has(t.key) ? { id: 'bank.bookedBy', params: { batch: Number(done.get(t.key)) } } : m!.detail,
      };
      if (row.verdict === 'import' && skip.has(t.line)) {
        row.verdict = 'unticked';
        row.message = `left out (--skip ${t.line}); proposed ${m!.message}`;
        row.detail = { id: 'bank.leftOut', params: { line: t.line } };
      }
      grid.push(row);
      if (row.verdict !== 'import' || !m) continue;
      if (t.amount.decimalPlaces() > d) {
        row.verdict = 'unmatched';
        row.message = `amount has more decimals than the books keep (${d})`;
        row.detail = { id: 'bank.decimals', params: { decimals: d } };
        continue;
      }
      booked = booked.plus(t.amount);
      const label = `Virement ${t.name ?? ''} ${t.reference}`.replace(/\s+/g, ' ').trim().slice(0, 60);
      entries.push({
        journal, date: t.date, piece: t.reference, label, kind: 'treasury',
        lines: [
          { account: cfg.bank.account, aux: null, auxLabel: null, label, debit: t.amount, credit: new D(0), documentNumber: null, letterKey: null },
          ...m.allocations.map((a) => ({ account: a.invoice.account, aux: a.invoice.aux, auxLabel: a.invoice.name, label: `Règlement ${a.invoice.key}`, debit: new D(0), credit: a.amount, documentNumber: a.invoice.key, letterKey: a.invoice.key })),
        ],
      });
      for (const a of m.allocations) consumptions.push({ kind: 'receivable', ref: a.invoice.key, amount: unitsOf(a.amount), ticketId: `bank ${t.where}`, day: t.date });
      records.push({ source: 'bank', key: t.key, file: name, line: t.line, detail: { where: t.where, date: t.date, amount: fmt(t.amount, d), rule: m.rule, invoices: row.invoices } });
    }
    const counts = { import: 0, already: 0, unmatched: 0, skip: 0, unticked: 0 };
    for (const r of grid) counts[r.verdict]++;
    const out: BankSummary = { file, format: parsed.format, preview: Boolean(opts.preview), statements: parsed.statements, batch: null, grid, counts, problems: parsed.problems, booked: fmt(booked, d), write: null };
    if (opts.preview || !entries.length) return out;
    const w = await writeImportBatch(trx, mapping, 'import-bank', { file, skip: [...skip] }, { entries, receivables: [], consumptions, records });
    out.batch = w.batch;
    const { batch: _b, ...rest } = w;
    out.write = rest;
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'imports', file: name, till: null, ticket: null, message: describeBank(out) }).execute();
    return out;
  });
  if (summary.batch !== null) appendDayLog(data, `INFO [imports] ${describeBank(summary)}`);
  return summary;
}

export function describeBank(s: BankSummary): string {
  const c = s.counts;
  const head = s.preview ? `${s.file} (${s.format}, preview, nothing written)` : s.batch === null ? `${s.file} (${s.format}): nothing booked` : `${s.file} (${s.format}): batch ${s.batch}`;
  return `${head}: ${s.statements.length} statement(s), ${s.grid.length} line(s): ${c.import} ${s.preview ? 'to book' : 'booked and lettered'} (${s.booked}), ${c.unmatched} unmatched, ${c.already} already booked, ${c.skip} debit(s) skipped${c.unticked ? `, ${c.unticked} left out` : ''}${s.problems.length ? `, ${s.problems.length} problem(s)` : ''}`;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s).padEnd(n);

export function renderBank(s: BankSummary): string {
  const out = [describeBank(s), `  ${'line'.padEnd(5)} ${'date'.padEnd(10)} ${'amount'.padStart(10)} ${'payer'.padEnd(18)} ${'remittance'.padEnd(30)} verdict`];
  for (const r of s.grid) {
    out.push(`  ${String(r.line).padEnd(5)} ${r.date} ${(r.side === 'D' ? '-' : '') + r.amount}`.padEnd(30) + ` ${cut(r.name ?? '', 18)} ${cut(r.remittance, 30)} ${r.verdict}: ${r.message}`);
  }
  for (const p of s.problems) out.push(`  ${s.file} line ${p.line}: ${p.message}`);
  if (s.preview && s.counts.import) out.push(`  book these with: tillsync server import-bank ${s.file} (leave lines out with --skip LINE,…)`);
  if (s.batch !== null) out.push(`  undo with: tillsync server undo --batch ${s.batch}`);
  return out.join('\n');
}
