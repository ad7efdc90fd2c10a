/**
 * The technical-event journals (NF525 JET) in the back office: the tills' journals as they pushed
 * them (each event verified on arrival) and the server's own, newest first, filtered by origin and
 * type. Read-only: a journal is append-only everywhere.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { when } from '../format.ts';
import { renderPage, str, type AuthedRequest } from '../respond.ts';
import { journalEvents } from '../../fiscal/journal-store.ts';

export function mountJournal(r: Router, ctx: ServerContext): void {
  r.get('/journal', async (req: AuthedRequest, res) => {
    const origin = str(req.query.origin) || undefined;
    const type = str(req.query.type) || undefined;
    const origins = (await ctx.db.selectFrom('journal_events').select('origin').distinct().orderBy('origin').execute()).map((o) => o.origin);
    const events = (await journalEvents(ctx, { origin, limit: 2000 })).filter((e) => !type || e.type === type).slice(0, 500);
    const body = html`<form class="toolbar" method="get">
  <label>Origin <select name="origin"><option value="">all</option>${origins.map((o) => html`<option value="${o}" ${o === origin ? html`selected` : ''}>${o}</option>`)}</select></label>
  <label>Type <input name="type" value="${type ?? ''}" placeholder="e.g. reprint"></label>
  <button type="submit">Filter</button>
  <span class="muted">Signed, chained events: start/stop, closures, archives, reprints, cancellations, training mode, price changes, errors…</span>
</form>
${
  events.length
    ? html`<div class="table-wrap"><table id="journal"><thead><tr><th>Event</th><th>At</th><th>Origin</th><th>Type</th><th>Details</th><th>Key</th></tr></thead><tbody>
${events.map((e) => html`<tr data-event="${e.id}"><td><code>${e.id}</code></td><td>${when(e.at)}</td><td>${e.origin}</td><td><span class="badge ${e.type === 'error' || e.type === 'clock-jump' ? 'error' : 'info'}">${e.type}</span></td><td class="muted">${JSON.stringify(e.data)}</td><td><code>${e.keyId}</code></td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">No journal events yet.</p>`
}`;
    renderPage(req, res, ctx, { title: 'Technical-event journal', active: '/journal', body });
  });
}
