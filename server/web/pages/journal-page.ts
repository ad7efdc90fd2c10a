/**
 * The technical-event journals (NF525 JET) in the back office: the tills' journals as they pushed
 * them (each event verified on arrival) and the server's own, newest first, filtered by origin and
 * type. Read-only: a journal is append-only everywhere.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { when } from '../format.ts';
import { t } from '../i18n/index.ts';
import { renderPage, str, type AuthedRequest } from '../respond.ts';
import { journalEvents } from '../../fiscal/journal-store.ts';

export function mountJournal(r: Router, ctx: ServerContext): void {
  r.get('/journal', async (req: AuthedRequest, res) => {
    const origin = str(req.query.origin) || undefined;
    const type = str(req.query.type) || undefined;
    const origins = (await ctx.db.selectFrom('journal_events').select('origin').distinct().orderBy('origin').execute()).map((o) => o.origin);
    const events = (await journalEvents(ctx, { origin, limit: 2000 })).filter((e) => !type || e.type === type).slice(0, 500);
    const body = html`<form class="toolbar" method="get">
  <label>${t('journal.origin')} <select name="origin"><option value="">${t('common.all')}</option>${origins.map((o) => html`<option value="${o}" ${o === origin ? html`selected` : ''}>${o}</option>`)}</select></label>
  <label>${t('journal.type')} <input name="type" value="${type ?? ''}" placeholder="${t('journal.type.placeholder')}"></label>
  <button type="submit">${t('common.filter')}</button>
  <span class="muted">${t('journal.explain')}</span>
</form>
${
  events.length
    ? html`<div class="table-wrap"><table id="journal"><thead><tr><th>${t('journal.event')}</th><th>${t('journal.at')}</th><th>${t('journal.origin')}</th><th>${t('journal.type')}</th><th>${t('journal.details')}</th><th>${t('dash.closures.key')}</th></tr></thead><tbody>
${events.map((e) => html`<tr data-event="${e.id}"><td><code>${e.id}</code></td><td>${when(e.at)}</td><td>${e.origin}</td><td><span class="badge ${e.type === 'error' || e.type === 'clock-jump' ? 'error' : 'info'}">${e.type}</span></td><td class="muted">${JSON.stringify(e.data)}</td><td><code>${e.keyId}</code></td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">${t('journal.none')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('journal.title'), active: '/journal', body });
  });
}
