/**
 * `server import-sales FILE --source fnac|generic|PROFILE.json [--preview] [--set f=v] [--edit
 * LINE:f=v] [--skip LINE]`: a marketplace report → control grid (sales-grid.ts) → on generation,
 * one invoice per ticked order, numbered in the marketplace chain, its buyer matched (e-mail, or
 * name + postcode) or created as a marketplace customer, its sales entry (customer debited,
 * sales and VAT by the buyer's country) and the marketplace commission as a purchase on the
 * marketplace's supplier account; a receivable effet per invoice, so the marketplace payout (a
 * bank line naming the invoices, or a payments import) letters them. One batch, one transaction;
 * `server undo --batch N` (sales-undo.ts) follows the seed's numbering-chain rule.
 */
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import { D, splitInclusive, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { storeOf } from '../db/store.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { formatNumber, lockSeries, saveSeries } from '../integration/numbering.ts';
import { loadMapping } from '../accounting/mapping.ts';
import type { SettlementDraft } from '../accounting/ledger-types.ts';
import { unitsOf } from '../accounting/units.ts';
import { alreadyImported, writeImportBatch, type ImportEntry, type ImportRecord, type ImportWriteResult } from './books-writer.ts';
import { loadImportsConfig, type ImportsConfig } from './config.ts';
import { loadProfile } from './marketplace-profile.ts';
import { buildGrid, draftInvoices, type GridEdits, type GridVerdict, type MarketplaceInvoiceDraft, type SaleGridLine } from './sales-grid.ts';
import { readReport } from './sheet-reader.ts';

export interface SalesSummary {
  file: string;
  source: string;
  preview: boolean;
  sheet: string | null;
  ignoredSheets: string[];
  unknownColumns: string[];
  grid: SaleGridLine[];
  counts: Record<GridVerdict, number>;
  invoices: { number: string | null; order: string; customer: string; country: string; regime: string; rate: string; totalIncl: string; commission: string; mention: string | null }[];
  batch: number | null;
  write: Omit<ImportWriteResult, 'batch'> | null;
}

const WIDTH = 9;

/** The chain's next numbers: the tills' invoice series, or a series of the marketplace's own. */
async function takeNumbers(trx: Kysely<Database>, cfg: ImportsConfig['marketplace'], n: number): Promise<{ series: string; numbers: { seq: number; number: string }[] }> {
  if (cfg.series === 'invoice') {
    const state = await lockSeries(trx);
    const before = new Map(state);
    const first = (state.get('invoice') ?? 0) + 1;
    state.set('invoice', first + n - 1);
    await saveSeries(trx, before, state);
    return { series: 'invoice', numbers: Array.from({ length: n }, (_, i) => ({ seq: first + i, number: formatNumber('invoice', first + i) })) };
  }
  await trx.insertInto('number_series').values({ series: cfg.series, last_seq: 0 }).onConflict((oc) => oc.column('series').doNothing()).execute();
  const q = storeOf(trx).forUpdate(trx.selectFrom('number_series').select('last_seq').where('series', '=', cfg.series));
  const first = Number((await q.executeTakeFirstOrThrow()).last_seq) + 1;
  await trx.updateTable('number_series').set({ last_seq: first + n - 1 }).where('series', '=', cfg.series).execute();
  return { series: cfg.series, numbers: Array.from({ length: n }, (_, i) => ({ seq: first + i, number: cfg.prefix + String(first + i).padStart(WIDTH - cfg.prefix.length, '0') })) };
}

export interface SalesOptions {
  source: string;
  preview?: boolean;
  edits?: Partial<GridEdits>;
  /** Invoice date (default today): the day the invoices are made. */
  invoiceDate?: string;
}

export async function importSales(db: Kysely<Database>, data: string, file: string, opts: SalesOptions): Promise<SalesSummary> {
  const profile = loadProfile(opts.source);
  const cfg = loadImportsConfig(data);
  const mapping = loadMapping(data);
  const d = mapping.rounding.decimals as Decimals;
  const sheets = await readReport(file);
  const name = basename(file);
  const edits: GridEdits = { set: opts.edits?.set ?? {}, edits: opts.edits?.edits ?? new Map(), skip: opts.edits?.skip ?? new Set() };
  const invoiceDate = opts.invoiceDate ?? new Date().toISOString().slice(0, 10);
  const m = cfg.marketplace;

  const summary = await withBooksLock(db, async (trx) => {
    const orderKeys = new Set<string>();
    for (const s of sheets) for (const r of s.rows) for (const c of r.cells) if (typeof c === 'string' || typeof c === 'number') orderKeys.add(`${profile.name}:${String(c).trim()}`);
    const done = await alreadyImported(trx, 'sale', [...orderKeys]);
    const imported = new Set([...done.keys()].map((k) => k.slice(profile.name.length + 1)));
    const grid = buildGrid(sheets, profile, edits, imported);
    if (grid.missing.length) throw new TillsyncError('bad-file', `${file}: no sheet has the ${profile.name} report's columns: missing ${grid.missing.join(', ')}`, { hint: `check the file is the marketplace's report, or write a profile (see docs/imports.md)`, ref: { file } });
    const drafts = draftInvoices(grid, { homeCountry: m.homeCountry, domesticRate: m.domesticRate, oss: m.oss, exportMention: m.exportMention }, d);
    const counts: Record<GridVerdict, number> = { import: 0, unticked: 0, already: 0, skip: 0, error: 0 };
    for (const l of grid.lines) counts[l.verdict]++;
    const out: SalesSummary = {
      file, source: profile.name, preview: Boolean(opts.preview), sheet: grid.sheet, ignoredSheets: grid.ignoredSheets, unknownColumns: grid.unknownColumns, grid: grid.lines, counts,
      invoices: drafts.map((x) => ({ number: null, order: x.order, customer: x.customerName, country: x.country, regime: x.vat.regime, rate: x.vat.rate, totalIncl: x.totalIncl, commission: x.commission, mention: x.vat.mention })),
      batch: null, write: null,
    };
    if (opts.preview || !drafts.length) return out;

    const { series, numbers } = await takeNumbers(trx, m, drafts.length);
    const customers = await trx.selectFrom('marketplace_customers').selectAll().execute();
    const norm = (s: string | null) => (s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
    let nextCustomer = customers.reduce((mx, c) => Math.max(mx, Number(c.code.slice(2)) || 0), 0) + 1;
    const entries: ImportEntry[] = [];
    const receivables: SettlementDraft[] = [];
    const records: ImportRecord[] = [];
    const now = nowIso();
    for (let i = 0; i < drafts.length; i++) {
      const x: MarketplaceInvoiceDraft = drafts[i];
      const { number, seq } = numbers[i];
      out.invoices[i].number = number;
      let cust = customers.find((c) => (x.email && c.email && c.email.toLowerCase() === x.email.toLowerCase()) || (norm(c.name) === norm(x.customerName) && norm(c.postcode) === norm(x.postcode)));
      if (!cust) {
        cust = { code: `MP${String(nextCustomer++).padStart(5, '0')}`, name: x.customerName, email: x.email, postcode: x.postcode, country: x.country, batch_id: 0 };
        customers.push(cust);
        (cust as { created?: boolean }).created = true;
      }
      // Exempt sales (export outside the EU, intra-EU supply to a business) carry no VAT: the export sales account.
      const accounts = x.vat.regime === 'oss' ? m.accounts.oss : x.vat.regime === 'export' || x.vat.regime === 'intra-eu' ? { salesAccount: m.accounts.export.salesAccount, vatAccount: null } : m.accounts.domestic;
      const incl = new D(x.totalIncl);
      const excl = new D(x.totalExcl);
      const vat = new D(x.totalVat);
      const label = `Facture ${number} ${profile.supplier} ${x.order}`.slice(0, 60);
      entries.push({
        journal: mapping.journals.sales, date: invoiceDate, piece: number, label, kind: 'marketplace-sales',
        lines: [
          { account: m.customerAccount, aux: cust.code, auxLabel: x.customerName, label, debit: incl, credit: new D(0), documentNumber: number, letterKey: number },
          { account: accounts.salesAccount, aux: null, auxLabel: null, label: `Ventes ${profile.supplier} ${x.country} ${x.vat.rate} %`, debit: new D(0), credit: excl, documentNumber: number, letterKey: null },
          ...(vat.isZero() || !accounts.vatAccount ? [] : [{ account: accounts.vatAccount, aux: null, auxLabel: null, label: `TVA collectée ${x.country} ${x.vat.rate} %`, debit: new D(0), credit: vat, documentNumber: number, letterKey: null }]),
        ],
      });
      const commission = new D(x.commission);
      if (!commission.isZero()) {
        const split = splitInclusive(commission, m.commissionVatRate, d);
        const cl = `Commission ${profile.supplier} ${x.order}`.slice(0, 60);
        entries.push({
          journal: mapping.journals.purchases, date: invoiceDate, piece: number, label: cl, kind: 'purchase',
          lines: [
            { account: m.commissionAccount, aux: null, auxLabel: null, label: cl, debit: split.exclVat, credit: new D(0), documentNumber: number, letterKey: null },
            ...(split.vat.isZero() ? [] : [{ account: m.deductibleVatAccount, aux: null, auxLabel: null, label: `TVA déductible ${cl}`.slice(0, 60), debit: split.vat, credit: new D(0), documentNumber: number, letterKey: null }]),
            { account: m.supplierAccount, aux: profile.supplier, auxLabel: profile.label.split(' — ')[0], label: cl, debit: new D(0), credit: commission, documentNumber: number, letterKey: null },
          ],
        });
      }
      receivables.push({ kind: 'receivable', customer: cust.code, thirdParty: cust.code, documentNumber: number, ticketId: null, mode: profile.supplier.slice(0, 20), state: cfg.receivables.state, amount: unitsOf(incl), open: unitsOf(incl), day: invoiceDate });
      records.push({ source: 'sale', key: `${profile.name}:${x.order}`, file: name, line: Number(x.gridLines[0].split('!').pop()), detail: { number, order: x.order, gridLines: x.gridLines } });
      (x as MarketplaceInvoiceDraft & { number: string; seq: number; customer: string }).number = number;
      (x as MarketplaceInvoiceDraft & { seq: number }).seq = seq;
      (x as MarketplaceInvoiceDraft & { customer: string }).customer = cust.code;
    }
    const w = await writeImportBatch(trx, mapping, 'import-sales', { file, source: profile.name, series, invoiceDate }, { entries, receivables, consumptions: [], records });
    for (const c of customers as (typeof customers[number] & { created?: boolean })[]) {
      if (c.created) await trx.insertInto('marketplace_customers').values({ code: c.code, name: c.name, email: c.email, postcode: c.postcode, country: c.country, batch_id: w.batch }).execute();
    }
    for (const x of drafts as (MarketplaceInvoiceDraft & { number: string; seq: number; customer: string })[]) {
      await trx
        .insertInto('marketplace_invoices')
        .values({
          number: x.number, series, seq: x.seq, batch_id: w.batch, source: profile.name, order_no: x.order, invoice_date: invoiceDate, sale_date: x.saleDate, customer: x.customer, customer_name: x.customerName,
          country: x.country, vat_regime: x.vat.regime, vat_rate: x.vat.rate, vat_mention: x.vat.mention, total_incl: x.totalIncl, total_excl: x.totalExcl, total_vat: x.totalVat, commission: x.commission,
          lines: JSON.stringify({ lines: x.lines, shipping: x.shipping, address: x.address, postcode: x.postcode, city: x.city, company: x.company, vatNumber: x.vatNumber, email: x.email }), created_at: now,
        })
        .execute();
    }
    out.batch = w.batch;
    const { batch: _b, ...rest } = w;
    out.write = rest;
    await trx.insertInto('log_book').values({ at: now, severity: 'info', channel: 'imports', file: name, till: null, ticket: null, message: describeSales(out) }).execute();
    return out;
  });
  if (summary.batch !== null) appendDayLog(data, `INFO [imports] ${describeSales(summary)}`);
  return summary;
}

export function describeSales(s: SalesSummary): string {
  const c = s.counts;
  const head = s.preview ? `${s.file} (${s.source}, preview, nothing written)` : s.batch === null ? `${s.file} (${s.source}): no invoice made` : `${s.file} (${s.source}): batch ${s.batch}`;
  const numbers = s.invoices.map((i) => i.number).filter(Boolean) as string[];
  return `${head}: ${s.invoices.length} invoice(s) ${s.preview ? 'to make' : 'made'}${numbers.length ? ` (${numbers[0]}${numbers.length > 1 ? `–${numbers.at(-1)}` : ''})` : ''} from ${c.import} line(s); ${c.unticked} unticked, ${c.already} already imported, ${c.skip} skipped, ${c.error} refused`;
}

const cut = (s: string | undefined, n: number) => ((s ?? '').length > n ? `${s!.slice(0, n - 1)}…` : (s ?? '')).padEnd(n);

export function renderSales(s: SalesSummary): string {
  const out = [describeSales(s)];
  if (s.sheet) out.push(`  sheet "${s.sheet}"${s.ignoredSheets.length ? `; sheets ignored (no report header): ${s.ignoredSheets.join(', ')}` : ''}${s.unknownColumns.length ? `; columns ignored: ${s.unknownColumns.join(', ')}` : ''}`);
  out.push(`  ${'line'.padEnd(6)} ${'order'.padEnd(14)} ${'customer'.padEnd(20)} ${'ctry'.padEnd(4)} ${'product'.padEnd(24)} ${'qty'.padStart(4)} ${'price'.padStart(9)} verdict`);
  for (const l of s.grid) {
    const v = l.values;
    out.push(`  ${String(l.line).padEnd(6)} ${cut(v.order, 14)} ${cut(v.customerName, 20)} ${cut(v.country, 4)} ${cut(v.label, 24)} ${(v.quantity ?? '').padStart(4)} ${(v.unitPrice ?? '').padStart(9)} ${l.verdict}${l.message ? `: ${l.message}` : ''}`);
  }
  for (const i of s.invoices) out.push(`  invoice ${i.number ?? '(to number)'} order ${i.order} ${i.customer} ${i.country} ${i.regime} ${i.rate} % total ${i.totalIncl}${i.commission !== '0.00' ? ` commission ${i.commission}` : ''}${i.mention ? ` — ${i.mention}` : ''}`);
  if (s.batch !== null) out.push(`  undo with: tillsync server undo --batch ${s.batch}`);
  return out.join('\n');
}
