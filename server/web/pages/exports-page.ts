/** Exports: make an FEC / Exact XML / CSV / accounting-software file of the posted entries, as posted or through an export profile, and download past files. */
import { existsSync } from 'node:fs';
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, when } from '../format.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { exportSentence } from '../summaries.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { exportProfiles, makeExport, type ExportRequest } from '../feature-calls.ts';
import { TillsyncError } from '../../../sync/errors.ts';

const FORMATS: { code: ExportRequest['format']; label: MessageKey }[] = [
  { code: 'fec', label: 'exports.format.fec' },
  { code: 'exact', label: 'exports.format.exact' },
  { code: 'csv', label: 'exports.format.csv' },
  { code: 'sage', label: 'exports.format.sage' },
  { code: 'ebp', label: 'exports.format.ebp' },
  { code: 'ciel', label: 'exports.format.ciel' },
  { code: 'quadratus', label: 'exports.format.quadratus' },
  { code: 'cegid', label: 'exports.format.cegid' },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function mountExports(r: Router, ctx: ServerContext): void {
  r.get('/exports', async (req: AuthedRequest, res) => {
    const rows = await ctx.db.selectFrom('exports').selectAll().orderBy('id', 'desc').limit(100).execute();
    const year = new Date().getFullYear();
    const profiles = exportProfiles(ctx);
    const body = html`<form class="toolbar" method="post" action="${BASE}/exports">
  <label>${t('exports.format')} <select name="format">${FORMATS.map((f) => html`<option value="${f.code}">${t(f.label)}</option>`)}</select></label>
  ${profiles.length ? html`<label>${t('exports.profile')} <select name="profile"><option value="">${t('exports.profileNone')}</option>${profiles.map((p) => html`<option value="${p.name}">${p.name} (${p.format})</option>`)}</select></label>` : ''}
  <label>${t('common.from')} <input type="date" name="from" value="${year}-01-01" required></label>
  <label>${t('common.to')} <input type="date" name="to" value="${year}-12-31" required></label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="include_exported" value="1"> ${t('exports.includeExported')}</label>
  <button type="submit" id="make-export">${t('exports.make')}</button>
</form>
<h2>${t('exports.files')}</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table id="exports"><thead><tr><th>#</th><th>${t('exports.format')}</th><th>${t('common.file')}</th><th>${t('exports.period')}</th><th>${t('common.summary')}</th><th class="num">${t('exports.entries')}</th><th class="num">${t('exports.lines')}</th><th class="num">${t('common.debit')}</th><th class="num">${t('common.credit')}</th><th>${t('exports.made')}</th><th>${t('exports.mailed')}</th><th><span class="sr-only">${t('exports.download')}</span></th></tr></thead><tbody>
${rows.map(
  (x) => html`<tr data-export="${x.id}"><td>${x.id}</td><td>${x.format.toUpperCase()}${x.profile ? ` [${x.profile}]` : ''}</td><td>${x.file_name}</td><td>${t('common.period', { from: day(x.date_from), to: day(x.date_to) })}</td><td class="wrap summary">${exportSentence(x)}</td>
<td class="num">${x.entry_count}</td><td class="num">${x.line_count}</td><td class="num">${amount(x.total_debit)}</td><td class="num">${amount(x.total_credit)}</td><td>${when(x.created_at)}</td>
<td>${x.mail_error ? html`<span class="badge error" title="${x.mail_error}">${t('exports.mailFailed')}</span>` : x.mailed_to ? html`<span title="${x.mailed_to}">${when(x.mailed_at)}</span>` : ''}</td>
<td>${x.format === 'exact-online' ? html`<a href="${BASE}/exact">${t('exports.sentByApi')}</a>` : html`<a class="button secondary" href="${BASE}/exports/${x.id}/download" download>${t('exports.download')}</a>`}</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('exports.none')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.exports'), active: '/exports', body });
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
