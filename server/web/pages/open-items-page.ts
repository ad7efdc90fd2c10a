/**
 * Open items and lettering per customer: accounting's own open-items report (what each customer
 * still owes, by lettering key, and the open settlement items), and per customer the account
 * lines with their lettering codes.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, isZero } from '../format.ts';
import { t, th } from '../i18n/index.ts';
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
    ? html`<section class="cards"><div class="card ${isZero(c.owed) ? '' : 'warn'}"><div class="n">${amount(c.owed)}</div><div class="l">${t('open.owed')}</div></div>
<div class="card"><div class="n">${amount(c.deposits)}</div><div class="l">${t('open.deposits')}</div></div>
<div class="card"><div class="n">${c.lines.length}</div><div class="l">${t('open.keys')}</div></div>
<div class="card"><div class="n">${c.effets.length}</div><div class="l">${t('open.effets')}</div></div></section>
<h2>${t('open.items')}</h2>
${
  c.lines.length
    ? html`<div class="table-wrap"><table id="open-lines"><thead><tr><th>${t('common.account')}</th><th>${t('open.col.key')}</th><th>${t('open.col.lastDate')}</th><th class="num">${t('common.debit')}</th><th class="num">${t('common.credit')}</th><th class="num">${t('open.col.open')}</th><th>${t('open.col.lettering')}</th></tr></thead><tbody>
${c.lines.map((l) => html`<tr><td>${l.account}</td><td>${l.key}</td><td>${day(l.date)}</td><td class="num">${amount(l.debit)}</td><td class="num">${amount(l.credit)}</td><td class="num"><strong>${amount(l.open)}</strong></td><td>${l.lettering ? html`<span class="badge partial">${t('open.partial', { code: l.lettering })}</span>` : html`<span class="muted">${t('open.notLettered')}</span>`}</td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">${t('open.noLine')}</p>`
}
${
  c.effets.length
    ? html`<h2>${t('open.effetsTitle')}</h2><div class="table-wrap"><table id="effets"><thead><tr><th>#</th><th>${t('common.kind')}</th><th>${t('open.col.state')}</th><th>${t('open.col.mode')}</th><th>${t('open.col.document')}</th><th>${t('common.day')}</th><th class="num">${t('open.col.open')}</th></tr></thead><tbody>
${c.effets.map((e) => html`<tr><td>${e.id}</td><td>${e.kind}</td><td><span class="badge">${e.state}</span></td><td>${e.mode}</td><td>${e.documentNumber ?? ''}</td><td>${day(e.day)}</td><td class="num">${amount(e.open)}</td></tr>`)}
</tbody></table></div>`
    : ''
}`
    : html`<p class="empty">${t('open.nothingFor', { aux })}</p>`
}
<h2>${t('open.lines')}</h2>
<div class="toolbar"><a class="button secondary" href="${BASE}/open-items${query({ customer: aux, all: all ? '' : '1' })}#detail">${all ? t('open.onlyOpen') : t('open.withLettered')}</a></div>
${
  lines.length
    ? html`<div class="table-wrap"><table id="customer-lines"><thead><tr><th>${t('common.date')}</th><th>${t('common.journal')}</th><th>${t('entries.piece')}</th><th>${t('open.col.document')}</th><th>${t('common.account')}</th><th>${t('ticket.col.label')}</th><th class="num">${t('common.debit')}</th><th class="num">${t('common.credit')}</th><th class="num">${t('open.col.balance')}</th><th>${t('open.col.lettering')}</th></tr></thead><tbody>
${lines.map((l) => {
  running = running.plus(l.debit || '0').minus(l.credit || '0');
  return html`<tr><td>${day(l.entry_date)}</td><td>${l.journal}</td><td>${l.piece}</td><td>${l.document_number ?? ''}</td><td>${l.account}</td><td>${l.label}</td>
<td class="num">${isZero(l.debit) ? '' : amount(l.debit)}</td><td class="num">${isZero(l.credit) ? '' : amount(l.credit)}</td><td class="num">${amount(running.toFixed(2))}</td>
<td>${l.lettering_code ? html`<span class="badge ${Number(l.lettering_partial) ? 'partial' : 'lettered'}">${Number(l.lettering_partial) ? t('open.partial', { code: l.lettering_code }) : l.lettering_code}</span>` : html`<span class="muted">${t('open.open')}</span>`}</td></tr>`;
})}
</tbody></table></div>`
    : html`<p class="empty">${t(all ? 'open.noLineAll' : 'open.noOpenLine')}</p>`
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
  <form class="inline" method="post" action="${BASE}/open-items/letter"><button type="submit" id="letter-now">${t('open.letterNow')}</button></form>
  <span class="muted">${th('open.explain', { owed: html`<strong>${amount(report.totalOwed)}</strong>`, deposits: html`<strong>${amount(report.totalDeposits)}</strong>` })}</span>
</div>
${
  report.customers.length
    ? html`<div class="table-wrap"><table id="open-customers"><thead><tr><th>${t('open.col.thirdParty')}</th><th>${t('entries.col.name')}</th><th>${t('grid.customers')}</th><th class="num">${t('open.col.openKeys')}</th><th class="num">${t('open.col.owed')}</th><th class="num">${t('open.col.deposits')}</th><th class="num">${t('open.col.effets')}</th></tr></thead><tbody>
${report.customers.map(
  (c) => html`<tr data-third-party="${c.thirdParty}"><td><a href="${BASE}/open-items${query({ customer: c.thirdParty })}#detail">${c.thirdParty}</a></td><td>${c.name}</td><td>${c.customers.join(', ')}</td><td class="num">${c.lines.length}</td>
<td class="num">${amount(c.owed)}</td><td class="num">${amount(c.deposits)}</td><td class="num">${c.effets.length}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('open.nothing')}</p>`
}
${aux ? detail(report.customers.find((c) => c.thirdParty === aux), aux, lines, all) : ''}`;
    } catch (e) {
      body = html`<p class="flash error">${errorText(e)}</p>`;
    }
    renderPage(req, res, ctx, { title: t('open.title'), active: '/open-items', body });
  });

  r.post(
    '/open-items/letter',
    action('/open-items', async (_req, res) => {
      const out = await letterAccounts(ctx);
      redirectWith(res, '/open-items', 'ok', out.message);
    }),
  );
}
