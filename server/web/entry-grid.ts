/**
 * The entries grid of seed 002 ("Liste des écritures"): one block per entry with its lines, a
 * subtotal per entry, the grand total and the counts; with check boxes when it is a preview.
 */
import { html } from './html.ts';
import { amount, day, isZero, num } from './format.ts';
import { t } from './i18n/index.ts';
import { sum } from '../../sync/money.ts';
import type { EntryView } from './feature-calls.ts';

export function entryGrid(entries: EntryView[], opts: { checkable: boolean; id: string; excluded?: Set<string> }) {
  const lines = entries.flatMap((e) => e.lines);
  const totalDebit = sum(lines.map((l) => l.debit || '0')).toFixed(2);
  const totalCredit = sum(lines.map((l) => l.credit || '0')).toFixed(2);
  const cols = opts.checkable ? 13 : 12;
  return html`<div class="table-wrap"><table class="checkgrid entries" id="${opts.id}">
<thead><tr>${opts.checkable ? html`<th><input type="checkbox" class="check-all" checked aria-label="${t('entries.checkAll')}"></th>` : ''}<th>${t('common.journal')}</th><th>${t('common.date')}</th><th class="num">${t('entries.col.no')}</th><th>${t('entries.col.invoice')}</th><th>${t('entries.col.reference')}</th><th>${t('common.account')}</th><th>${t('entries.col.aux')}</th><th>${t('entries.col.name')}</th><th>${t('entries.col.vatCode')}</th><th class="num">${t('entries.col.vatRate')}</th><th class="num">${t('common.debit')}</th><th class="num">${t('common.credit')}</th></tr></thead>
<tbody>
${entries.map((e, i) => {
  const group = `e${i}`;
  // What unchecking the entry leaves out of the run (sent back with the form)…
  const leaves = [...e.documents, ...e.tickets];
  const docs = leaves.join(' ');
  // …and, for the page's script, what it brings (deposit orders too) and what it relies on.
  const keys = [...leaves, ...e.provides].join(' ');
  const on = !opts.excluded || !leaves.some((d) => opts.excluded!.has(d));
  const d = sum(e.lines.map((l) => l.debit || '0')).toFixed(2);
  const c = sum(e.lines.map((l) => l.credit || '0')).toFixed(2);
  return html`<tr class="group" data-group="${group}"><td colspan="${cols}">▲ ${t('entries.entryNo', { no: e.no })} <span class="muted">· ${e.kind} · ${e.piece}</span></td></tr>
${e.lines.map(
  (l) => html`<tr class="line ${on ? '' : 'unchecked'}" data-group="${group}" data-docs="${keys}" data-needs="${e.needs.join(' ')}" data-debit="${l.debit || '0'}" data-credit="${l.credit || '0'}">
${opts.checkable ? html`<td class="keep"><input type="checkbox" class="entry-check" name="entry" value="${i}" data-group="${group}" ${on ? html`checked` : ''} ${leaves.length ? '' : html`disabled title="${t('entries.withRun')}"`} aria-label="${t('entries.createOne', { no: e.no })}"></td>` : ''}
<td>${e.journal}</td><td>${day(e.date)}</td><td class="num">${e.no}</td><td>${l.document ?? (e.documents.length === 1 ? e.documents[0] : '')}</td><td>${e.piece}</td><td>${l.account}</td><td>${l.auxAccount ?? ''}</td><td>${l.name || l.label}</td><td>${l.vatCode ?? ''}</td><td class="num">${l.vatRate ? `${num(l.vatRate)} %` : ''}</td>
<td class="num">${isZero(l.debit) ? '' : amount(l.debit)}</td><td class="num">${isZero(l.credit) ? '' : amount(l.credit)}</td></tr>`,
)}
<tr class="subtotal" data-group="${group}"><td colspan="${cols - 2}">${opts.checkable ? html`<input type="hidden" name="e_docs" value="${i}:${e.lines.length}:${docs}">` : ''}</td><td class="num">${amount(d)}</td><td class="num">${amount(c)}</td></tr>`;
})}
<tr class="total"><td colspan="${cols - 2}">${t('common.total')}</td><td class="num" data-total="debit">${amount(totalDebit)}</td><td class="num" data-total="credit">${amount(totalCredit)}</td></tr>
</tbody></table></div>
<p class="counts">${t('entries.count')} <strong class="entry-count">${entries.length}</strong> · ${t('entries.lineCount')} <strong class="line-count">${lines.length}</strong></p>`;
}
