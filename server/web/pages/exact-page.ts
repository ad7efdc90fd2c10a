/** Exact Online: the live link's state, what was sent, and the two buttons of seed 001 (send, fetch payments). */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
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
        ? html`Connected to <strong>${s.baseUrl}</strong>, division <strong>${s.division ?? 'not chosen'}</strong> ${s.divisionName ?? ''} — access token until ${when(s.accessExpiresAt)}${s.rate ? html`, ${s.rate.minutelyRemaining ?? '?'} calls left this minute, ${s.rate.dailyRemaining ?? '?'} today` : ''}.`
        : html`Not connected: <code>tillsync server exact connect --data DIR --client-id … --client-secret …</code> (docs/exact-online.md).`
    }</p>
${
  s.connected
    ? html`<form class="toolbar" method="post" action="${BASE}/exact/push">
  <label>From <input type="date" name="from" value="${today.slice(0, 8)}01" required></label>
  <label>To <input type="date" name="to" value="${today}" required></label>
  <label>Invoice numbers <input type="text" name="numbers" placeholder="F00000001-F00000020"></label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="pdf" value="1" checked> include PDF</label>
  <button type="submit" id="exact-push">Send customers and invoices</button>
</form>
<form class="toolbar" method="post" action="${BASE}/exact/pull"><button type="submit" id="exact-pull" class="secondary">Fetch payments from Exact</button></form>`
    : ''
}
<h2>Sales entries sent</h2>
${
  sends.length
    ? html`<div class="table-wrap"><table id="exact-sends"><thead><tr><th>Invoice</th><th>Journal</th><th>Division</th><th>State</th><th>Exact entry</th><th>PDF</th><th>Sent</th><th>Export</th></tr></thead><tbody>
${sends.map((x) => html`<tr data-piece="${x.piece}" data-state="${x.state}"><td>${x.piece}</td><td>${x.journal}</td><td>${x.division}</td><td><span class="badge${x.state === 'sent' ? '' : ' error'}">${x.state}</span></td><td>${x.exact_entry_number ?? ''}</td><td>${x.exact_document_id ? 'yes' : ''}</td><td>${when(x.sent_at)}</td><td>${x.export_id ?? ''}</td></tr>`)}</tbody></table></div>`
    : html`<p class="empty">Nothing sent to Exact Online yet.</p>`
}`;
    renderPage(req, res, ctx, { title: 'Exact Online', active: '/exact', body });
  });

  r.post(
    '/exact/push',
    action('/exact', async (req, res) => {
      const from = str(req.body?.from);
      const to = str(req.body?.to);
      if (!DAY.test(from) || !DAY.test(to) || from > to) throw new TillsyncError('usage', `invalid period ${from} → ${to}`, { hint: 'give two days YYYY-MM-DD, the first one not after the second' });
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
