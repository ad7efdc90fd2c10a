/**
 * Control grid before integration (seed 004): the documents integration would make, each with its
 * tickets checked; uncheck tickets to leave them out (one by one, per document, all, or "leave
 * them out" on every checked row), then generate. "Set customer" applies a customer to every
 * checked ticket (seed: "appliquer une valeur à l'ensemble des lignes cochées"); each ticket's own
 * page (its edit link, or a double click on its row) changes one ticket. The signed tickets stay as
 * sold: integration records the correction (ticket-overrides.ts) and groups by it. Batches can be
 * undone; corrections stay with their tickets.
 */
import type { Router, Response } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, when } from '../format.ts';
import { listBatches } from '../batches-queries.ts';
import { batchSentence } from '../summaries.ts';
import { label, t, th } from '../i18n/index.ts';
import { engineText } from '../engine-text.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { clearCustomerOfTickets, customerChoices, generateDocuments, integrationPreview, setCustomerOfTickets, undoIntegrationBatch, type GridChoice, type GridDocument } from '../feature-calls.ts';
import { customerCell, customerPicker, mountTicketPage } from './ticket-page.ts';
import { yesterday } from '../../integration/filters.ts';
import { undoRefusal } from '../../integration/undo-refusal.ts';
import { sum } from '../../../sync/money.ts';

export const MAX_GRID_TICKETS = 3000;

function choiceFrom(src: Record<string, unknown>): GridChoice {
  return { until: str(src.until) || yesterday(), till: str(src.till) || undefined, customer: str(src.customer) || undefined, exclude: [] };
}

function documentRows(d: GridDocument, i: number, checked: Set<string> | null, c: GridChoice) {
  const tr = t;
  const group = `g${i}`;
  return html`<tr class="group" data-group="${group}">
  <td class="keep"><input type="checkbox" class="group-check" data-group="${group}" aria-label="${t('grid.allOfDocument')}"></td>
  ${
    d.kind === 'without-goods'
      ? html`<td colspan="3">${t('grid.paymentOnly')}</td>`
      : html`<td colspan="2">${label('kind', d.kind)} <strong>${d.number}</strong> · ${d.store}-${d.till} · ${day(d.day)}</td>
  <td>${d.customerName}${d.customerName !== d.customer ? html` <span class="muted">(${d.customer})</span>` : ''}</td>`
  }
  <td class="muted">${t('grid.tickets', { n: d.tickets.length })}</td>
  <td class="num">${amount(d.totalIncl)}</td><td></td>
</tr>
${d.tickets.map((t) => {
  const on = checked ? checked.has(t.id) : true;
  const edit = `${BASE}/control/tickets/${encodeURIComponent(t.id)}${query({ until: c.until, till: c.till, customer: c.customer })}`;
  return html`<tr class="ticket ${on ? '' : 'unchecked'}" data-group="${group}" data-amount="${t.totalDue}" data-ticket="${t.id}" data-href="${edit}">
  <td class="keep"><input type="checkbox" name="ticket" value="${t.id}" ${on ? html`checked` : ''} aria-label="${tr('grid.integrateTicket', { id: t.id })}"></td>
  <td>${t.id}</td><td>${when(t.soldAt)}</td>
  ${customerCell(t)}
  <td>${t.payments}</td><td class="num">${amount(t.totalDue)}</td>
  <td>${t.degraded ? html`<span class="badge warning">${tr('common.degraded')}</span>` : ''} <a class="edit" href="${edit}" title="${tr('grid.edit.title')}">${tr('grid.edit')}</a></td>
</tr>`;
})}`;
}

