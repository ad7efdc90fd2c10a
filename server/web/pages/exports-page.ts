/** Exports: make an FEC / Exact XML / CSV / accounting-software file of the posted entries, as posted or through an export profile, and download past files. */
import { existsSync } from 'node:fs';
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, when } from '../format.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { exportProfiles, makeExport, type ExportRequest } from '../feature-calls.ts';
import { TillsyncError } from '../../../sync/errors.ts';

const FORMATS: { code: ExportRequest['format']; label: string }[] = [
  { code: 'fec', label: 'FEC (Fichier des écritures comptables)' },
  { code: 'exact', label: 'Exact Online XML' },
  { code: 'csv', label: 'CSV' },
  { code: 'sage', label: 'Sage 100 (PNM)' },
  { code: 'ebp', label: 'EBP (ASCII)' },
  { code: 'ciel', label: 'Ciel (XIMPORT)' },
  { code: 'quadratus', label: 'Quadratus (ASCII)' },
  { code: 'cegid', label: 'Cegid (TRA)' },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function mountExports(r: Router, ctx: ServerContext): void {
  r.get('/exports', async (req: AuthedRequest, res) => {
    const rows = await ctx.db.selectFrom('exports').selectAll().orderBy('id', 'desc').limit(100).execute();
    const year = new Date().getFullYear();
    const profiles = exportProfiles(ctx);
    const body = html`<form class="toolbar" method="post" action="${BASE}/exports">
  <label>Format <select name="format">${FORMATS.map((f) => html`<option value="${f.code}">${f.label}</option>`)}</select></label>
  ${profiles.length ? html`<label>Profile <select name="profile"><option value="">none: the books as posted</option>${profiles.map((p) => html`<option value="${p.name}">${p.name} (${p.format})</option>`)}</select></label>` : ''}
  <label>From <input type="date" name="from" value="${year}-01-01" required></label>
  <label>To <input type="date" name="to" value="${year}-12-31" required></label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="include_exported" value="1"> include entries already exported</label>
  <button type="submit" id="make-export">Make the export</button>
</form>
<h2>Export files</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table id="exports"><thead><tr><th>#</th><th>Format</th><th>File</th><th>Period</th><th>Trigger</th><th class="num">Entries</th><th class="num">Lines</th><th class="num">Debit</th><th class="num">Credit</th><th>Made</th><th>Mailed</th><th></th></tr></thead><tbody>
${rows.map(
  (x) => html`<tr data-export="${x.id}"><td>${x.id}</td><td>${x.format.toUpperCase()}${x.profile ? ` [${x.profile}]` : ''}</td><td>${x.file_name}</td><td>${x.date_from} → ${x.date_to}</td><td>${x.trigger}</td>
<td class="num">${x.entry_count}</td><td class="num">${x.line_count}</td><td class="num">${amount(x.total_debit)}</td><td class="num">${amount(x.total_credit)}</td><td>${when(x.created_at)}</td>
<td>${x.mail_error ? html`<span class="badge error" title="${x.mail_error}">failed</span>` : x.mailed_to ? html`<span title="${x.mailed_to}">${when(x.mailed_at)}</span>` : ''}</td>
<td>${x.format === 'exact-online' ? html`<a href="${BASE}/exact">sent by API</a>` : html`<a class="button secondary" href="${BASE}/exports/${x.id}/download" download>Download</a>`}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">No export yet.</p>`
}`;
    renderPage(req, res, ctx, { title: 'Exports', active: '/exports', body });
  });

  r.post(
    '/exports',
    action('/exports', async (req, res) => {
      const format = str(req.body?.format) as ExportRequest['format'];
      const profile = str(req.body?.profile) || null;
      // A profile names its own format; the format list is for exports without one.
      if (!profile && !FORMATS.some((f) => f.code === format)) throw new TillsyncError('usage', `unknown export format "${format}"`, { hint: 'choose one in the list' });
      if (profile && !exportProfiles(ctx).some((p) => p.name === profile)) throw new TillsyncError('usage', `unknown or invalid export profile "${profile}"`, { hint: 'check it: tillsync server config check --profile NAME' });
      const from = str(req.body?.from);
      const to = str(req.body?.to);
      if (!DAY.test(from) || !DAY.test(to) || from > to) throw new TillsyncError('usage', `invalid period ${from} → ${to}`, { hint: 'give two days YYYY-MM-DD, the first one not after the second' });
      const out = await makeExport(ctx, { format, from, to, includeExported: str(req.body?.include_exported) === '1', profile });
      redirectWith(res, '/exports', out.written ? 'ok' : 'err', out.message);
    }),
  );

  r.get('/exports/:id/download', async (req, res) => {
    const row = await ctx.db.selectFrom('exports').selectAll().where('id', '=', Number(req.params.id)).executeTakeFirst();
    if (!row) throw new TillsyncError('not-found', `export #${req.params.id} does not exist`, { status: 404 });
    if (!existsSync(row.file)) throw new TillsyncError('not-found', `the file of export #${row.id} is gone: ${row.file}`, { hint: 'make the export again' });
    res.download(row.file, row.file_name);
  });
}
