/** Documents made by integration, each with its PDF (rendered by the exports feature). */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import type { Ticket } from '../../../sync/types.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { documentDetail, searchDocuments } from '../documents-queries.ts';
import { amount, day, num, when } from '../format.ts';
import { label, t, th } from '../i18n/index.ts';
import { renderPage, str, type AuthedRequest } from '../respond.ts';
import { documentPdf } from '../feature-calls.ts';

const KINDS = ['invoice', 'delivery-note', 'credit-note'];

export function mountDocuments(r: Router, ctx: ServerContext): void {
  r.get('/documents', async (req: AuthedRequest, res) => {
    const f = { from: str(req.query.from), to: str(req.query.to), customer: str(req.query.customer), till: str(req.query.till), kind: str(req.query.kind), number: str(req.query.number), batch: Number(req.query.batch) || undefined };
    const docs = await searchDocuments(ctx.db, f);
    const body = html`<form class="filters" method="get" action="${BASE}/documents">
  <label>${t('common.from')} <input type="date" name="from" value="${f.from}"></label>
  <label>${t('common.to')} <input type="date" name="to" value="${f.to}"></label>
  <label>${t('common.kind')} <select name="kind">${['', ...KINDS].map((k) => html`<option value="${k}" ${k === f.kind ? html`selected` : ''}>${k ? label('kind', k) : t('common.all')}</option>`)}</select></label>
  <label>${t('common.till')} <input type="text" name="till" value="${f.till}" size="4" placeholder="01"></label>
  <label>${t('common.customer')} <input type="text" name="customer" value="${f.customer}"></label>
  <label>${t('common.number')} <input type="text" name="number" value="${f.number}"></label>
  ${f.batch ? html`<input type="hidden" name="batch" value="${f.batch}">` : ''}
  <button type="submit">${t('common.filter')}</button>
  <a class="button secondary" href="${BASE}/documents">${t('common.clear')}</a>
</form>
${f.batch ? html`<p class="muted">${t('docs.ofBatch', { batch: f.batch })}</p>` : ''}
${
  docs.length
    ? html`<div class="table-wrap"><table id="documents"><thead><tr><th>${t('common.number')}</th><th>${t('common.kind')}</th><th>${t('common.day')}</th><th>${t('common.till')}</th><th>${t('common.customer')}</th><th class="num">${t('common.tickets')}</th><th class="num">${t('common.exclVat')}</th><th class="num">${t('common.vat')}</th><th class="num">${t('common.inclVat')}</th><th>${t('common.batch')}</th><th>${t('docs.posted')}</th><th><span class="sr-only">PDF</span></th></tr></thead><tbody>
${docs.map(
  (d) => html`<tr data-number="${d.number}"><td><a href="${BASE}/documents/${encodeURIComponent(d.number)}">${d.number}</a></td><td>${label('kind', d.kind)}</td><td>${day(d.day)}</td><td>${d.store}-${d.till}</td><td>${d.customer}</td>
<td class="num">${d.ticket_count}</td><td class="num">${amount(d.total_excl)}</td><td class="num">${amount(d.total_vat)}</td><td class="num">${amount(d.total_incl)}</td>
<td>#${d.batch_id}</td><td>${d.posting_batch ? html`<span class="badge done">#${d.posting_batch}</span>` : html`<span class="muted">${t('common.no')}</span>`}</td>
<td><a href="${BASE}/documents/${encodeURIComponent(d.number)}.pdf" target="_blank">PDF</a></td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">${th('docs.none', { grid: html`<a href="${BASE}/control">${t('nav.control')}</a>` })}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.documents'), active: '/documents', body });
  });

  r.get(/^\/documents\/(.+)\.pdf$/, async (req, res) => {
    const number = decodeURIComponent((req.params as unknown as string[])[0]);
    const pdf = await documentPdf(ctx, number);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${number.replace(/[^\w.-]/g, '_')}.pdf"`).send(pdf);
  });

  r.get('/documents/:number', async (req: AuthedRequest, res) => {
    const number = String(req.params.number);
    const d = await documentDetail(ctx.db, number);
    if (!d) return renderPage(req, res, ctx, { title: t('docs.title', { number }), active: '/documents', status: 404, body: html`<p class="empty">${t('docs.notFound', { number })}</p>` });
    const { doc, vat, tickets } = d;
    const body = html`<div class="toolbar"><a class="button" href="${BASE}/documents/${encodeURIComponent(doc.number)}.pdf" target="_blank">${t('docs.openPdf')}</a>
<a class="button secondary" href="${BASE}/documents">${t('docs.all')}</a>
<span class="muted">${t('docs.head', { kind: label('kind', doc.kind), day: day(doc.day), till: `${doc.store}-${doc.till}`, customer: doc.customer, batch: doc.batch_id, created: when(doc.created_at) })}</span></div>
<div class="grid2">
<div><h2>${t('common.vat')}</h2><div class="table-wrap"><table><thead><tr><th>${t('docs.vat.code')}</th><th class="num">${t('docs.vat.rate')}</th><th class="num">${t('docs.vat.base')}</th><th class="num">${t('common.vat')}</th><th class="num">${t('common.inclVat')}</th></tr></thead><tbody>
${vat.map((v) => html`<tr><td>${v.vat_code}</td><td class="num">${num(v.rate)} %</td><td class="num">${amount(v.base)}</td><td class="num">${amount(v.vat)}</td><td class="num">${amount(v.incl)}</td></tr>`)}
<tr class="total"><td colspan="2">${t('common.total')}</td><td class="num">${amount(doc.total_excl)}</td><td class="num">${amount(doc.total_vat)}</td><td class="num">${amount(doc.total_incl)}</td></tr>
</tbody></table></div></div>
<div><h2>${t('docs.tickets', { n: tickets.length })}</h2><div class="table-wrap"><table><thead><tr><th>${t('docs.ticket')}</th><th>${t('grid.col.soldAt')}</th><th>${t('grid.col.payments')}</th><th class="num">${t('common.total')}</th></tr></thead><tbody>
${tickets.map((x) => {
  const content = JSON.parse(x.content) as Ticket;
  return html`<tr><td>${x.id}${x.degraded ? html` <span class="badge warning">${t('common.degraded')}</span>` : ''}</td><td>${when(x.sold_at)}</td><td>${(content.payments ?? []).map((p) => `${p.mode} ${amount(p.amount)}`).join(' + ')}</td><td class="num">${amount(x.total_due)}</td></tr>`;
})}
</tbody></table></div></div></div>`;
    renderPage(req, res, ctx, { title: `${label('kind', doc.kind)} ${doc.number}`, active: '/documents', body });
  });
}
