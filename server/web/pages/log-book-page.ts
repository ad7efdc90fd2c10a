/** Log book with filters, and the packages list where quarantined packages can be reprocessed. */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { listPackages, logBookChoices, searchLogBook } from '../log-book-queries.ts';
import { when } from '../format.ts';
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
    const opt = (v: string, cur: string) => html`<option value="${v}" ${v === cur ? html`selected` : ''}>${v || 'all'}</option>`;
    const body = html`<form class="filters" method="get" action="${BASE}/log">
  <label>Severity <select name="severity">${['', ...SEVERITIES].map((s) => opt(s, f.severity))}</select></label>
  <label>Till <input type="text" name="till" value="${f.till}" list="tills" placeholder="e.g. S1-01"></label>
  <datalist id="tills">${choices.tills.map((t) => html`<option value="${t}">`)}</datalist>
  <label>Channel <select name="channel">${['', ...choices.channels].map((c) => opt(c, f.channel))}</select></label>
  <label>Text <input type="search" name="text" value="${f.text}" placeholder="message, file or ticket"></label>
  <button type="submit">Filter</button>
  <a class="button secondary" href="${BASE}/log">Clear</a>
</form>
<h2 id="packages">Quarantine (${quarantined.length} file${quarantined.length === 1 ? '' : 's'})</h2>
${
  quarantined.length
    ? html`<div class="table-wrap"><table id="quarantine"><thead><tr><th>File</th><th>Channel</th><th>Refused</th><th>Reason</th><th></th></tr></thead><tbody>
${quarantined.map(
  (q) => html`<tr data-file="${q.name}"><td>${q.name}</td><td>${q.channel}</td><td>${when(q.at)}</td><td class="wrap"><strong>${q.reason}</strong> ${q.message}${q.hint ? html`<br><span class="muted">${q.hint}</span>` : ''}</td>
<td><form class="inline" method="post" action="${BASE}/quarantine/reprocess"><input type="hidden" name="file" value="${q.name}"><button type="submit" class="secondary">Reprocess</button></form></td></tr>`,
)}
</tbody></table></div>
<p class="muted">Fix the cause first (enrol the till, give it the right secret…), then reprocess: the file goes through intake again and leaves quarantine once accepted.</p>`
    : html`<p class="empty">Nothing in quarantine.</p>`
}
<h2>Events (${rows.length}${rows.length === 300 ? '+, refine the filters' : ''})</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table id="log"><thead><tr><th>When</th><th>Severity</th><th>Channel</th><th>Till</th><th>File</th><th>Ticket</th><th>Message</th></tr></thead><tbody>
${rows.map(
  (e) => html`<tr><td>${when(e.at)}</td><td><span class="badge ${e.severity}">${e.severity}</span></td><td>${e.channel ?? ''}</td><td>${e.till ?? ''}</td><td>${e.file ?? ''}</td><td>${e.ticket ?? ''}</td><td class="wrap">${e.message}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">No event matches.</p>`
}
<h2>Last packages received</h2>
${
  recent.length
    ? html`<div class="table-wrap"><table><thead><tr><th>#</th><th>File</th><th>Channel</th><th>Till</th><th>Status</th><th class="num">Tickets</th><th class="num">New</th><th class="num">Dup.</th><th class="num">Conflicts</th><th class="num">Errors</th><th>Received</th></tr></thead><tbody>
${recent.map(
  (p) => html`<tr><td>${p.id}</td><td>${p.file_name}</td><td>${p.channel}</td><td>${p.till_id ?? ''}</td><td><span class="badge ${p.status}">${p.status}</span></td><td class="num">${p.ticket_count}</td><td class="num">${p.new_count}</td><td class="num">${p.duplicate_count}</td><td class="num">${p.conflict_count}</td><td class="num">${p.error_count}</td><td>${when(p.received_at)}</td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="empty">No package received yet.</p>`
}`;
    renderPage(req, res, ctx, { title: 'Log book', active: '/log', body });
  });

  r.post(
    '/quarantine/reprocess',
    action('/log#packages', async (req, res) => {
      const outcome = await reprocessQuarantined(ctx, str(req.body?.file));
      redirectWith(res, '/log#packages', outcome.accepted ? 'ok' : 'err', outcome.message);
    }),
  );
}
