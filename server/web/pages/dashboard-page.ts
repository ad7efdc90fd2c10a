/** Dashboard: tills and their health, what waits in the inbox and in quarantine, pending work. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { loadDashboard, type TillRow } from '../dashboard-queries.ts';
import { formatGap } from '../../intake/gaps.ts';
import { ago, when } from '../format.ts';
import { renderPage, type AuthedRequest } from '../respond.ts';

function card(n: number | string, label: string, level: '' | 'bad' | 'warn' = '', href?: string) {
  const inner = html`<div class="n">${n}</div><div class="l">${label}</div>`;
  return html`<div class="card ${level}" data-card="${label}">${href ? html`<a href="${href}" class="card-link">${inner}</a>` : inner}</div>`;
}

function tillRow(t: TillRow, now: Date) {
  const stale = !t.lastContactAt || now.getTime() - Date.parse(t.lastContactAt) > 3600_000;
  return html`<tr data-till="${t.id}">
  <td><strong>${t.id}</strong></td>
  <td title="${when(t.lastContactAt)}"><span class="badge ${stale ? 'warning' : 'info'}">${ago(t.lastContactAt, now)}</span></td>
  <td class="num">${t.tickets}</td>
  <td class="num">${t.lastNumber === null ? '' : html`${t.firstNumber ?? ''} – ${t.lastNumber}`}</td>
  <td class="gaps">${t.gaps.length ? html`<span class="badge error" title="${t.gaps.map(formatGap).join(', ')}">${t.missing} missing</span> <span class="muted">${t.gaps.slice(0, 3).map(formatGap).join(', ')}${t.gaps.length > 3 ? '…' : ''}</span>` : '—'}</td>
  <td class="num">${t.missingFromClosures ? html`<span class="badge error">${t.missingFromClosures}</span>` : '0'}</td>
  <td class="num">${t.unsyncedEstimate ? html`<span class="badge warning">≈ ${t.unsyncedEstimate}</span>` : '0'}</td>
  <td class="num">${t.degraded}</td>
  <td class="num">${t.errors ? html`<span class="badge error">${t.errors}</span>` : '0'}</td>
  <td class="num">${t.openConflicts ? html`<span class="badge error">${t.openConflicts}</span>` : '0'}</td>
  <td>${t.lastClosureDay ?? ''}</td>
  <td class="closures">${closureCell(t)}</td>
</tr>`;
}

/** NF525 closure state: last month and year closed, signing key, chain whole or not. */
function closureCell(t: TillRow) {
  const c = t.closures;
  if (!c) return html`<span class="muted">none</span>`;
  const bad = c.chainProblems.length > 0;
  return html`<span title="${c.chainProblems.join('; ') || 'every chain whole'}" class="badge ${bad ? 'error' : c.unsigned ? 'warning' : 'info'}">${bad ? 'chain broken' : c.unsigned ? `${c.unsigned} unsigned` : 'signed'}</span> <span class="muted">M ${c.last.month?.period ?? '—'} · A ${c.last.year?.period ?? '—'}${c.keyFingerprint ? html` · key <code>${c.keyFingerprint}</code>` : ''}</span>`;
}

export function mountDashboard(r: Router, ctx: ServerContext): void {
  r.get('/', async (req: AuthedRequest, res) => {
    const now = new Date();
    const d = await loadDashboard(ctx, now);
    const s = d.status;
    const missing = d.tills.reduce((a, t) => a + t.missing + t.missingFromClosures, 0);
    const body = html`<section class="cards">
  ${card(d.tills.length, 'tills')}
  ${card(missing, 'missing tickets', missing ? 'bad' : '')}
  ${card(s.inbox.waiting, 'files in inbox', s.inbox.waiting ? 'warn' : '')}
  ${card(s.inbox.quarantined, 'files in quarantine', s.inbox.quarantined ? 'bad' : '', `${BASE}/log#packages`)}
  ${card(d.pendingTickets, 'tickets to integrate', '', `${BASE}/control`)}
  ${card(d.errorTickets, 'tickets in error', d.errorTickets ? 'bad' : '', `${BASE}/log?severity=error`)}
  ${card(d.unpostedDocuments, 'documents to post', '', `${BASE}/entries`)}
  ${card(d.entries, 'journal entries', '', `${BASE}/entries#posted`)}
  ${card(d.openSettlements, 'open settlement items', d.openSettlements ? 'warn' : '', `${BASE}/open-items`)}
  ${card(s.conflicts.open, 'ticket conflicts', s.conflicts.open ? 'bad' : '', `${BASE}/log?text=conflict`)}
  ${card(d.recentErrors, 'errors in 24 h', d.recentErrors ? 'bad' : '', `${BASE}/log?severity=error`)}
</section>
<p class="muted">Database ${s.database.kind} ${s.database.where} · inbox ${s.inbox.path} · packages ${s.packages.accepted} accepted, ${s.packages.quarantined} quarantined, ${s.packages.rejected} rejected</p>
<h2>Tills</h2>
${
  d.tills.length
    ? html`<div class="table-wrap"><table id="tills">
<thead><tr><th>Till</th><th>Last contact</th><th class="num">Tickets</th><th class="num">Numbers</th><th>Gaps</th><th class="num" title="Counted in a Z report, not received">Missing after Z</th><th class="num" title="Average tickets per day × days since last contact">Unsynced (est.)</th><th class="num">Degraded</th><th class="num">In error</th><th class="num">Conflicts</th><th>Last Z</th><th title="NF525: monthly and fiscal-year closures, signature, chain">Closures</th></tr></thead>
<tbody>${d.tills.map((t) => tillRow(t, now))}</tbody></table></div>`
    : html`<p class="empty">No till enrolled yet (<code>tillsync server enroll-till --data ${ctx.data} --store ${ctx.config.store} --till 01</code>).</p>`
}
<h2>Recent batches</h2>
${
  d.lastBatches.length
    ? html`<div class="table-wrap"><table><thead><tr><th>#</th><th>Kind</th><th>Status</th><th>Started</th><th>Finished</th></tr></thead><tbody>
${d.lastBatches.map((b) => html`<tr><td>${b.id}</td><td>${b.kind}</td><td><span class="badge ${b.status}">${b.status}</span></td><td>${when(b.started_at)}</td><td>${when(b.finished_at)}</td></tr>`)}
</tbody></table></div>`
    : html`<p class="empty">No batch yet.</p>`
}`;
    renderPage(req, res, ctx, { title: 'Dashboard', active: '/', body });
  });
}
