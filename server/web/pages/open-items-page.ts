/** Open items and lettering per customer: what each customer still owes, line by line. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, isZero } from '../format.ts';
import { customerAccountLines, customerSettlements, customersWithOpenItems } from '../open-items-queries.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { letterAccounts } from '../feature-calls.ts';
import { D, sum } from '../../../sync/money.ts';

export function mountOpenItems(r: Router, ctx: ServerContext): void {
  r.get('/open-items', async (req: AuthedRequest, res) => {
    const aux = str(req.query.customer);
    const all = str(req.query.all) === '1';
    const customers = await customersWithOpenItems(ctx.db);
    let detail = html``;
    if (aux) {
      const [lines, items] = await Promise.all([customerAccountLines(ctx.db, aux, !all), customerSettlements(ctx.db, aux)]);
      let running = new D(0);
      detail = html`<h2 id="detail">Customer ${aux}</h2>
<div class="toolbar">
  <a class="button secondary" href="${BASE}/open-items${query({ customer: aux, all: all ? '' : '1' })}#detail">${all ? 'Show open lines only' : 'Show lettered lines too'}</a>
  <form class="inline" method="post" action="${BASE}/open-items/letter"><input type="hidden" name="customer" value="${aux}"><button type="submit">Letter this customer now</button></form>
</div>
${
  lines.length
    ? html`<div class="table-wrap"><table id="customer-lines"><thead><tr><th>Date</th><th>Journal</th><th>Piece</th><th>Document</th><th>Account</th><th>Label</th><th class="num">Debit</th><th class="num">Credit</th><th class="num">Balance</th><th>Lettering</th></tr></thead><tbody>
${lines.map((l) => {
  running = running.plus(l.debit || '0').minus(l.credit || '0');
  return html`<tr><td>${l.entry_date}</td><td>${l.journal}</td><td>${l.piece}</td><td>${l.document_number ?? ''}</td><td>${l.account}</td><td>${l.label}</td>
<td class="num">${isZero(l.debit) ? '' : amount(l.debit)}</td><td class="num">${isZero(l.credit) ? '' : amount(l.credit)}</td><td class="num">${amount(running.toFixed(2))}</td>
<td>${l.lettering_code ? html`<span class="badge ${l.lettering_partial ? 'partial' : 'lettered'}">${l.lettering_code}${l.lettering_partial ? ' partial' : ''}</span>` : html`<span class="muted">open</span>`}</td></tr>`;
})}
<tr class="total"><td colspan="8">Balance${all ? '' : ' of the open lines'}</td><td class="num">${amount(running.toFixed(2))}</td><td></td></tr>
</tbody></table></div>`
    : html`<p class="empty">No ${all ? '' : 'open '}line on this customer's account.</p>`
}
<h2>Settlement items (effets)</h2>
${
  items.length
    ? html`<div class="table-wrap"><table id="settlements"><thead><tr><th>#</th><th>Created</th><th>Document</th><th>Ticket</th><th>Mode</th><th>State</th><th class="num">Amount</th><th class="num">Open</th></tr></thead><tbody>
${items.map((s) => html`<tr><td>${s.id}</td><td>${s.created_at.slice(0, 10)}</td><td>${s.document_number ?? ''}</td><td>${s.ticket_id ?? ''}</td><td>${s.mode}</td><td><span class="badge">${s.state}</span></td><td class="num">${amount(s.amount)}</td><td class="num">${isZero(s.open_amount) ? html`<span class="muted">0.00</span>` : html`<strong>${amount(s.open_amount)}</strong>`}</td></tr>`)}
<tr class="total"><td colspan="7">Still open</td><td class="num">${amount(sum(items.map((s) => s.open_amount || '0')).toFixed(2))}</td></tr>
</tbody></table></div>`
    : html`<p class="empty">No settlement item for this customer.</p>`
}`;
    }
    const body = html`<div class="toolbar">
  <form class="inline" method="post" action="${BASE}/open-items/letter"><button type="submit">Letter all customers now</button></form>
  <span class="muted">Lettering matches invoices and payments on each customer account by piece number (partial when a balance remains).</span>
</div>
${
  customers.length
    ? html`<div class="table-wrap"><table id="open-customers"><thead><tr><th>Customer account</th><th>Name</th><th>Account</th><th class="num">Open lines</th><th class="num">Balance</th><th class="num">Open effets</th><th class="num">Effets amount</th></tr></thead><tbody>
${customers.map(
  (c) => html`<tr class="${c.auxAccount === aux ? 'active' : ''}"><td><a href="${BASE}/open-items${query({ customer: c.auxAccount })}#detail">${c.auxAccount}</a></td><td>${c.name}</td><td>${c.account}</td><td class="num">${c.openLines}</td>
<td class="num">${amount(c.balance)}</td><td class="num">${c.openSettlements}</td><td class="num">${amount(c.openSettlementAmount)}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No open item: every customer account is lettered.</p>`
}
${detail}`;
    renderPage(req, res, ctx, { title: 'Open items and lettering', active: '/open-items', body });
  });

  r.post(
    '/open-items/letter',
    action('/open-items', async (req, res) => {
      const customer = str(req.body?.customer) || undefined;
      const out = await letterAccounts(ctx, { customer });
      redirectWith(res, `/open-items${query({ customer })}`, 'ok', out.message);
    }),
  );
}
