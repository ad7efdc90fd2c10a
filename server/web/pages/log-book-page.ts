/** Log book with filters, and the packages list where quarantined packages can be reprocessed. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { listPackages, logBookChoices, searchLogBook } from '../log-book-queries.ts';
import { when } from '../format.ts';
import { label, t } from '../i18n/index.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { quarantinedFiles, reprocessQuarantined } from '../feature-calls.ts';

const SEVERITIES = ['info', 'warning', 'error'];

export function mountLogBook(r: Router, ctx: ServerContext): void {
  r.get('/log', async (req: AuthedRequest, res) => {
    const f = { severity: str(req.query.severity), till: str(req.query.till), channel: str(req.query.channel), text: str(req.query.text) };
    const [rows, choices, quarantined, recent] = await Promise.all([
      searchLogBook(ctx.db, { ...f, limit: 300 }),
      logBookChoices(ctx.db),
      Promise.resolve(quarantinedFiles(ctx)),
      listPackages(ctx.db, undefined, 30),
    ]);
    const opt = (v: string, cur: string, text = v) => html`<option value="${v}" ${v === cur ? html`selected` : ''}>${v ? text : t('common.all')}</option>`;
    const body = html`<form class="filters" method="get" action="${BASE}/log">
  <label>${t('log.severity')} <select name="severity">${['', ...SEVERITIES].map((s) => opt(s, f.severity, label('severity', s)))}</select></label>
  <label>${t('common.till')} <input type="text" name="till" value="${f.till}" list="tills" placeholder="${t('log.till.placeholder')}"></label>
  <datalist id="tills">${choices.tills.map((t) => html`<option value="${t}">`)}</datalist>
  <label>${t('common.channel')} <select name="channel">${['', ...choices.channels].map((c) => opt(c, f.channel))}</select></label>
  <label>${t('log.text')} <input type="search" name="text" value="${f.text}" placeholder="${t('log.text.placeholder')}"></label>
  <button type="submit">${t('common.filter')}</button>
  <a class="button secondary" href="${BASE}/log">${t('common.clear')}</a>
</form>
<h2 id="packages">${t('log.quarantine', { n: quarantined.length })}</h2>
${
  quarantined.length
    ? html`<div class="table-wrap"><table id="quarantine"><thead><tr><th>${t('common.file')}</th><th>${t('common.channel')}</th><th>${t('log.refused')}</th><th>${t('common.reason')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead><tbody>
${quarantined.map(
  (q) => html`<tr data-file="${q.name}"><td>${q.name}</td><td>${q.channel}</td><td>${when(q.at)}</td><td class="wrap"><strong>${q.reason}</strong> ${q.message}${q.hint ? html`<br><span class="muted">${q.hint}</span>` : ''}</td>
<td><form class="inline" method="post" action="${BASE}/quarantine/reprocess"><input type="hidden" name="file" value="${q.name}"><button type="submit" class="secondary">${t('log.reprocess')}</button></form></td></tr>`,
)}
</tbody></table></div>
<p class="muted">${t('log.reprocess.explain')}</p>`
    : html`<p class="empty">${t('log.noQuarantine')}</p>`
}
<h2>${t('log.events', { n: rows.length, more: rows.length === 300 ? 'yes' : 'no' })}</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table id="log"><thead><tr><th>${t('log.when')}</th><th>${t('log.severity')}</th><th>${t('common.channel')}</th><th>${t('common.till')}</th><th>${t('common.file')}</th><th>${t('docs.ticket')}</th><th>${t('log.message')}</th></tr></thead><tbody>
${rows.map(
  (e) => html`<tr><td>${when(e.at)}</td><td><span class="badge ${e.severity}">${label('severity', e.severity)}</span></td><td>${e.channel ?? ''}</td><td>${e.till ?? ''}</td><td>${e.file ?? ''}</td><td>${e.ticket ?? ''}</td><td class="wrap">${e.message}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">${t('log.noEvent')}</p>`
}
<h2>${t('log.packages')}</h2>
${
  recent.length
    ? html`<div class="table-wrap"><table><thead><tr><th>#</th><th>${t('common.file')}</th><th>${t('common.channel')}</th><th>${t('common.till')}</th><th>${t('common.status')}</th><th class="num">${t('common.tickets')}</th><th class="num">${t('log.new')}</th><th class="num"><abbr title="${t('log.duplicates')}">${t('log.dup')}</abbr></th><th class="num">${t('dash.col.conflicts')}</th><th class="num">${t('log.errors')}</th><th>${t('log.received')}</th></tr></thead><tbody>
${recent.map(
  (p) => html`<tr><td>${p.id}</td><td>${p.file_name}</td><td>${p.channel}</td><td>${p.till_id ?? ''}</td><td><span class="badge ${p.status}">${label('status', p.status)}</span></td><td class="num">${p.ticket_count}</td><td class="num">${p.new_count}</td><td class="num">${p.duplicate_count}</td><td class="num">${p.conflict_count}</td><td class="num">${p.error_count}</td><td>${when(p.received_at)}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">${t('log.noPackage')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.log'), active: '/log', body });
  });

  r.post(
    '/quarantine/reprocess',
    action('/log#packages', async (req, res) => {
      const outcome = await reprocessQuarantined(ctx, str(req.body?.file));
      redirectWith(res, '/log#packages', outcome.accepted ? 'ok' : 'err', outcome.message);
    }),
  );
}
