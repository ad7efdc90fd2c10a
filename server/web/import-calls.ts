/**
 * The imports' share of feature-calls.ts (kept apart so each feature's calls stay small): what the
 * marketplace-sales and bank-statement pages ask of server/imports/. Each call is the CLI's own
 * function with the options the CLI flags give (--skip, --edit, --preview), so what the page
 * allows is exactly what `server import-sales` / `server import-bank` / `server undo` allow.
 * Their closing messages are told in the page's language from the CLI's counts (the CLI's own
 * sentences stay English).
 */
import type { ServerContext } from '../context.ts';
import { importSales, type SalesSummary } from '../imports/sales-run.ts';
import { salesUndoRefusal, undoSales } from '../imports/sales-undo.ts';
import { importBank, type BankSummary } from '../imports/bank-run.ts';
import { builtInProfiles } from '../imports/marketplace-profile.ts';
import type { SaleField } from '../imports/marketplace-profile.ts';
import { listBatches, type BatchRow } from './batches-queries.ts';
import { uploadedFile, type ImportDraft } from './import-uploads.ts';
import { errorText } from './respond.ts';
import { amount } from './format.ts';
import { t } from './i18n/index.ts';

export { SALE_FIELDS } from '../imports/marketplace-profile.ts';

/** Profiles the page offers: the built-in ones only (a profile path would read any file of the server). */
export function salesSources(): string[] {
  return builtInProfiles();
}

function salesEdits(d: ImportDraft, skip: string[]) {
  return { set: {}, edits: new Map(Object.entries(d.edits)) as Map<string, Partial<Record<SaleField, string>>>, skip: new Set(skip) };
}

/** The control grid of an uploaded report, nothing written (`import-sales --preview`). */
export async function salesGrid(ctx: ServerContext, d: ImportDraft): Promise<SalesSummary> {
  return importSales(ctx.db, ctx.data, uploadedFile(ctx.data, d), { source: d.source ?? 'fnac', preview: true, edits: salesEdits(d, d.skip) });
}

/** Generation: one batch, ends with the count of invoices made. */
export async function generateSales(ctx: ServerContext, d: ImportDraft, invoiceDate?: string): Promise<{ summary: SalesSummary; message: string }> {
  const s = await importSales(ctx.db, ctx.data, uploadedFile(ctx.data, d), { source: d.source ?? 'fnac', edits: salesEdits(d, d.skip), invoiceDate });
  const numbers = s.invoices.map((i) => i.number).filter(Boolean) as string[];
  const c = s.counts;
  const message =
    s.batch === null
      ? t('sales.noneGenerated', { import: c.import, unticked: c.unticked, already: c.already, error: c.error })
      : t('sales.generated', { n: numbers.length, batch: s.batch, range: `${numbers[0]}${numbers.length > 1 ? `–${numbers.at(-1)}` : ''}`, unticked: c.unticked, already: c.already, error: c.error });
  return { summary: s, message };
}

export interface SalesBatch extends BatchRow {
  /** Why Undo is refused now (the CLI's words), or null when it is allowed. */
  refusal: string | null;
}

export async function salesBatches(ctx: ServerContext): Promise<SalesBatch[]> {
  const out: SalesBatch[] = [];
  for (const b of await listBatches(ctx.db, 'import-sales')) {
    const r = b.status === 'done' ? await salesUndoRefusal(ctx.db, b.id) : null;
    out.push({ ...b, refusal: r ? errorText(r) : null });
  }
  return out;
}

export async function undoSalesBatch(ctx: ServerContext, batch: number): Promise<string> {
  const u = await undoSales(ctx.db, ctx.data, batch);
  return t('sales.undone', {
    many: u.batches.length > 1 ? 'yes' : 'no',
    batches: [...u.batches].reverse().join(', '),
    invoices: u.invoices,
    released: u.released ? 'yes' : 'no',
    first: u.released?.first ?? '',
    last: u.released?.last ?? '',
    customers: u.customers,
    entries: u.entries,
  });
}

function bankSkip(d: ImportDraft): number[] {
  return d.skip.map(Number).filter((n) => Number.isInteger(n));
}

/** The match grid of an uploaded statement (`import-bank --preview`). */
export async function bankGrid(ctx: ServerContext, d: ImportDraft): Promise<BankSummary> {
  return importBank(ctx.db, ctx.data, uploadedFile(ctx.data, d), { preview: true, skip: bankSkip(d) });
}

/** Books the confirmed matches (the ticked lines): bank entries, lettering, effets paid. */
export async function bookBank(ctx: ServerContext, d: ImportDraft): Promise<{ summary: BankSummary; message: string }> {
  const s = await importBank(ctx.db, ctx.data, uploadedFile(ctx.data, d), { skip: bankSkip(d) });
  const c = s.counts;
  const message =
    s.batch === null
      ? t('bank.nothingBooked', { unmatched: c.unmatched, already: c.already, problems: s.problems.length })
      : t('bank.booked', { batch: s.batch, n: c.import, amount: amount(s.booked), unmatched: c.unmatched, already: c.already });
  return { summary: s, message };
}

export async function bankBatches(ctx: ServerContext): Promise<BatchRow[]> {
  return listBatches(ctx.db, 'import-bank', 10);
}
