/**
 * Human renderings of an integration: the control grid of a preview (seed 004, "la grille de
 * contrôle avant génération") and the report of a run or an undo.
 */
import type { BooksError } from '../../sync/errors.ts';
import { D, fmt } from '../../sync/money.ts';
import type { DocumentKind } from './document-kind.ts';
import { describeFilters } from './filters.ts';
import type { GridDocument, IntegrationSummary, PreviewResult } from './integrate.ts';
import type { Series } from './numbering.ts';

const KIND_LABEL: Record<DocumentKind, string> = { invoice: 'invoice', 'delivery-note': 'delivery note', 'credit-note': 'credit note' };
const SERIES_LABEL: Record<Series, string> = { invoice: 'invoices', 'delivery-note': 'delivery notes', 'credit-note': 'credit notes', 'deposit-invoice': 'deposit invoices' };

/** Ticket numbers as ranges: 1–3, 5, 8–10. */
export function numberRanges(ids: string[]): string {
  const numbers = ids.map((id) => Number(id.slice(id.lastIndexOf('-') + 1)));
  const parts: string[] = [];
  let start = numbers[0];
  let prev = numbers[0];
  for (let i = 1; i <= numbers.length; i++) {
    const n = numbers[i];
    if (i < numbers.length && n === prev + 1) {
      prev = n;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = n;
    prev = n;
  }
  return parts.join(', ');
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function errorLines(errors: BooksError[], total: number): string[] {
  if (!total) return [];
  const lines = [`${total} ticket(s) left out — each is in the log book with its reason; fix and run again:`];
  for (const e of errors) lines.push(`  ${e.message}`);
  if (total > errors.length) lines.push(`  …and ${total - errors.length} more in the log book`);
  return lines;
}

/** `overrides`: tickets whose customer was set in the back office (ticket-overrides.ts), by ticket id. */
export function renderControlGrid(p: PreviewResult, overrides: Map<string, { soldTo: string }> = new Map()): string {
  const out = [`Control grid — preview, nothing written (${describeFilters(p.filters)})`];
  if (!p.documents.length) out.push('No document would be created.');
  const total = { incl: new D(0), excl: new D(0), vat: new D(0) };
  for (const d of p.documents as GridDocument[]) {
    out.push(
      `${pad(d.number, 10)} ${pad(KIND_LABEL[d.kind], 13)} ${pad(d.customer, 10)} ${d.day}  till ${d.store}-${d.till}  ${d.tickets.length} ticket(s)  total ${d.totals.inclVat} incl (${d.totals.exclVat} + ${d.totals.vat} VAT)`,
    );
    out.push(`${' '.repeat(11)}${d.byVat.map((v) => `${v.vatCode} ${v.rate} %: base ${v.base}, VAT ${v.vat}, incl ${v.inclVat}`).join(' · ')}`);
    out.push(`${' '.repeat(11)}tickets ${numberRanges(d.tickets)}`);
    const set = overrides.size ? d.tickets.filter((id) => overrides.has(id)) : [];
    if (set.length) {
      const soldTo = [...new Set(set.map((id) => overrides.get(id)!.soldTo))].join(', ');
      out.push(`${' '.repeat(11)}customer set in the back office on ticket(s) ${numberRanges(set)} (sold to ${soldTo})`);
    }
    total.incl = total.incl.plus(d.totals.inclVat);
    total.excl = total.excl.plus(d.totals.exclVat);
    total.vat = total.vat.plus(d.totals.vat);
  }
  if (p.documents.length) {
    out.push(`${p.documents.length} document(s) from ${p.stats.inDocuments} ticket(s): ${fmt(total.incl)} incl VAT (${fmt(total.excl)} + ${fmt(total.vat)} VAT)`);
  }
  if (p.paymentOnly.length) out.push(`${p.paymentOnly.length} payment-only ticket(s) (no goods) would be marked integrated without a document: ${p.paymentOnly.slice(0, 20).join(', ')}${p.paymentOnly.length > 20 ? ', …' : ''}`);
  if (p.stats.excluded) out.push(`${p.stats.excluded} ticket(s) excluded with --exclude`);
  out.push(...errorLines(p.errors.slice(0, 100), p.errors.length));
  out.push('Run the same command without --preview to create these documents; add --exclude TICKET_ID to leave tickets out.');
  return out.join('\n');
}

export function renderRun(s: IntegrationSummary): string {
  if (s.batch === null) {
    const out = [`Nothing to integrate (${describeFilters(s.filters)}): no batch created.`];
    if (s.stats.excluded) out.push(`${s.stats.excluded} ticket(s) excluded with --exclude`);
    out.push(...errorLines(s.errors, s.errorCount));
    return out.join('\n');
  }
  const out = [
    `Integration batch ${s.batch} (${describeFilters(s.filters)}): ${s.documents} document(s) from ${s.stats.inDocuments} ticket(s) in ${(s.elapsedMs / 1000).toFixed(1)} s, invoice date ${s.invoiceDate}`,
  ];
  for (const [kind, r] of Object.entries(s.series) as [Series, { first: string; last: string; count: number }][]) {
    out.push(`  ${pad(SERIES_LABEL[kind], 15)} ${r.first === r.last ? r.first : `${r.first}–${r.last}`} (${r.count})`);
  }
  if (s.stats.paymentOnly) out.push(`  ${s.stats.paymentOnly} payment-only ticket(s) (no goods) marked integrated without a document`);
  if (s.stats.excluded) out.push(`  ${s.stats.excluded} ticket(s) excluded with --exclude`);
  out.push(...errorLines(s.errors, s.errorCount));
  out.push(`Undo with: tillsync server undo --batch ${s.batch}`);
  return out.join('\n');
}
