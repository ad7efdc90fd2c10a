/**
 * The control grid of a marketplace report (pure; seed 004: "la grille de contrôle avant
 * génération"). Every report row gets a grid line with its values as text (so operators can edit
 * them) and a verdict: import (ticked), unticked (by the operator, or a status that is not paid),
 * already (order imported by an earlier batch), skip (totals row, blank), error (merged cells,
 * missing or unreadable values). Column actions (`--set field=value`) apply one value to every
 * ticked line; per-line edits (`--edit LINE:field=value`) change one line; `--skip LINE` unticks.
 * Then the ticked lines are grouped by order into invoices (one invoice per order).
 */
import type { MessageRef } from '../../sync/errors.ts';
import { D, splitInclusive, type Dec, type Decimals } from '../../sync/money.ts';
import { mapHeader, REQUIRED_SALE_FIELDS, SALE_FIELDS, type SaleField, type SourceProfile } from './marketplace-profile.ts';
import { cellRef, type CellValue, type SheetRows } from './sheet-reader.ts';
import { readAmount, readDate } from './text-input.ts';
import { countryCode, saleVat, type SaleVat } from './vat-countries.ts';

export type GridVerdict = 'import' | 'unticked' | 'already' | 'skip' | 'error';

export interface SaleGridLine {
  /** "Sheet!row": unique across the workbook; the number operators pass to --skip/--edit. */
  id: string;
  sheet: string;
  line: number;
  values: Partial<Record<SaleField, string>>;
  verdict: GridVerdict;
  message: string;
  /** The message's id and parameters, for screens in another language (the CLI prints `message`). */
  detail?: MessageRef;
}

export interface GridEdits {
  set: Partial<Record<SaleField, string>>;
  edits: Map<string, Partial<Record<SaleField, string>>>;
  skip: Set<string>;
}

export interface SalesGrid {
  sheet: string | null;
  /** Sheets without the report's header (other tabs: summaries, notes). */
  ignoredSheets: string[];
  unknownColumns: string[];
  /** Required fields no column holds (in the best sheet): the whole file is refused. */
  missing: SaleField[];
  lines: SaleGridLine[];
}

function text(v: CellValue): string {
  if (v === null) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).trim();
}

/** Finds the sheet and header row (within the first 10 rows) that hold the profile's required columns. */
export function buildGrid(sheets: SheetRows[], profile: SourceProfile, edits: GridEdits, imported: Set<string>): SalesGrid {
  let best: { sheet: SheetRows; headerIndex: number; map: ReturnType<typeof mapHeader> } | null = null;
  const ignored: string[] = [];
  let fewestMissing: SaleField[] = [...REQUIRED_SALE_FIELDS];
  for (const s of sheets) {
    let found = false;
    for (let i = 0; i < Math.min(10, s.rows.length); i++) {
      const map = mapHeader(profile, s.rows[i].cells.map(text));
      if (map.missing.length < fewestMissing.length) fewestMissing = map.missing;
      if (!map.missing.length && !best) {
        best = { sheet: s, headerIndex: i, map };
        found = true;
        break;
      }
    }
    if (!found) ignored.push(s.name);
  }
  if (!best) return { sheet: null, ignoredSheets: ignored, unknownColumns: [], missing: fewestMissing, lines: [] };
  const { sheet, headerIndex, map } = best;
  const merged = sheet.merges.map((r) => {
    const [a, b] = r.split(':').map(cellRef);
    return { ref: r, from: a.row, to: b.row };
  });
  const lines: SaleGridLine[] = [];
  for (const row of sheet.rows.slice(headerIndex + 1)) {
    const id = `${sheet.name}!${row.line}`;
    const raw: Partial<Record<SaleField, string>> = {};
    for (const [f, i] of map.fields) {
      const v = row.cells[i] ?? null;
      raw[f] = f === 'date' && typeof v === 'number' ? `serial:${v}` : text(v);
    }
    const all = row.cells.map(text).filter(Boolean);
    if (!all.length) continue;
    const line: SaleGridLine = { id, sheet: sheet.name, line: row.line, values: raw, verdict: 'import', message: '' };
    lines.push(line);
    const merge = merged.find((m) => row.line >= m.from && row.line <= m.to);
    if (merge) {
      line.verdict = 'error';
      line.message = `merged cells ${merge.ref}: unmerge them in the report (the values they hide cannot be read)`;
      line.detail = { id: 'grid.merged', params: { ref: merge.ref } };
      continue;
    }
    if (!raw.order && all.some((c) => /^(sous[- ]?)?tota(l|ux)\b/i.test(c))) {
      line.verdict = 'skip';
      line.message = 'totals row';
      line.detail = { id: 'grid.totals' };
      continue;
    }
    if (/^(sous[- ]?)?tota(l|ux)\b/i.test(raw.order ?? '')) {
      line.verdict = 'skip';
      line.message = 'totals row';
      line.detail = { id: 'grid.totals' };
      continue;
    }
    const own = edits.edits.get(id) ?? edits.edits.get(String(row.line)) ?? {};
    const status = own.status ?? raw.status;
    if (edits.skip.has(id) || edits.skip.has(String(row.line))) {
      line.verdict = 'unticked';
      line.message = 'unticked';
      line.detail = { id: 'grid.unticked' };
    } else if (profile.paidStatuses.length && status && !profile.paidStatuses.some((s) => s.toLowerCase() === status.toLowerCase())) {
      line.verdict = 'unticked';
      line.message = `status "${status}" is not a paid status`;
      line.detail = { id: 'grid.notPaid', params: { status } };
    }
    // Column actions apply to ticked lines; a line's own edit wins over a column action.
    if (line.verdict === 'import') Object.assign(line.values, edits.set);
    Object.assign(line.values, own);
    if (line.verdict !== 'import') continue;
    if (raw.order && imported.has(raw.order)) {
      line.verdict = 'already';
      line.message = `order ${raw.order} imported by an earlier batch`;
      line.detail = { id: 'grid.alreadyImported', params: { order: raw.order } };
    }
  }
  return { sheet: sheet.name, ignoredSheets: ignored, unknownColumns: map.unknown, missing: [], lines };
}

