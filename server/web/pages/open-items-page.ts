/**
 * Open items and lettering per customer: accounting's own open-items report (what each customer
 * still owes, by lettering key, and the open settlement items), and per customer the account
 * lines with their lettering codes.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, isZero } from '../format.ts';
import { customerAccountLines } from '../open-items-queries.ts';
import { action, errorText, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { customerOpenItems, letterAccounts } from '../feature-calls.ts';
import { D } from '../../../sync/money.ts';
import type { CustomerOpenItems } from '../../accounting/open-items.ts';

function detail(c: CustomerOpenItems | undefined, aux: string, lines: Awaited<ReturnType<typeof customerAccountLines>>, all: boolean) {
  let running = new D(0);
  return html`<h2 id="detail">${c ? html`${c.name} <span class="muted">(${aux}${c.customers.length ? ` · ${c.customers.join(', ')}` : ''})</span>` : aux}</h2>
${
  c
    ? html`<section class="cards"><div class="card ${isZero(c.owed) ? '' : 'warn'}"><div class="n">${amount(c.owed)}</div><div class="l">owed</div></div>
<div class="card"><div class="n">${amount(c.deposits)}</div><div class="l">deposits available</div></div>
<div class="card"><div class="n">${c.lines.length}</div><div class="l">open lettering keys</div></div>
<div class="card"><div class="n">${c.effets.length}</div><div class="l">open settlement items</div></div></section>
<h2>Open items</h2>
${
  c.lines.length
    ? html`<div class="table-wrap"><table id="open-lines"><thead><tr><th>Account</th><th>Key (piece)</th><th>Last date</th><th class="num">Debit</th><th class="num">Credit</th><th class="num">Open</th><th>Lettering</th></tr></thead><tbody>
${c.lines.map((l) => html`<tr><td>${l.account}</td><td>${l.key}</td><td>${l.date}</td><td class="num">${amount(l.debit)}</td><td class="num">${amount(l.credit)}</td><td class="num"><strong>${amount(l.open)}</strong></td><td>${l.lettering ? html`<span class="badge partial">${l.lettering} partial</span>` : html`<span class="muted">not lettered</span>`}</td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">No open line.</p>`
}
${
  c.effets.length
    ? html`<h2>Open settlement items (effets)</h2><div class="table-wrap"><table id="effets"><thead><tr><th>#</th><th>Kind</th><th>State</th><th>Mode</th><th>Document</th><th>Day</th><th class="num">Open</th></tr></thead><tbody>
${c.effets.map((e) => html`<tr><td>${e.id}</td><td>${e.kind}</td><td><span class="badge">${e.state}</span></td><td>${e.mode}</td><td>${e.documentNumber ?? ''}</td><td>${e.day}</td><td class="num">${amount(e.open)}</td></tr>`)}
</tbody></table></div>`
    : ''
}`
    : html`<p class="empty">Nothing open for ${aux}: every line is lettered.</p>`
}
<h2>Account lines and lettering</h2>
<div class="toolbar"><a class="button secondary" href="${BASE}/open-items${query({ customer: aux, all: all ? '' : '1' })}#detail">${all ? 'Show open lines only' : 'Show lettered lines too'}</a></div>
${
  lines.length
    ? html`<div class="table-wrap"><table id="customer-lines"><thead><tr><th>Date</th><th>Journal</th><th>Piece</th><th>Document</th><th>Account</th><th>Label</th><th class="num">Debit</th><th class="num">Credit</th><th class="num">Balance</th><th>Lettering</th></tr></thead><tbody>
${lines.map((l) => {
  running = running.plus(l.debit || '0').minus(l.credit || '0');
  return html`<tr><td>${l.entry_date}</td><td>${l.journal}</td><td>${l.piece}</td><td>${l.document_number ?? ''}</td><td>${l.account}</td><td>${l.label}</td>
<td class="num">${isZero(l.debit) ? '' : amount(l.debit)}</td><td class="num">${isZero(l.credit) ? '' : amount(l.credit)}</td><td class="num">${amount(running.toFixed(2))}</td>
<td>${l.lettering_code ? html`<span class="badge ${Number(l.lettering_partial) ? 'partial' : 'lettered'}">${l.lettering_code}${Number(l.lettering_partial) ? ' partial' : ''}</span>` : html`<span class="muted">open</span>`}</td></tr>`;
})}
</tbody></table></div>`
    : html`<p class="empty">No ${all ? '' : 'open '}line on this account.</p>`
}`;
}

export function mountOpenItems(r: Router, ctx: ServerContext): void {
  r.get('/open-items', async (req: AuthedRequest, res) => {
    const aux = str(req.query.customer);
    const all = str(req.query.all) === '1';
    let body;
    try {
      const report = await customerOpenItems(ctx);
      const lines = aux ? await customerAccountLines(ctx.db, aux, !all) : [];
      body = html`<div class="toolbar">
  <form class="inline" method="post" action="${BASE}/open-items/letter"><button type="submit" id="letter-now">Letter now</button></form>
  <span class="muted">Posting letters as it goes; this matches what is still waiting (invoices and payments on a customer account with the same piece). Total owed <strong>${amount(report.totalOwed)}</strong>, deposits available <strong>${amount(report.totalDeposits)}</strong>.</span>
</div>
${
  report.customers.length
    ? html`<div class="table-wrap"><table id="open-customers"><thead><tr><th>Third party</th><th>Name</th><th>Customers</th><th class="num">Open keys</th><th class="num">Owed</th><th class="num">Deposits</th><th class="num">Open effets</th></tr></thead><tbody>
${report.customers.map(
  (c) => html`<tr data-third-party="${c.thirdParty}"><td><a href="${BASE}/open-items${query({ customer: c.thirdParty })}#detail">${c.thirdParty}</a></td><td>${c.name}</td><td>${c.customers.join(', ')}</td><td class="num">${c.lines.length}</td>
<td class="num">${amount(c.owed)}</td><td class="num">${amount(c.deposits)}</td><td class="num">${c.effets.length}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">Nothing open: every customer line is lettered.</p>`
}
${aux ? detail(report.customers.find((c) => c.thirdParty === aux), aux, lines, all) : ''}`;
    } catch (e) {
      body = html`<p class="flash error">${errorText(e)}</p>`;
    }
    renderPage(req, res, ctx, { title: 'Open items and lettering', active: '/open-items', body });
  });

  r.post(
    '/open-items/letter',
    action('/open-items', async (_req, res) => {
      const out = await letterAccounts(ctx);
      redirectWith(res, '/open-items', 'ok', out.message);
    }),
  );
}