async function renderGrid(ctx: ServerContext, req: AuthedRequest, res: Response, c: GridChoice, checked: Set<string> | null, flash?: string, refusal?: string) {
  let flashError = refusal ?? '';
  let preview: Awaited<ReturnType<typeof integrationPreview>>;
  try {
    preview = await integrationPreview(ctx, c);
  } catch (e) {
    preview = { documents: [], problems: [] };
    flashError = errorText(e);
  }
  const batches = await listBatches(ctx.db, 'integration');
  // Undo is offered only where `server undo` would accept it (one rule: undo-refusal.ts); elsewhere its reason is shown.
  const refusals = new Map<number, string>();
  for (const b of batches) {
    if (b.status !== 'done') continue;
    const r = await undoRefusal(ctx.db, b.id);
    if (r) refusals.set(b.id, t('grid.undoRefused', { reason: engineText(r) }));
  }
  const customers = await customerChoices(ctx);
  // A browser grid stays usable up to a few thousand rows; past that the first documents are shown
  // and the rest stay pending (generation only takes what was shown and checked).
  const total = preview.documents.reduce((n, d) => n + d.tickets.length, 0);
  let shown = 0;
  const documents = preview.documents.filter((d) => {
    if (shown > 0 && shown + d.tickets.length > MAX_GRID_TICKETS) return false;
    shown += d.tickets.length;
    return true;
  });
  const hiddenDocs = preview.documents.length - documents.length;
  preview = { ...preview, documents };
  const all = preview.documents.flatMap((d) => d.tickets);
  const on = all.filter((t) => (checked ? checked.has(t.id) : true));
  const body = html`<form class="filters" method="get" action="${BASE}/control">
  <label>${t('grid.until')} <input type="date" name="until" value="${c.until ?? ''}"></label>
  <label>${t('grid.tills')} <input type="text" name="till" value="${c.till ?? ''}" size="6" placeholder="${t('grid.tills.placeholder')}"></label>
  <label>${t('grid.customers')} <input type="text" name="customer" value="${c.customer ?? ''}" placeholder="${t('grid.customers.placeholder')}"></label>
  <button type="submit">${t('common.show')}</button>
  <span class="muted">${t('grid.explain', { until: day(c.until) })}</span>
</form>
${flash ? html`<p class="flash ok" role="status">${flash}</p>` : ''}
${flashError ? html`<p class="flash error" role="alert">${flashError}</p>` : ''}
${hiddenDocs ? html`<p class="flash error" id="grid-capped">${t('grid.capped', { total, shown: all.length, documents: documents.length, hidden: hiddenDocs })}</p>` : ''}
${preview.problems.length ? html`<div class="flash error" id="grid-problems"><strong>${t('grid.problems', { n: preview.problems.length })}</strong> ${th('grid.problems.where', { log: html`<a href="${BASE}/log?channel=integration">${t('nav.log')}</a>` })}<ul>${preview.problems.slice(0, 8).map((p) => html`<li>${p.message}</li>`)}</ul>${preview.problems.length > 8 ? html`<span>${t('grid.problems.more', { n: preview.problems.length - 8 })}</span>` : ''}</div>` : ''}
${
  all.length
    ? html`<form method="post" action="${BASE}/control" id="grid-form" class="checkgrid-form">
<input type="hidden" name="until" value="${c.until ?? ''}"><input type="hidden" name="till" value="${c.till ?? ''}"><input type="hidden" name="customer" value="${c.customer ?? ''}">
<div class="toolbar apply">
  <strong>${t('grid.apply')}</strong>
  <button type="submit" name="op" value="leave-out" class="secondary">${t('grid.leaveOut')}</button>
  ${customerPicker(customers, 'grid-customer')}
  <label>${t('common.reason')} <input type="text" name="reason" id="grid-reason" size="18" maxlength="200" placeholder="${t('common.optional')}"></label>
  <button type="submit" name="op" value="set-customer" id="set-customer">${t('grid.setCustomer')}</button>
  <button type="submit" name="op" value="clear-customer" id="clear-customer" class="secondary" title="${t('grid.ownCustomer.title')}">${t('grid.ownCustomer')}</button>
</div>
<div class="table-wrap"><table class="checkgrid" id="control-grid">
<thead><tr><th><input type="checkbox" class="check-all" checked aria-label="${t('grid.checkAll')}"></th><th>${t('grid.col.document')}</th><th>${t('grid.col.soldAt')}</th><th>${t('common.customer')}</th><th>${t('grid.col.payments')}</th><th class="num">${t('grid.col.amount')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead>
<tbody>${preview.documents.map((d, i) => documentRows(d, i, checked, c))}</tbody>
</table></div>
<div class="footer-bar">
  <span id="grid-summary" data-total-tickets="${all.length}">${th('grid.footer', { checked: html`<strong class="checked-count">${on.length}</strong>`, total: all.length, amount: html`<strong class="checked-total">${amount(sum(on.map((x) => x.totalDue)).toFixed(2))}</strong>`, documents: preview.documents.length })}</span>
  <button type="submit" name="op" value="generate" id="generate">${t('grid.generate')}</button>
</div>
</form>`
    : html`<p class="empty">${t('grid.empty', { filtered: c.until || c.till || c.customer ? 'yes' : 'no' })}</p>`
}
<h2 id="batches">${t('grid.batches')}</h2>
${
  batches.length
    ? html`<div class="table-wrap"><table id="batch-list"><thead><tr><th>#</th><th>${t('common.status')}</th><th>${t('common.started')}</th><th>${t('common.finished')}</th><th>${t('common.summary')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${label('status', b.status)}</span></td><td>${when(b.startedAt)}</td><td>${when(b.finishedAt)}</td><td class="wrap summary">${batchSentence('integration', b.summary)}</td>
<td><a href="${BASE}/documents${query({ batch: b.id })}">${t('grid.batch.documents')}</a>
${
    b.status !== 'done'
      ? ''
      : refusals.has(b.id)
        ? html` <span class="muted undo-refused">${refusals.get(b.id)}</span>`
        : html` <form class="inline" method="post" action="${BASE}/batches/${b.id}/undo"><button type="submit" class="danger">${t('common.undo')}</button></form>`
  }</td></tr>`,
)}
</tbody></table></div>
<p class="muted">${t('grid.undo.explain')}</p>`
    : html`<p class="empty">${t('grid.noBatch')}</p>`
}`;
  renderPage(req, res, ctx, { title: t('grid.title'), active: '/control', body });
}

export function mountControlGrid(r: Router, ctx: ServerContext): void {
  r.get('/control', async (req: AuthedRequest, res) => renderGrid(ctx, req, res, choiceFrom(req.query as Record<string, unknown>), null));

  r.post(
    '/control',
    action('/control', async (req, res) => {
      const c = choiceFrom(req.body ?? {});
      const checked = new Set(list(req.body?.ticket));
      const op = str(req.body?.op);
      if (op === 'leave-out') return renderGrid(ctx, req, res, c, new Set(), t('grid.leftOut', { n: checked.size }));
      if (op === 'set-customer' || op === 'clear-customer') {
        // The grid comes back with the same tickets checked, now under their new customer.
        const tickets = [...checked];
        let out: Awaited<ReturnType<typeof setCustomerOfTickets>>;
        try {
          out = op === 'set-customer' ? await setCustomerOfTickets(ctx, req.user ?? 'back office', tickets, str(req.body?.set_customer), str(req.body?.reason)) : await clearCustomerOfTickets(ctx, req.user ?? 'back office', tickets, str(req.body?.reason));
        } catch (e) {
          return renderGrid(ctx, req, res, c, checked, undefined, errorText(e));
        }
        return out.ok ? renderGrid(ctx, req, res, c, checked, out.message) : renderGrid(ctx, req, res, c, checked, undefined, out.message);
      }
      if (op !== 'generate') throw new Error(`unknown action "${op}"`);
      // Everything shown and not checked is left out: tickets that arrived since the page was drawn included.
      const preview = await integrationPreview(ctx, c);
      c.exclude = preview.documents.flatMap((d) => d.tickets.map((t) => t.id)).filter((id) => !checked.has(id));
      if (!checked.size) throw new Error(t('grid.noneChecked'));
      const out = await generateDocuments(ctx, c);
      redirectWith(res, `/control${query({ until: c.until, till: c.till, customer: c.customer })}#batches`, 'ok', out.message);
    }),
  );

  mountTicketPage(r, ctx);

  r.post(
    '/batches/:id/undo',
    action('/control#batches', async (req, res) => {
      const out = await undoIntegrationBatch(ctx, Number(req.params.id));
      redirectWith(res, '/control#batches', 'ok', out.message);
    }),
  );
}