export interface SaleLineValues {
  order: string;
  date: string;
  customerName: string;
  /** The buyer's company and VAT number: a business buyer (its invoice is a Factur-X). */
  company: string | null;
  vatNumber: string | null;
  email: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  sku: string | null;
  label: string;
  quantity: Dec;
  unitPrice: Dec;
  shipping: Dec;
  vatRate: string | null;
  commission: Dec;
}

/** Reads a grid line's values; a problem is returned as text (the line's error verdict). */
export function readSaleLine(l: SaleGridLine, homeCountry: string, decimals: Decimals): SaleLineValues | string {
  const v = l.values;
  const need = REQUIRED_SALE_FIELDS.find((f) => !v[f]);
  if (need) return `no ${need}`;
  const dateText = v.date!;
  const date = dateText.startsWith('serial:') ? readDate(Number(dateText.slice(7))) : readDate(dateText);
  if (!date) return `date "${dateText.replace('serial:', '')}" is not a day`;
  const quantity = readAmount(v.quantity);
  if (!quantity || !quantity.isInteger() || !quantity.gt(0)) return `quantity "${v.quantity}" is not a whole number above 0`;
  const unitPrice = readAmount(v.unitPrice);
  if (!unitPrice || unitPrice.isNeg() || unitPrice.decimalPlaces() > decimals) return `unit price "${v.unitPrice}" is not an amount with at most ${decimals} decimals`;
  const shipping = v.shipping ? readAmount(v.shipping) : new D(0);
  if (!shipping || shipping.isNeg() || shipping.decimalPlaces() > decimals) return `shipping "${v.shipping}" is not an amount`;
  const commission = v.commission ? readAmount(v.commission) : new D(0);
  if (!commission || commission.decimalPlaces() > decimals) return `commission "${v.commission}" is not an amount`;
  let vatRate: string | null = null;
  if (v.vatRate) {
    const r = readAmount(v.vatRate.replace('%', ''));
    if (!r || r.isNeg() || r.gt(100)) return `VAT rate "${v.vatRate}" is not a percentage`;
    vatRate = (r.lt(1) && !r.isZero() ? r.times(100) : r).toFixed();
  }
  const country = v.country ? countryCode(v.country) : homeCountry;
  if (!country) return `country "${v.country}" is not known (use the ISO code: FR, DE, CH…)`;
  const opt = (f: SaleField) => v[f] || null;
  const vatNumber = v.vatNumber ? v.vatNumber.replace(/[\s.-]+/g, '').toUpperCase() : null;
  if (vatNumber && !/^[A-Z]{2}[0-9A-Z]{2,13}$/.test(vatNumber)) return `VAT number "${v.vatNumber}" is not a VAT number (country code and digits, e.g. FR32123456789)`;
  // Reports that split the buyer's name (FNAC: first name, last name) give it back whole.
  const customerName = [v.firstName, v.customerName].filter(Boolean).join(' ');
  return { order: v.order!, date, customerName, company: opt('company'), vatNumber, email: opt('email'), address: opt('address'), postcode: opt('postcode'), city: opt('city'), country, sku: opt('sku'), label: v.label!, quantity, unitPrice, shipping, vatRate, commission: commission.abs() };
}

