/** Documents made by integration, each with its PDF (rendered by the exports feature). */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import type { Ticket } from '../../../sync/types.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { documentDetail, searchDocuments } from '../documents-queries.ts';
import { amount, when } from '../format.ts';
import { renderPage, str, type AuthedRequest } from '../respond.ts';
import { documentPdf } from '../feature-calls.ts';

const KINDS = ['invoice', 'delivery-note', 'credit-note'];

export function mountDocuments(r: Router, ctx: ServerContext): void {
  r.get('/documents', async (req: AuthedRequest, res) => {
    const f = { from: str(req.query.from), to: str(req.query.to), customer: str(req.query.customer), till: str(req.query.till), kind: str(req.query.kind), number: str(req.query.number), batch: Number(req.query.batch) || undefined };
    const docs = await searchDocuments(ctx.db, f);
    const body = html`<form class="filters" method="get" action="${BASE}/documents">
  <label>From <input type="date" name="from" value="${f.from}"></label>
  <label>To <input type="date" name="to" value="${f.to}"></label>
  <label>Kind <select name="kind">${['', ...KINDS].map((k) => html`<option value="${k}" ${k === f.kind ? html`selected` : ''}>${k || 'all'}</option>`)}</select></label>
  <label>Till <input type="text" name="till" value="${f.till}" size="4" placeholder="01"></label>
  <label>Customer <input type="text" name="customer" value="${f.customer}"></label>
  <label>Number <input type="text" name="number" value="${f.number}"></label>
  ${f.batch ? html`<input type="hidden" name="batch" value="${f.batch}">` : ''}
  <button type="submit">Filter</button>
  <a class="button secondary" href="${BASE}/documents">Clear</a>
</form>
${f.batch ? html`<p class="muted">Documents of integration batch #${f.batch}.</p>` : ''}
${
  docs.length
    ? html`<div class="table-wrap"><table id="documents"><thead><tr><th>Number</th><th>Kind</th><th>Day</th><th>Till</th><th>Customer</th><th class="num">Tickets</th><th class="num">Excl. VAT</th><th class="num">VAT</th><th class="num">Incl. VAT</th><th>Batch</th><th>Posted</th><th></th></tr></thead><tbody>
${docs.map(
  (d) => html`<tr data-number="${d.number}"><td><a href="${BASE}/documents/${encodeURIComponent(d.number)}">${d.number}</a></td><td>${d.kind}</td><td>${d.day}</td><td>${d.store}-${d.till}</td><td>${d.customer}</td>
<td class="num">${d.ticket_count}</td><td class="num">${amount(d.total_excl)}</td><td class="num">${amount(d.total_vat)}</td><td class="num">${amount(d.total_incl)}</td>
<td>#${d.batch_id}</td><td>${d.posting_batch ? html`<span class="badge done">#${d.posting_batch}</span>` : html`<span class="muted">no</span>`}</td>
<td><a href="${BASE}/documents/${encodeURIComponent(d.number)}.pdf" target="_blank">PDF</a></td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">No document matches. Documents are made by integration (<a href="${BASE}/control">control grid</a>).</p>`
}`;
    renderPage(req, res, ctx, { title: 'Documents', active: '/documents', body });
  });

  r.get(/^\/documents\/(.+)\.pdf$/, async (req, res) => {
    const number = decodeURIComponent((req.params as unknown as string[])[0]);
    const pdf = await documentPdf(ctx, number);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${number.replace(/[^\w.-]/g, '_')}.pdf"`).send(pdf);
  });

  r.get('/documents/:number', async (req: AuthedRequest, res) => {
    const number = String(req.params.number);
    const d = await documentDetail(ctx.db, number);
    if (!d) return renderPage(req, res, ctx, { title: `Document ${number}`, active: '/documents', status: 404, body: html`<p class="empty">No document ${number}.</p>` });
    const { doc, vat, tickets } = d;
    const body = html`<div class="toolbar"><a class="button" href="${BASE}/documents/${encodeURIComponent(doc.number)}.pdf" target="_blank">Open the PDF</a>
<a class="button secondary" href="${BASE}/documents">All documents</a>
<span class="muted">${doc.kind} · day ${doc.day} · till ${doc.store}-${doc.till} · customer ${doc.customer} · batch #${doc.batch_id} · created ${when(doc.created_at)}</span></div>
<div class="grid2">
<div><h2>VAT</h2><div class="table-wrap"><table><thead><tr><th>Code</th><th class="num">Rate</th><th class="num">Base</th><th class="num">VAT</th><th class="num">Incl.</th></tr></thead><tbody>
${vat.map((v) => html`<tr><td>${v.vat_code}</td><td class="num">${v.rate} %</td><td class="num">${amount(v.base)}</td><td class="num">${amount(v.vat)}</td><td class="num">${amount(v.incl)}</td></tr>`)}
<tr class="total"><td colspan="2">Total</td><td class="num">${amount(doc.total_excl)}</td><td class="num">${amount(doc.total_vat)}</td><td class="num">${amount(doc.total_incl)}</td></tr>
</tbody></table></div></div>
<div><h2>Tickets (${tickets.length})</h2><div class="table-wrap"><table><thead><tr><th>Ticket</th><th>Sold at</th><th>Payments</th><th class="num">Total</th></tr></thead><tbody>
${tickets.map((t) => {
  const content = JSON.parse(t.content) as Ticket;
  return html`<tr><td>${t.id}${t.degraded ? html` <span class="badge warning">degraded</span>` : ''}</td><td>${when(t.sold_at)}</td><td>${(content.payments ?? []).map((p) => `${p.mode} ${p.amount}`).join(' + ')}</td><td class="num">${amount(t.total_due)}</td></tr>`;
})}
</tbody></table></div></div></div>`;
    renderPage(req, res, ctx, { title: `${doc.kind === 'delivery-note' ? 'Delivery note' : doc.kind === 'credit-note' ? 'Credit note' : 'Invoice'} ${doc.number}`, active: '/documents', body });
  });
}
