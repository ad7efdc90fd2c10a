/**
 * One ticket from the control grid (seed 004: "un double clic sur une ligne permet d'accéder aux
 * données complètes d'une vente et de procéder à des modifications unitaires"): the whole sale as
 * signed at the till, and the one thing the back office may change before integration, the
 * customer the ticket is invoiced to. The ticket itself never changes (it is hash-chained):
 * integration records the correction and uses it.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, num, when } from '../format.ts';
import { label, t, th } from '../i18n/index.ts';
import { action, errorText, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { clearCustomerOfTickets, customerChoices, setCustomerOfTickets, ticketDetail, type GridTicket } from '../feature-calls.ts';

/** The grid's customer cell: the customer integration uses, the one sold to struck through when corrected. */
export function customerCell(x: GridTicket) {
  if (!x.override) return html`<td class="customer">${x.customer}</td>`;
  const title = t('ticket.overridden.title', { by: x.override.setBy, at: when(x.override.setAt), reason: x.override.reason || 'none', soldTo: x.soldTo });
  return html`<td class="customer overridden" data-sold-to="${x.soldTo}" title="${title}"><strong>${x.customer}</strong> <s class="muted" aria-label="${t('ticket.soldToLabel')}">${x.soldTo}</s></td>`;
}

/** A customer code box with the current customers to pick from (no script needed). */
export function customerPicker(customers: { code: string; name: string }[], id: string) {
  return html`<label>${t('ticket.customerCode')} <input type="text" name="set_customer" id="${id}" list="${id}-list" size="12" placeholder="${t('ticket.customerCode.placeholder')}" autocomplete="off"></label>
<datalist id="${id}-list">${customers.map((c) => html`<option value="${c.code}">${c.name}</option>`)}</datalist>`;
}

function gridQuery(src: Record<string, unknown>) {
  return query({ until: str(src.until), till: str(src.till), customer: str(src.customer) });
}

