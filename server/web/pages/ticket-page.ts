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
import { amount, when } from '../format.ts';
import { action, errorText, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { clearCustomerOfTickets, customerChoices, setCustomerOfTickets, ticketDetail, type GridTicket } from '../feature-calls.ts';

/** The grid's customer cell: the customer integration uses, the one sold to struck through when corrected. */
export function customerCell(t: GridTicket) {
  if (!t.override) return html`<td class="customer">${t.customer}</td>`;
  const title = `Set in the back office by ${t.override.setBy} on ${when(t.override.setAt)}${t.override.reason ? ` (${t.override.reason})` : ''}; sold to ${t.soldTo}`;
  return html`<td class="customer overridden" data-sold-to="${t.soldTo}" title="${title}"><strong>${t.customer}</strong> <s class="muted" aria-label="sold to">${t.soldTo}</s></td>`;
}

/** A customer code box with the current customers to pick from (no script needed). */
export function customerPicker(customers: { code: string; name: string }[], id: string) {
  return html`<label>Customer <input type="text" name="set_customer" id="${id}" list="${id}-list" size="12" placeholder="code" autocomplete="off"></label>
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
      return renderPage(req, res, ctx, { title: `Ticket ${id}`, active: '/control', status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}/control${back}">Back to the control grid</a></p>` });
    }
    const t = d.content;
    const integrated = d.integrationBatch !== null;
    const customers = integrated ? [] : await customerChoices(ctx);
    const body = html`<p><a href="${BASE}/control${back}">← Back to the control grid</a></p>
<section class="ticket-detail" id="ticket-detail" data-ticket="${id}">
<p>Till <strong>${d.ticket.store}-${d.ticket.till}</strong> · number <strong>${d.ticket.number}</strong> · sold ${when(d.ticket.soldAt)} · business day ${d.ticket.day}
 · status <span class="badge ${d.status === 'received' ? 'info' : 'error'}">${d.status}</span>${d.statusReason ? html` <span class="muted">${d.statusReason}</span>` : ''}
 ${d.ticket.degraded ? html` · <span class="badge warning">degraded</span>` : ''}</p>
<p id="ticket-customer">Sold to <strong>${d.ticket.soldTo}</strong> ${d.soldToName !== d.ticket.soldTo ? d.soldToName : ''}${
      d.correction
        ? html` · <span class="overridden">invoiced to <strong>${d.correction.customer}</strong> ${d.customerName !== d.correction.customer ? d.customerName : ''}</span>
<span class="muted">(set by ${d.correction.setBy} on ${when(d.correction.setAt)}${d.correction.reason ? `: ${d.correction.reason}` : ''})</span>`
        : ''
    }</p>
${
  integrated
    ? html`<p class="flash error">Integrated${d.documentNumber ? html` in document <a href="${BASE}/documents/${encodeURIComponent(d.documentNumber)}">${d.documentNumber}</a>` : ''} (batch #${d.integrationBatch}): undo that batch on the control grid to change its customer.</p>`
    : html`<form method="post" action="${BASE}/control/tickets/${encodeURIComponent(id)}/customer${back}" class="toolbar apply" id="ticket-customer-form">
  <strong>Customer for integration:</strong>
  ${customerPicker(customers, 'ticket-customer-code')}
  <label>Reason <input type="text" name="reason" size="24" maxlength="200" placeholder="optional"></label>
  <button type="submit" name="op" value="set" id="ticket-set-customer">Set customer</button>
  ${d.correction ? html`<button type="submit" name="op" value="clear" class="secondary" id="ticket-clear-customer">Back to ${d.ticket.soldTo}</button>` : ''}
  <span class="muted">The ticket stays as signed at the till; the document made from it goes to this customer.</span>
</form>`
}
${
  t
    ? html`<h2>Goods</h2>
<div class="table-wrap"><table id="ticket-lines"><thead><tr><th>Article</th><th>Label</th><th class="num">Qty</th><th class="num">Unit price</th><th>VAT</th><th class="num">Excl. VAT</th><th class="num">Incl. VAT</th></tr></thead><tbody>
${t.lines.length ? t.lines.map((l) => html`<tr><td>${l.article}</td><td>${l.label}</td><td class="num">${l.qty}</td><td class="num">${amount(l.unitPrice)}</td><td>${l.vatCode} ${l.vatRate} %</td><td class="num">${amount(l.exclVat)}</td><td class="num">${amount(l.inclVat)}</td></tr>`) : html`<tr><td colspan="7" class="muted">No goods.</td></tr>`}
</tbody><tfoot><tr><th colspan="5">Total</th><th class="num">${amount(t.totals.exclVat)}</th><th class="num">${amount(t.totals.inclVat)}</th></tr></tfoot></table></div>
${
  t.settlements.length
    ? html`<h2>Settlements</h2><ul>${t.settlements.map((s) => html`<li>${s.kind === 'invoice' ? 'Pays invoice' : 'Deposit on order'} ${s.ref}: ${amount(s.amount)}</li>`)}</ul>
<p class="muted">A ticket paying an invoice or taking a deposit stays with its customer (the invoice's, the order's).</p>`
    : ''
}
<h2>Payments</h2><ul id="ticket-payments">${t.payments.map((p) => html`<li>${p.mode} ${amount(p.amount)}${p.ref ? ` (order ${p.ref})` : ''}</li>`)}</ul>
<p>Total due <strong>${amount(t.totals.due)}</strong></p>`
    : html`<p class="flash error">The stored content of this ticket cannot be read.</p>`
}
<h2>Log book</h2>
${d.history.length ? html`<ul id="ticket-history">${d.history.map((h) => html`<li><span class="badge ${h.severity}">${h.severity}</span> ${when(h.at)} ${h.message}</li>`)}</ul>` : html`<p class="empty">Nothing about this ticket in the log book.</p>`}
</section>`;
    renderPage(req, res, ctx, { title: `Ticket ${id}`, active: '/control', body });
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
