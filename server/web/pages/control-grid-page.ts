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
import { amount, when } from '../format.ts';
import { listBatches, summaryText } from '../batches-queries.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { clearCustomerOfTickets, customerChoices, generateDocuments, integrationPreview, setCustomerOfTickets, undoIntegrationBatch, type GridChoice, type GridDocument } from '../feature-calls.ts';
import { customerCell, customerPicker, mountTicketPage } from './ticket-page.ts';
import { yesterday } from '../../integration/filters.ts';
import { undoRefusal } from '../../integration/undo-refusal.ts';
import { sum } from '../../../sync/money.ts';

export const MAX_GRID_TICKETS = 3000;

const KIND_LABEL: Record<string, string> = { invoice: 'Invoice', 'delivery-note': 'Delivery note', 'credit-note': 'Credit note' };

function choiceFrom(src: Record<string, unknown>): GridChoice {
  return { until: str(src.until) || yesterday(), till: str(src.till) || undefined, customer: str(src.customer) || undefined, exclude: [] };
}

function documentRows(d: GridDocument, i: number, checked: Set<string> | null, c: GridChoice) {
  const group = `g${i}`;
  return html`<tr class="group" data-group="${group}">
  <td class="keep"><input type="checkbox" class="group-check" data-group="${group}" aria-label="All tickets of this document"></td>
  ${
    d.kind === 'without-goods'
      ? html`<td colspan="3">Payment-only tickets (invoice settlements, deposits): marked integrated, no document</td>`
      : html`<td colspan="2">${KIND_LABEL[d.kind] ?? d.kind} <strong>${d.number}</strong> · ${d.store}-${d.till} · ${d.day}</td>
  <td>${d.customerName}${d.customerName !== d.customer ? html` <span class="muted">(${d.customer})</span>` : ''}</td>`
  }
  <td class="muted">${d.tickets.length} ticket(s)</td>
  <td class="num">${amount(d.totalIncl)}</td><td></td>
</tr>
${d.tickets.map((t) => {
  const on = checked ? checked.has(t.id) : true;
  const edit = `${BASE}/control/tickets/${encodeURIComponent(t.id)}${query({ until: c.until, till: c.till, customer: c.customer })}`;
  return html`<tr class="ticket ${on ? '' : 'unchecked'}" data-group="${group}" data-amount="${t.totalDue}" data-ticket="${t.id}" data-href="${edit}">
  <td class="keep"><input type="checkbox" name="ticket" value="${t.id}" ${on ? html`checked` : ''} aria-label="Integrate ticket ${t.id}"></td>
  <td>${t.id}</td><td>${when(t.soldAt)}</td>
  ${customerCell(t)}
  <td>${t.payments}</td><td class="num">${amount(t.totalDue)}</td>
  <td>${t.degraded ? html`<span class="badge warning">degraded</span>` : ''} <a class="edit" href="${edit}" title="See the whole ticket and change its customer">edit</a></td>
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
    if (r) refusals.set(b.id, `${r.message} (${r.hint})`);
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
  <label>Until day <input type="date" name="until" value="${c.until ?? ''}"></label>
  <label>Tills <input type="text" name="till" value="${c.till ?? ''}" size="6" placeholder="all, or 01-03"></label>
  <label>Customers <input type="text" name="customer" value="${c.customer ?? ''}" placeholder="all, or FROM-TO"></label>
  <button type="submit">Show</button>
  <span class="muted">Tickets received and not yet integrated, sold up to ${c.until}. Unchecked tickets stay pending for a later run.</span>
</form>
${flash ? html`<p class="flash ok" role="status">${flash}</p>` : ''}
${flashError ? html`<p class="flash error" role="alert">${flashError}</p>` : ''}
${hiddenDocs ? html`<p class="flash error" id="grid-capped">${total} tickets wait: the grid shows the first ${all.length} (${documents.length} documents); the other ${hiddenDocs} documents stay pending for a later run. Narrow the filters (until day, tills, customers) to see them.</p>` : ''}
${preview.problems.length ? html`<div class="flash error" id="grid-problems"><strong>${preview.problems.length} ticket(s) cannot be integrated and stay pending</strong> (each is in the <a href="${BASE}/log?channel=integration">log book</a>):<ul>${preview.problems.slice(0, 8).map((p) => html`<li>${p.message}</li>`)}</ul>${preview.problems.length > 8 ? html`<span>…and ${preview.problems.length - 8} more.</span>` : ''}</div>` : ''}
${
  all.length
    ? html`<form method="post" action="${BASE}/control" id="grid-form" class="checkgrid-form">
<input type="hidden" name="until" value="${c.until ?? ''}"><input type="hidden" name="till" value="${c.till ?? ''}"><input type="hidden" name="customer" value="${c.customer ?? ''}">
<div class="toolbar apply">
  <strong>Apply to the checked tickets:</strong>
  <button type="submit" name="op" value="leave-out" class="secondary">Leave them out</button>
  ${customerPicker(customers, 'grid-customer')}
  <label>Reason <input type="text" name="reason" id="grid-reason" size="18" maxlength="200" placeholder="optional"></label>
  <button type="submit" name="op" value="set-customer" id="set-customer">Set customer</button>
  <button type="submit" name="op" value="clear-customer" id="clear-customer" class="secondary" title="Back to the customer each ticket was sold to">Back to own customer</button>
</div>
<div class="table-wrap"><table class="checkgrid" id="control-grid">
<thead><tr><th><input type="checkbox" class="check-all" checked aria-label="Check or uncheck every ticket"></th><th>Document / ticket</th><th>Sold at</th><th>Customer</th><th>Payments</th><th class="num">Amount</th><th></th></tr></thead>
<tbody>${preview.documents.map((d, i) => documentRows(d, i, checked, c))}</tbody>
</table></div>
<div class="footer-bar">
  <span id="grid-summary" data-total-tickets="${all.length}"><strong class="checked-count">${on.length}</strong> of ${all.length} tickets checked · total <strong class="checked-total">${amount(sum(on.map((t) => t.totalDue)).toFixed(2))}</strong> · ${preview.documents.length} document(s) planned</span>
  <button type="submit" name="op" value="generate" id="generate">Generate the documents</button>
</div>
</form>`
    : html`<p class="empty">No ticket waiting for integration${c.until || c.till || c.customer ? ' with these filters' : ''}.</p>`
}
<h2 id="batches">Integration batches</h2>
${
  batches.length
    ? html`<div class="table-wrap"><table id="batch-list"><thead><tr><th>#</th><th>Status</th><th>Started</th><th>Finished</th><th>Summary</th><th></th></tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${b.status}</span></td><td>${when(b.startedAt)}</td><td>${when(b.finishedAt)}</td><td class="wrap">${summaryText(b.summary)}</td>
<td><a href="${BASE}/documents${query({ batch: b.id })}">documents</a>
${
    b.status !== 'done'
      ? ''
      : refusals.has(b.id)
        ? html` <span class="muted undo-refused">${refusals.get(b.id)}</span>`
        : html` <form class="inline" method="post" action="${BASE}/batches/${b.id}/undo"><button type="submit" class="danger">Undo</button></form>`
  }</td></tr>`,
)}
</tbody></table></div>
<p class="muted">Undo removes the batch's documents and puts its tickets back in the grid. Batches are undone from the most recent; a batch whose documents were posted cannot be undone.</p>`
    : html`<p class="empty">No integration batch yet.</p>`
}`;
  renderPage(req, res, ctx, { title: 'Control grid before integration', active: '/control', body });
}

export function mountControlGrid(r: Router, ctx: ServerContext): void {
  r.get('/control', async (req: AuthedRequest, res) => renderGrid(ctx, req, res, choiceFrom(req.query as Record<string, unknown>), null));

  r.post(
    '/control',
    action('/control', async (req, res) => {
      const c = choiceFrom(req.body ?? {});
      const checked = new Set(list(req.body?.ticket));
      const op = str(req.body?.op);
      if (op === 'leave-out') return renderGrid(ctx, req, res, c, new Set(), `${checked.size} ticket(s) left out.`);
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
      if (!checked.size) throw new Error('no ticket checked: nothing to generate');
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
