/** E-invoicing: each Factur-X with its lifecycle status, and the B2C e-reporting totals per period. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { amount, when } from '../format.ts';
import { renderPage, type AuthedRequest } from '../respond.ts';
import { STATUSES, isStatus } from '../../einvoice/lifecycle.ts';

const BAD = new Set(['rejected', 'refused', 'disputed', 'suspended']);

export function mountEinvoicing(r: Router, ctx: ServerContext): void {
  r.get('/einvoicing', async (req: AuthedRequest, res) => {
    const invoices = await ctx.db.selectFrom('einvoices').selectAll().orderBy('issue_date', 'desc').orderBy('number', 'desc').limit(500).execute();
    const reports = await ctx.db.selectFrom('ereports').selectAll().orderBy('period_from', 'desc').orderBy('id', 'desc').limit(100).execute();
    const label = (s: string) => (isStatus(s) ? STATUSES[s].label : s);
    const body = html`<h2>E-invoices (Factur-X)</h2>
${
  invoices.length
    ? html`<div class="table-wrap"><table id="einvoices"><thead><tr><th>Invoice</th><th>Type</th><th>Date</th><th>Customer</th><th class="num">Total incl. VAT</th><th>Status</th><th>Since</th><th>Channel</th><th>Platform message</th></tr></thead><tbody>
${invoices.map(
  (x) => html`<tr data-einvoice="${x.number}" data-status="${x.status}"><td>${x.number}</td><td>${x.type_code}</td><td>${x.issue_date}</td><td>${x.customer}</td><td class="num">${amount(x.total_incl)}</td>
<td><span class="badge${BAD.has(x.status) ? ' error' : ''}" title="${x.status}">${label(x.status)}</span></td><td>${when(x.status_at)}</td><td>${x.channel ?? ''}</td><td>${x.message ?? ''}${BAD.has(x.status) && (x.status === 'rejected' || x.status === 'refused') ? html` — <em>avoir + nouvelle facture (jamais renuméroter)</em>` : ''}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No e-invoice yet: business customers' invoices become Factur-X when their PDF is written (server invoice-pdf, export --with-pdf).</p>`
}
<h2>E-reporting (B2C, Flux 10)</h2>
${
  reports.length
    ? html`<div class="table-wrap"><table id="ereports"><thead><tr><th>#</th><th>Period</th><th class="num">Transactions</th><th class="num">Excl. VAT</th><th class="num">VAT</th><th class="num">Books: sales (70)</th><th class="num">of which e-invoiced</th><th>File</th><th>Made</th><th></th></tr></thead><tbody>
${reports.map((x) => {
  const totals = JSON.parse(x.totals) as { tieOut?: { ledgerSales: string; b2bExcl: string; collected?: string }; fromZReports?: { day: string; store: string; till: string }[]; payments?: { file: string } | null };
  const tie = totals.tieOut;
  const zDays = [...new Set((totals.fromZReports ?? []).map((z) => z.day))];
  return html`<tr data-ereport="${x.id}"><td>${x.id}</td><td>${x.period_from} → ${x.period_to}</td><td class="num">${x.transaction_count}</td><td class="num">${amount(x.total_excl)}</td><td class="num">${amount(x.total_vat)}</td>
<td class="num">${tie ? amount(tie.ledgerSales) : ''}</td><td class="num">${tie ? amount(tie.b2bExcl) : ''}</td><td>${x.file_name}${totals.payments ? html`<br><small>+ payments (services collected ${amount(tie?.collected ?? '0')})</small>` : ''}</td><td>${when(x.created_at)}</td><td>${x.reset_at ? html`<span class="badge">reset</span>` : ''}${zDays.length ? html` <span class="badge" title="integration had not run: reset and report again once it has">from Z reports: ${zDays.join(', ')}</span>` : ''}</td></tr>`;
})}</tbody></table></div>`
    : html`<p class="empty">No e-reporting file yet (server ereport --period …).</p>`
}`;
    renderPage(req, res, ctx, { title: 'E-invoicing', active: '/einvoicing', body });
  });
}
