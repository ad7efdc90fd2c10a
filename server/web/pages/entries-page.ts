/**
 * Journal entries. Top: the entries the next posting would create (seed 002 "Liste des écritures"),
 * every one checked; unchecking an entry leaves its documents out of the posting. Below: the
 * entries already posted, with the posting batches and their undo.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
import { label, t } from '../i18n/index.ts';
import { batchSentence } from '../summaries.ts';
import { postingUndoRefusal } from '../../accounting/undo-posting.ts';
import { entryGrid } from '../entry-grid.ts';
import { journalCodes, searchEntries } from '../entries-queries.ts';
import { listBatches } from '../batches-queries.ts';
import { engineText } from '../engine-text.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { yesterday } from '../../integration/filters.ts';
import { postPosting, postingPreview, undoPostingBatch } from '../feature-calls.ts';

export function mountEntries(r: Router, ctx: ServerContext): void {
  r.get('/entries', async (req: AuthedRequest, res) => {
    const until = str(req.query.until) || yesterday();
    const f = { from: str(req.query.from), to: str(req.query.to), journal: str(req.query.journal), piece: str(req.query.piece), account: str(req.query.account), batch: Number(req.query.batch) || undefined };
    let previewPart;
    try {
      const p = await postingPreview(ctx, { until: until || undefined });
      previewPart = p.entries.length
        ? html`<form method="post" action="${BASE}/entries/post" id="posting-form" class="checkgrid-form">
<input type="hidden" name="until" value="${until}">
${p.problems.length ? html`<p class="flash error">${t('entries.problems', { n: p.problems.length, list: p.problems.slice(0, 5).map((x) => x.message).join('; ') })}</p>` : ''}
${entryGrid(p.entries, { checkable: true, id: 'posting-preview' })}
<div class="footer-bar"><span class="muted">${t('entries.uncheck')}</span>
<button type="submit" id="post-entries">${t('entries.create')}</button></div>
</form>`
        : html`<p class="empty">${t('entries.nothing')}</p>`;
    } catch (e) {
      previewPart = html`<p class="flash error">${errorText(e)}</p>`;
    }
    const [posted, journals, batches] = await Promise.all([searchEntries(ctx.db, f), journalCodes(ctx.db), listBatches(ctx.db, 'posting', 15)]);
    // Undo is offered only where `server undo` would accept it (one rule: postingUndoCheck); elsewhere its reason is shown.
    const refusals = new Map<number, string>();
    for (const b of batches) {
      if (b.status !== 'done') continue;
      const r = await postingUndoRefusal(ctx.db, b.id);
      if (r) refusals.set(b.id, t('grid.undoRefused', { reason: engineText(r) }));
    }
    const body = html`<form class="filters" method="get" action="${BASE}/entries">
  <label>${t('entries.until')} <input type="date" name="until" value="${until}"></label>
  <button type="submit">${t('entries.preview')}</button>
</form>
<h2>${t('entries.toCreate')}</h2>
${previewPart}
<h2 id="posted">${t('entries.posted')}</h2>
<form class="filters" method="get" action="${BASE}/entries#posted">
  <label>${t('common.from')} <input type="date" name="from" value="${f.from}"></label>
  <label>${t('common.to')} <input type="date" name="to" value="${f.to}"></label>
  <label>${t('common.journal')} <select name="journal">${['', ...journals].map((j) => html`<option value="${j}" ${j === f.journal ? html`selected` : ''}>${j || t('common.all')}</option>`)}</select></label>
  <label>${t('entries.piece')} <input type="text" name="piece" value="${f.piece}"></label>
  <label>${t('common.account')} <input type="text" name="account" value="${f.account}" placeholder="${t('entries.account.placeholder')}"></label>
  <button type="submit">${t('common.filter')}</button>
</form>
${posted.length ? entryGrid(posted, { checkable: false, id: 'posted-entries' }) : html`<p class="empty">${t('entries.noneMatch')}</p>`}
<h2 id="posting-batches">${t('entries.batches')}</h2>
${
  batches.length
    ? html`<div class="table-wrap"><table><thead><tr><th>#</th><th>${t('common.status')}</th><th>${t('common.started')}</th><th>${t('common.summary')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${label('status', b.status)}</span></td><td>${when(b.startedAt)}</td><td class="wrap summary">${batchSentence('posting', b.summary)}</td>
<td><a href="${BASE}/entries${query({ batch: b.id })}#posted">${t('entries.batch.entries')}</a>${
    b.status !== 'done'
      ? ''
      : refusals.has(b.id)
        ? html` <span class="muted undo-refused">${refusals.get(b.id)}</span>`
        : html` <form class="inline" method="post" action="${BASE}/posting-batches/${b.id}/undo"><button type="submit" class="danger">${t('common.undo')}</button></form>`
  }</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('entries.noBatch')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.entries'), active: '/entries', body });
  });

  r.post(
    '/entries/post',
    action('/entries', async (req, res) => {
      // Each line of an entry carries its own box (as in the seed): an entry is kept only if all
      // its lines stay checked, and a document is left out as soon as one of its entries is not.
      const ticks = new Map<string, number>();
      for (const v of list(req.body?.entry)) ticks.set(v, (ticks.get(v) ?? 0) + 1);
      const exclude = new Set<string>();
      let keptEntries = 0;
      for (const e of list(req.body?.e_docs)) {
        const [i, n, ...docs] = e.split(/[:\s]+/);
        if (!docs.some(Boolean) || (ticks.get(i) ?? 0) >= Number(n)) keptEntries++;
        else for (const d of docs) if (d) exclude.add(d);
      }
      if (keptEntries === 0) throw new Error(t('entries.noneChecked'));
      const out = await postPosting(ctx, { until: str(req.body?.until) || undefined, exclude: [...exclude] });
      redirectWith(res, '/entries#posted', 'ok', out.message);
    }),
  );

  r.post(
    '/posting-batches/:id/undo',
    action('/entries#posting-batches', async (req, res) => {
      const out = await undoPostingBatch(ctx, Number(req.params.id));
      redirectWith(res, '/entries#posting-batches', 'ok', out.message);
    }),
  );
}
