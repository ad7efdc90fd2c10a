/**
 * `server import-receivables FILE`: outside receivables into the books (receivables.ts decides
 * line by line; books-writer.ts writes). Idempotent: an invoice already taken in by a done batch
 * is "already"; an invoice tillsync made itself, or one whose debit is already in the books, is
 * refused with its reason. Payments posted before the receivable came in (seed 003: the till
 * posted 100.69 on 10001434 with "no open receivable") are lettered now and reduce the effet.
 */
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
import type { Consumption, SettlementDraft } from '../accounting/ledger-types.ts';
import { unitsOf } from '../accounting/units.ts';
import { alreadyImported, writeImportBatch, type ImportEntry, type ImportRecord, type ImportWriteResult } from './books-writer.ts';
import { loadImportsConfig } from './config.ts';
import { outsideCustomerResolver } from './customers.ts';
import { readReceivables } from './receivables.ts';
import { readCsv } from './text-input.ts';
import { countVerdicts, renderVerdicts, type LineVerdict } from './verdicts.ts';

export interface ReceivablesSummary {
  file: string;
  preview: boolean;
  batch: number | null;
  imported: number;
  counts: ReturnType<typeof countVerdicts>;
  unknownColumns: string[];
  verdicts: LineVerdict[];
  /** Payments already in the books that the new receivables letter now. */
  alreadyPaid: string;
  write: Omit<ImportWriteResult, 'batch'> | null;
}

