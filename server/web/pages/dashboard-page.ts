/** Dashboard: tills and their health, what waits in the inbox and in quarantine, pending work. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { loadDashboard, type TillRow } from '../dashboard-queries.ts';
import { formatGap } from '../../intake/gaps.ts';
import { ago, day, when } from '../format.ts';
import { label, t, th } from '../i18n/index.ts';
import { defaultPeriod, loadCharts, type ChartPeriod } from '../chart-queries.ts';
import { CHART_ASSETS, chartsSection } from '../charts.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** ?from=&to= of the dashboard (days), else the 30 days ending on the last day sold. */
async function chartPeriod(ctx: ServerContext, q: Record<string, unknown>): Promise<ChartPeriod> {
  const from = typeof q.from === 'string' && DAY.test(q.from) ? q.from : null;
  const to = typeof q.to === 'string' && DAY.test(q.to) ? q.to : null;
  if (from && to && from <= to) return { from, to };
  return defaultPeriod(ctx.db);
}

const tMsg = t;
import { renderPage, type AuthedRequest } from '../respond.ts';

/** A figure and what it counts; `id` names the card for scripts and tests whatever the language. */
function card(id: string, n: number, text: string, level: '' | 'bad' | 'warn' = '', href?: string) {
  const inner = html`<div class="n">${n}</div><div class="l">${text}</div>`;
  return html`<div class="card ${level}" data-card="${id}">${href ? html`<a href="${href}" class="card-link">${inner}</a>` : inner}</div>`;
}

function tillRow(t: TillRow, now: Date) {
  const tr = tMsg;
  const stale = !t.lastContactAt || now.getTime() - Date.parse(t.lastContactAt) > 3600_000;
  return html`<tr data-till="${t.id}">
  <td><strong>${t.id}</strong></td>
  <td title="${when(t.lastContactAt)}"><span class="badge ${stale ? 'warning' : 'info'}">${ago(t.lastContactAt, now)}</span></td>
  <td class="num">${t.tickets}</td>
  <td class="num">${t.lastNumber === null ? '' : html`${t.firstNumber ?? ''} – ${t.lastNumber}`}</td>
  <td class="gaps">${t.gaps.length ? html`<span class="badge error" title="${t.gaps.map(formatGap).join(', ')}">${tr('dash.missing', { n: t.missing })}</span> <span class="muted">${t.gaps.slice(0, 3).map(formatGap).join(', ')}${t.gaps.length > 3 ? '…' : ''}</span>` : '—'}</td>
  <td class="num">${t.missingFromClosures ? html`<span class="badge error">${t.missingFromClosures}</span>` : '0'}</td>
  <td class="num">${t.unsyncedEstimate ? html`<span class="badge warning">≈ ${t.unsyncedEstimate}</span>` : '0'}</td>
  <td class="num">${t.degraded}</td>
  <td class="num">${t.errors ? html`<span class="badge error">${t.errors}</span>` : '0'}</td>
  <td class="num">${t.openConflicts ? html`<span class="badge error">${t.openConflicts}</span>` : '0'}</td>
  <td>${day(t.lastClosureDay)}</td>
  <td class="closures">${closureCell(t)}</td>
</tr>`;
}

/** NF525 closure state: last month and year closed, signing key, chain whole or not. */
function closureCell(till: TillRow) {
  const c = till.closures;
  if (!c) return html`<span class="muted">${t('dash.closures.none')}</span>`;
  const bad = c.chainProblems.length > 0;
  return html`<span title="${c.chainProblems.join('; ') || t('dash.closures.whole')}" class="badge ${bad ? 'error' : c.unsigned ? 'warning' : 'info'}">${bad ? t('dash.closures.broken') : c.unsigned ? t('dash.closures.unsigned', { n: c.unsigned }) : t('dash.closures.signed')}</span> <span class="muted">${t('dash.closures.periods', { month: c.last.month?.period ?? '—', year: c.last.year?.period ?? '—' })}${c.keyFingerprint ? html` · ${t('dash.closures.key')} <code>${c.keyFingerprint}</code>` : ''}</span>`;
}