export function mountTicketPage(r: Router, ctx: ServerContext): void {
  r.get('/control/tickets/:id', async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const back = gridQuery(req.query as Record<string, unknown>);
    let d: Awaited<ReturnType<typeof ticketDetail>>;
    try {
      d = await ticketDetail(ctx, id);
    } catch (e) {
      return renderPage(req, res, ctx, { title: t('ticket.title', { id }), active: '/control', status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}/control${back}">${t('ticket.back')}</a></p>` });
    }
    const c = d.content;
    const integrated = d.integrationBatch !== null;
    const customers = integrated ? [] : await customerChoices(ctx);
    const body = html`<p><a href="${BASE}/control${back}">← ${t('ticket.back')}</a></p>
<section class="ticket-detail" id="ticket-detail" data-ticket="${id}">
<p>${t('ticket.head', { till: `${d.ticket.store}-${d.ticket.till}`, number: d.ticket.number, soldAt: when(d.ticket.soldAt), day: day(d.ticket.day) })}
 <span class="badge ${d.status === 'received' ? 'info' : 'error'}">${label('status', d.status)}</span>${d.statusReason ? html` <span class="muted">${d.statusReason}</span>` : ''}
 ${d.ticket.degraded ? html` · <span class="badge warning">${t('common.degraded')}</span>` : ''}</p>
<p id="ticket-customer">${t('ticket.soldTo')} <strong>${d.ticket.soldTo}</strong> ${d.soldToName !== d.ticket.soldTo ? d.soldToName : ''}${
      d.correction
        ? html` · <span class="overridden">${t('ticket.invoicedTo')} <strong>${d.correction.customer}</strong> ${d.customerName !== d.correction.customer ? d.customerName : ''}</span>
<span class="muted">${t('ticket.setBy', { by: d.correction.setBy, at: when(d.correction.setAt), reason: d.correction.reason || 'none' })}</span>`
        : ''
    }</p>
${
  integrated
    ? html`<p class="flash error">${th('ticket.integrated', { document: d.documentNumber ? th('ticket.integrated.in', { link: html`<a href="${BASE}/documents/${encodeURIComponent(d.documentNumber)}">${d.documentNumber}</a>` }) : '', batch: d.integrationBatch })}</p>`
    : html`<form method="post" action="${BASE}/control/tickets/${encodeURIComponent(id)}/customer${back}" class="toolbar apply" id="ticket-customer-form">
  <strong>${t('ticket.customerFor')}</strong>
  ${customerPicker(customers, 'ticket-customer-code')}
  <label>${t('common.reason')} <input type="text" name="reason" size="24" maxlength="200" placeholder="${t('common.optional')}"></label>
  <button type="submit" name="op" value="set" id="ticket-set-customer">${t('ticket.set')}</button>
  ${d.correction ? html`<button type="submit" name="op" value="clear" class="secondary" id="ticket-clear-customer">${t('ticket.clear', { customer: d.ticket.soldTo })}</button>` : ''}
  <span class="muted">${t('ticket.stays')}</span>
</form>`
}
${
  c
    ? html`<h2>${t('ticket.goods')}</h2>
<div class="table-wrap"><table id="ticket-lines"><thead><tr><th>${t('ticket.col.article')}</th><th>${t('ticket.col.label')}</th><th class="num">${t('ticket.col.qty')}</th><th class="num">${t('ticket.col.unitPrice')}</th><th>${t('common.vat')}</th><th class="num">${t('common.exclVat')}</th><th class="num">${t('common.inclVat')}</th></tr></thead><tbody>
${c.lines.length ? c.lines.map((l) => html`<tr><td>${l.article}</td><td>${l.label}</td><td class="num">${num(l.qty)}</td><td class="num">${amount(l.unitPrice)}</td><td>${l.vatCode} ${num(l.vatRate)} %</td><td class="num">${amount(l.exclVat)}</td><td class="num">${amount(l.inclVat)}</td></tr>`) : html`<tr><td colspan="7" class="muted">${t('ticket.noGoods')}</td></tr>`}
</tbody><tfoot><tr><th colspan="5">${t('common.total')}</th><th class="num">${amount(c.totals.exclVat)}</th><th class="num">${amount(c.totals.inclVat)}</th></tr></tfoot></table></div>
${
  c.settlements.length
    ? html`<h2>${t('ticket.settlements')}</h2><ul>${c.settlements.map((s) => html`<li>${t(s.kind === 'invoice' ? 'ticket.paysInvoice' : 'ticket.deposit', { ref: s.ref, amount: amount(s.amount) })}</li>`)}</ul>
<p class="muted">${t('ticket.settlements.explain')}</p>`
    : ''
}
<h2>${t('ticket.payments')}</h2><ul id="ticket-payments">${c.payments.map((p) => html`<li>${t('ticket.payment', { mode: p.mode, amount: amount(p.amount), ref: p.ref || 'none' })}</li>`)}</ul>
<p>${t('ticket.totalDue')} <strong>${amount(c.totals.due)}</strong></p>`
    : html`<p class="flash error">${t('ticket.unreadable')}</p>`
}
<h2>${t('ticket.log')}</h2>
${d.history.length ? html`<ul id="ticket-history">${d.history.map((h) => html`<li><span class="badge ${h.severity}">${label('severity', h.severity)}</span> ${when(h.at)} ${h.message}</li>`)}</ul>` : html`<p class="empty">${t('ticket.noLog')}</p>`}
</section>`;
    renderPage(req, res, ctx, { title: t('ticket.title', { id }), active: '/control', body });
  });

  r.post('/control/tickets/:id/customer', async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const back = gridQuery(req.query as Record<string, unknown>);
    const page = `/control/tickets/${encodeURIComponent(id)}${back}`;
    await action(page, async () => {
      const user = req.user ?? 'back office';
      const op = str(req.body?.op);
      if (op !== 'set' && op !== 'clear') throw new Error(`unknown action "${op}"`);
      const out = op === 'set' ? await setCustomerOfTickets(ctx, user, [id], str(req.body?.set_customer), str(req.body?.reason)) : await clearCustomerOfTickets(ctx, user, [id], str(req.body?.reason));
      // Done: back to the grid, where the ticket now sits under its customer's document.
      if (out.ok) redirectWith(res, `/control${back}`, 'ok', out.message);
      else redirectWith(res, page, 'err', out.message);
    })(req, res);
  });
}
