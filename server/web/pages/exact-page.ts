/** Exact Online: the live link's state, what was sent, and the two buttons of seed 001 (send, fetch payments). */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
import { label, t, th } from '../i18n/index.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { exactLinkStatus, exactPull, exactPush } from '../feature-calls.ts';
import { TillsyncError } from '../../../sync/errors.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function mountExact(r: Router, ctx: ServerContext): void {
  r.get('/exact', async (req: AuthedRequest, res) => {
    const s = exactLinkStatus(ctx);
    const sends = await ctx.db.selectFrom('exact_sends').selectAll().orderBy('id', 'desc').limit(200).execute();
    const today = new Date().toISOString().slice(0, 10);
    const body = html`<p id="exact-status" data-connected="${s.connected ? 'yes' : 'no'}">${
      s.connected
        ? th('exact.connected', {
            url: html`<strong>${s.baseUrl}</strong>`,
            division: html`<strong>${s.division ?? t('exact.noDivision')}</strong>`,
            name: s.divisionName ?? '',
            until: when(s.accessExpiresAt),
            rate: s.rate ? t('exact.rate', { minute: s.rate.minutelyRemaining ?? '?', day: s.rate.dailyRemaining ?? '?' }) : '',
          })
        : th('exact.notConnected', { command: html`<code>tillsync server exact connect --data DIR --client-id … --client-secret …</code>` })
    }</p>
${
  s.connected
    ? html`<form class="toolbar" method="post" action="${BASE}/exact/push">
  <label>${t('common.from')} <input type="date" name="from" value="${today.slice(0, 8)}01" required></label>
  <label>${t('common.to')} <input type="date" name="to" value="${today}" required></label>
  <label>${t('exact.numbers')} <input type="text" name="numbers" placeholder="${t('exact.numbers.placeholder')}"></label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="pdf" value="1" checked> ${t('exact.pdf')}</label>
  <button type="submit" id="exact-push">${t('exact.push')}</button>
</form>
<form class="toolbar" method="post" action="${BASE}/exact/pull"><button type="submit" id="exact-pull" class="secondary">${t('exact.pull')}</button></form>`
    : ''
}
<h2>${t('exact.sent')}</h2>
${
  sends.length
    ? html`<div class="table-wrap"><table id="exact-sends"><thead><tr><th>${t('exact.col.invoice')}</th><th>${t('common.journal')}</th><th>${t('exact.col.division')}</th><th>${t('common.status')}</th><th>${t('exact.col.entry')}</th><th>PDF</th><th>${t('exact.col.sent')}</th><th>${t('exact.col.export')}</th></tr></thead><tbody>
${sends.map((x) => html`<tr data-piece="${x.piece}" data-state="${x.state}"><td>${x.piece}</td><td>${x.journal}</td><td>${x.division}</td><td><span class="badge${x.state === 'sent' ? '' : ' error'}">${label('status', x.state)}</span></td><td>${x.exact_entry_number ?? ''}</td><td>${x.exact_document_id ? t('exact.pdfAttached') : ''}</td><td>${when(x.sent_at)}</td><td>${x.export_id ?? ''}</td></tr>`)}</tbody></table></div>`
    : html`<p class="empty">${t('exact.none')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.exact'), active: '/exact', body });
  });

  r.post(
    '/exact/push',
    action('/exact', async (req, res) => {
      const from = str(req.body?.from);
      const to = str(req.body?.to);
      if (!DAY.test(from) || !DAY.test(to) || from > to) throw new TillsyncError('usage', t('exact.badPeriod', { from, to }), { hint: t('exact.badPeriod.hint') });
      const out = await exactPush(ctx, { from, to, numbers: str(req.body?.numbers) || null, withPdf: str(req.body?.pdf) === '1' });
      redirectWith(res, '/exact', out.ok ? 'ok' : 'err', out.message);
    }),
  );

  r.post(
    '/exact/pull',
    action('/exact', async (_req, res) => {
      const out = await exactPull(ctx);
      redirectWith(res, '/exact', 'ok', out.message);
    }),
  );
}