export function mountDashboard(r: Router, ctx: ServerContext): void {
  r.get('/', async (req: AuthedRequest, res) => {
    const now = new Date();
    const d = await loadDashboard(ctx, now);
    const s = d.status;
    const period = await chartPeriod(ctx, req.query as Record<string, unknown>);
    const charts = chartsSection(await loadCharts(ctx.db, period));
    const chartAssets = CHART_ASSETS;
    const missing = d.tills.reduce((a, t) => a + t.missing + t.missingFromClosures, 0);
    const body = html`<section class="cards">
  ${card('tills', d.tills.length, t('dash.card.tills', { n: d.tills.length }))}
  ${card('missing', missing, t('dash.card.missing', { n: missing }), missing ? 'bad' : '')}
  ${card('inbox', s.inbox.waiting, t('dash.card.inbox', { n: s.inbox.waiting }), s.inbox.waiting ? 'warn' : '')}
  ${card('quarantine', s.inbox.quarantined, t('dash.card.quarantine', { n: s.inbox.quarantined }), s.inbox.quarantined ? 'bad' : '', `${BASE}/log#packages`)}
  ${card('to-integrate', d.pendingTickets, t('dash.card.toIntegrate', { n: d.pendingTickets }), '', `${BASE}/control`)}
  ${card('in-error', d.errorTickets, t('dash.card.inError', { n: d.errorTickets }), d.errorTickets ? 'bad' : '', `${BASE}/log?severity=error`)}
  ${card('to-post', d.unpostedDocuments, t('dash.card.toPost', { n: d.unpostedDocuments }), '', `${BASE}/entries`)}
  ${card('entries', d.entries, t('dash.card.entries', { n: d.entries }), '', `${BASE}/entries#posted`)}
  ${card('settlements', d.openSettlements, t('dash.card.settlements', { n: d.openSettlements }), d.openSettlements ? 'warn' : '', `${BASE}/open-items`)}
  ${card('conflicts', s.conflicts.open, t('dash.card.conflicts', { n: s.conflicts.open }), s.conflicts.open ? 'bad' : '', `${BASE}/log?text=conflict`)}
  ${card('errors-24h', d.recentErrors, t('dash.card.errors24h', { n: d.recentErrors }), d.recentErrors ? 'bad' : '', `${BASE}/log?severity=error`)}
</section>
<p class="muted">${t('dash.where', { kind: s.database.kind, where: s.database.where, inbox: s.inbox.path, accepted: s.packages.accepted, quarantined: s.packages.quarantined, rejected: s.packages.rejected })}</p>
${charts}
<h2>${t('dash.tills')}</h2>
${
  d.tills.length
    ? html`<div class="table-wrap"><table id="tills">
<thead><tr><th>${t('common.till')}</th><th>${t('dash.col.lastContact')}</th><th class="num">${t('common.tickets')}</th><th class="num">${t('dash.col.numbers')}</th><th>${t('dash.col.gaps')}</th><th class="num" title="${t('dash.col.missingAfterZ.title')}">${t('dash.col.missingAfterZ')}</th><th class="num" title="${t('dash.col.unsynced.title')}">${t('dash.col.unsynced')}</th><th class="num">${t('dash.col.degraded')}</th><th class="num">${t('dash.col.inError')}</th><th class="num">${t('dash.col.conflicts')}</th><th>${t('dash.col.lastZ')}</th><th title="${t('dash.col.closures.title')}">${t('dash.col.closures')}</th></tr></thead>
<tbody>${d.tills.map((x) => tillRow(x, now))}</tbody></table></div>`
    : html`<p class="empty">${th('dash.noTill', { command: html`<code>tillsync server enroll-till --data ${ctx.data} --store ${ctx.config.store} --till 01</code>` })}</p>`
}
<h2>${t('dash.batches')}</h2>
${
  d.lastBatches.length
    ? html`<div class="table-wrap"><table><thead><tr><th>#</th><th>${t('common.kind')}</th><th>${t('common.status')}</th><th>${t('common.started')}</th><th>${t('common.finished')}</th></tr></thead><tbody>
${d.lastBatches.map((b) => html`<tr><td>${b.id}</td><td>${label('batchKind', b.kind)}</td><td><span class="badge ${b.status}">${label('status', b.status)}</span></td><td>${when(b.started_at)}</td><td>${when(b.finished_at)}</td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">${t('dash.noBatch')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.dashboard'), active: '/', body, ...chartAssets });
  });
}