export interface MarketplaceInvoiceDraft {
  order: string;
  /** Sale date: the order's day. */
  saleDate: string;
  customerName: string;
  company: string | null;
  vatNumber: string | null;
  email: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  vat: SaleVat;
  lines: { sku: string | null; label: string; quantity: string; unitPrice: string; total: string }[];
  shipping: string;
  totalIncl: string;
  totalExcl: string;
  totalVat: string;
  commission: string;
  /** Grid lines that made it. */
  gridLines: string[];
}

/** Ticked, readable lines grouped by order (report order kept); lines that fail to read become errors. */
export function draftInvoices(grid: SalesGrid, vatOpts: Parameters<typeof saleVat>[2], decimals: Decimals): MarketplaceInvoiceDraft[] {
  const byOrder = new Map<string, { values: SaleLineValues; line: SaleGridLine }[]>();
  for (const l of grid.lines) {
    if (l.verdict !== 'import') continue;
    const r = readSaleLine(l, vatOpts.homeCountry, decimals);
    if (typeof r === 'string') {
      l.verdict = 'error';
      l.message = r;
      continue;
    }
    const list = byOrder.get(r.order) ?? [];
    list.push({ values: r, line: l });
    byOrder.set(r.order, list);
  }
  const out: MarketplaceInvoiceDraft[] = [];
  for (const [order, items] of byOrder) {
    const head = items[0].values;
    const rates = new Set(items.map((i) => i.values.vatRate ?? ''));
    if (rates.size > 1 || items.some((i) => i.values.country !== head.country)) {
      for (const i of items) {
        i.line.verdict = 'error';
        i.line.message = `order ${order} mixes ${rates.size > 1 ? 'VAT rates' : 'countries'} across its lines: fix the report or edit the lines`;
        i.line.detail = { id: 'grid.mixed', params: { order, what: rates.size > 1 ? 'rates' : 'countries' } };
      }
      continue;
    }
    const vat = saleVat(head.country, head.vatRate, vatOpts, head.vatNumber);
    let total = new D(0);
    let shipping = new D(0);
    let commission = new D(0);
    const lines = items.map(({ values: v }) => {
      const t = v.unitPrice.times(v.quantity);
      total = total.plus(t);
      shipping = shipping.plus(v.shipping);
      commission = commission.plus(v.commission);
      return { sku: v.sku, label: v.label, quantity: v.quantity.toFixed(), unitPrice: v.unitPrice.toFixed(decimals), total: t.toFixed(decimals) };
    });
    const incl = total.plus(shipping);
    const split = splitInclusive(incl, vat.rate, decimals);
    out.push({
      order, saleDate: head.date, customerName: head.customerName, company: head.company, vatNumber: head.vatNumber, email: head.email, address: head.address, postcode: head.postcode, city: head.city, country: head.country, vat, lines,
      shipping: shipping.toFixed(decimals), totalIncl: incl.toFixed(decimals), totalExcl: split.exclVat.toFixed(decimals), totalVat: split.vat.toFixed(decimals), commission: commission.toFixed(decimals),
      gridLines: items.map((i) => i.line.id),
    });
    for (const i of items) {
      i.line.message = `${order}: ${head.country} ${vat.regime} ${vat.rate} %`;
      i.line.detail = { id: 'grid.vat', params: { order, country: head.country, regime: vat.regime, rate: vat.rate } };
    }
  }
  return out;
}

export function parseAssignments(list: string[] | undefined, what: string): Partial<Record<SaleField, string>> {
  const out: Partial<Record<SaleField, string>> = {};
  for (const a of list ?? []) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(a);
    if (!m || !(SALE_FIELDS as readonly string[]).includes(m[1])) throw new Error(`${what} ${a}: expected field=value with field one of ${SALE_FIELDS.join(', ')}`);
    out[m[1] as SaleField] = m[2];
  }
  return out;
}