export async function importReceivables(db: Kysely<Database>, data: string, file: string, opts: { preview?: boolean } = {}): Promise<ReceivablesSummary> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TillsyncError('not-found', `cannot read ${file}: ${(e as Error).message}`, { hint: 'give the path of the CSV exported by the accounting software', ref: { file } });
  }
  const mapping = loadMapping(data);
  const cfg = loadImportsConfig(data);
  const d = mapping.rounding.decimals as Decimals;
  const read = readReceivables(readCsv(bytes), d);
  if (read.fileError) throw new TillsyncError('bad-file', `${file}: ${read.fileError}`, { hint: 'the CSV needs columns customer, invoice, date, amount (due date and open amount optional); see docs/imports.md', ref: { file } });
  const base = await loadBaseData(db);
  const resolve = outsideCustomerResolver(mapping, base.customers);
  const name = basename(file);

  const summary = await withBooksLock(db, async (trx) => {
    const verdicts = new Map(read.verdicts.map((v) => [v.line, v]));
    const keys = read.lines.map((l) => l.invoice);
    const done = await alreadyImported(trx, 'receivable', keys);
    const ours = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) for (const r of await trx.selectFrom('documents').select('number').where('number', 'in', keys.slice(i, i + 500)).execute()) ours.add(r.number);

    const entries: ImportEntry[] = [];
    const receivables: SettlementDraft[] = [];
    const consumptions: Consumption[] = [];
    const records: ImportRecord[] = [];
    let alreadyPaid: Dec = new D(0);
    for (const l of read.lines) {
      const set = (verdict: LineVerdict['verdict'], message: string) => verdicts.set(l.line, { line: l.line, verdict, key: l.invoice, message });
      if (done.has(l.invoice)) {
        set('already', `imported by batch ${done.get(l.invoice)}`);
        continue;
      }
      if (ours.has(l.invoice)) {
        set('error', `invoice ${l.invoice} was made by tillsync: its receivable is in the books already`);
        continue;
      }
      const cust = resolve(l.customer);
      if (!cust) {
        set('error', `unknown customer ${l.customer}: add it to the base customers (code or third-party account) first`);
        continue;
      }
      const lines = await trx
        .selectFrom('entry_lines')
        .select(['debit', 'credit', 'lettering_id'])
        .where('letter_key', '=', l.invoice)
        .where('account', '=', cust.account)
        .where('aux_account', '=', cust.thirdParty)
        .execute();
      if (lines.some((x) => !new D(x.debit).isZero())) {
        set('error', `invoice ${l.invoice} already has a debit on ${cust.account}/${cust.thirdParty} in the books`);
        continue;
      }
      // Payments posted before the receivable existed (the till warned "no open receivable").
      let paid: Dec = new D(0);
      for (const x of lines) if (x.lettering_id === null) paid = paid.plus(x.credit).minus(x.debit);
      if (paid.gt(l.open)) {
        set('error', `payments of ${fmt(paid, d)} already posted on ${l.invoice} exceed its open amount ${fmt(l.open, d)}`);
        continue;
      }
      entries.push({
        journal: cfg.mirror.journal,
        date: l.date,
        piece: l.invoice,
        label: `Créance externe ${l.invoice}`,
        kind: 'mirror',
        lines: [
          { account: cust.account, aux: cust.thirdParty, auxLabel: cust.name, label: `Facture ${l.invoice}`, debit: l.open.isNeg() ? new D(0) : l.open, credit: l.open.isNeg() ? l.open.neg() : new D(0), documentNumber: l.invoice, letterKey: l.invoice },
          { account: cfg.mirror.offsetAccount, aux: null, auxLabel: null, label: `Créance externe ${l.invoice}`, debit: l.open.isNeg() ? l.open.neg() : new D(0), credit: l.open.isNeg() ? new D(0) : l.open, documentNumber: l.invoice, letterKey: null },
        ],
      });
      receivables.push({ kind: 'receivable', customer: cust.customer, thirdParty: cust.thirdParty, documentNumber: l.invoice, ticketId: null, mode: cfg.receivables.mode, state: cfg.receivables.state, amount: unitsOf(l.open), open: unitsOf(l.open), day: l.date });
      if (!paid.isZero()) {
        consumptions.push({ kind: 'receivable', ref: l.invoice, amount: unitsOf(paid), ticketId: `payments posted before ${l.invoice} was imported`, day: l.date });
        alreadyPaid = alreadyPaid.plus(paid);
      }
      records.push({ source: 'receivable', key: l.invoice, file: name, line: l.line, detail: { customer: l.customer, date: l.date, due: l.due, amount: fmt(l.amount, d), open: fmt(l.open, d), alreadyPaid: fmt(paid, d) } });
      set('import', `${cust.customer} (${cust.account}/${cust.thirdParty}) open ${fmt(l.open, d)} of ${fmt(l.amount, d)}${paid.isZero() ? '' : `, ${fmt(paid, d)} already paid lettered now`}`);
    }
    const list = [...verdicts.values()].sort((a, b) => a.line - b.line);
    const out: ReceivablesSummary = { file, preview: Boolean(opts.preview), batch: null, imported: records.length, counts: countVerdicts(list), unknownColumns: read.unknownColumns, verdicts: list, alreadyPaid: fmt(alreadyPaid, d), write: null };
    if (opts.preview || !records.length) return out;
    const w = await writeImportBatch(trx, mapping, 'import-receivables', { file }, { entries, receivables, consumptions, records });
    out.batch = w.batch;
    const { batch: _b, ...rest } = w;
    out.write = rest;
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'imports', file: name, till: null, ticket: null, message: describeReceivables(out) }).execute();
    return out;
  });
  if (summary.batch !== null) appendDayLog(data, `INFO [imports] ${describeReceivables(summary)}`);
  return summary;
}

export function describeReceivables(s: ReceivablesSummary): string {
  const c = s.counts;
  const head = s.preview ? `${s.file} (preview, nothing written)` : s.batch === null ? `${s.file}: nothing new` : `${s.file}: batch ${s.batch}`;
  return `${head}: ${c.import} receivable(s) ${s.preview ? 'to import' : 'imported'}, ${c.already} already imported, ${c.skip} skipped, ${c.error} refused${s.write ? `; ${s.write.lettering.groups} lettering group(s), ${s.write.lettering.partial} partial` : ''}`;
}

export function renderReceivables(s: ReceivablesSummary): string {
  return [describeReceivables(s), ...(s.unknownColumns.length ? [`  columns ignored: ${s.unknownColumns.join(', ')}`] : []), ...renderVerdicts(s.file, s.verdicts), ...(s.batch !== null ? [`  undo with: tillsync server undo --batch ${s.batch}`] : [])].join('\n');
}
