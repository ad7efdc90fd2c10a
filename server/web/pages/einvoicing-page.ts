/** E-invoicing: each Factur-X with its lifecycle status, and the B2C e-reporting totals per period. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { amount, day, when } from '../format.ts';
import { t, uiLang } from '../i18n/index.ts';
import { renderPage, type AuthedRequest } from '../respond.ts';
import { STATUSES, isStatus } from '../../einvoice/lifecycle.ts';

const BAD = new Set(['rejected', 'refused', 'disputed', 'suspended']);

export function mountEinvoicing(r: Router, ctx: ServerContext): void {
  r.get('/einvoicing', async (req: AuthedRequest, res) => {
    const invoices = await ctx.db.selectFrom('einvoices').selectAll().orderBy('issue_date', 'desc').orderBy('number', 'desc').limit(500).execute();
    const reports = await ctx.db.selectFrom('ereports').selectAll().orderBy('period_from', 'desc').orderBy('id', 'desc').limit(100).execute();
    // The reform's own French status names (lifecycle.ts) in French; their codes in English.
    const label = (s: string) => (isStatus(s) && uiLang() === 'fr' ? STATUSES[s].label : s);
    const body = html`<h2>${t('einv.invoices')}</h2>
${
  invoices.length
    ? html`<div class="table-wrap"><table id="einvoices"><thead><tr><th>${t('einv.col.invoice')}</th><th>${t('einv.col.type')}</th><th>${t('common.date')}</th><th>${t('common.customer')}</th><th class="num">${t('einv.col.total')}</th><th>${t('common.status')}</th><th>${t('einv.col.since')}</th><th>${t('common.channel')}</th><th>${t('einv.col.message')}</th></tr></thead><tbody>
${invoices.map(
  (x) => html`<tr data-einvoice="${x.number}" data-status="${x.status}"><td>${x.number}</td><td>${x.type_code}</td><td>${day(x.issue_date)}</td><td>${x.customer}</td><td class="num">${amount(x.total_incl)}</td>
<td><span class="badge${BAD.has(x.status) ? ' error' : ''}" title="${x.status}">${label(x.status)}</span></td><td>${when(x.status_at)}</td><td>${x.channel ?? ''}</td><td>${x.message ?? ''}${BAD.has(x.status) && (x.status === 'rejected' || x.status === 'refused') ? html` — <em>${t('einv.fix')}</em>` : ''}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('einv.none')}</p>`
}
<h2>${t('einv.ereporting')}</h2>
${
  reports.length
    ? html`<div class="table-wrap"><table id="ereports"><thead><tr><th>#</th><th>${t('exports.period')}</th><th class="num">${t('einv.col.transactions')}</th><th class="num">${t('common.exclVat')}</th><th class="num">${t('common.vat')}</th><th class="num">${t('einv.col.ledger')}</th><th class="num">${t('einv.col.b2b')}</th><th>${t('common.file')}</th><th>${t('exports.made')}</th><th><span class="sr-only">${t('common.status')}</span></th></tr></thead><tbody>
${reports.map((x) => {
  const totals = JSON.parse(x.totals) as { tieOut?: { ledgerSales: string; b2bExcl: string; collected?: string }; fromZReports?: { day: string; store: string; till: string }[]; payments?: { file: string } | null };
  const tie = totals.tieOut;
  const zDays = [...new Set((totals.fromZReports ?? []).map((z) => z.day))];
  return html`<tr data-ereport="${x.id}"><td>${x.id}</td><td>${t('common.period', { from: day(x.period_from), to: day(x.period_to) })}</td><td class="num">${x.transaction_count}</td><td class="num">${amount(x.total_excl)}</td><td class="num">${amount(x.total_vat)}</td>
<td class="num">${tie ? amount(tie.ledgerSales) : ''}</td><td class="num">${tie ? amount(tie.b2bExcl) : ''}</td><td>${x.file_name}${totals.payments ? html`<br><small>${t('einv.payments', { amount: amount(tie?.collected ?? '0') })}</small>` : ''}</td><td>${when(x.created_at)}</td><td>${x.reset_at ? html`<span class="badge">${t('einv.reset')}</span>` : ''}${zDays.length ? html` <span class="badge" title="${t('einv.fromZReportsHint')}">${t('einv.fromZReports', { days: zDays.map((z) => day(z)).join(', ') })}</span>` : ''}</td></tr>`;
})}</tbody></table></div>`
    : html`<p class="empty">${t('einv.noReport')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.einvoicing'), active: '/einvoicing', body });
  });
}
