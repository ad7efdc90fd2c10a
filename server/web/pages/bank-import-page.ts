/**
 * Bank statements (seed 001: payments flow back): upload a camt.053 or CFONB 120 statement, see
 * each credit line's proposed match with the rule that found it (invoice number, customer + exact
 * amount, amount + date window), confirm (ticked) or reject (unticked) each, and book the
 * confirmed ones: bank entries, lettering, effets paid, one batch. Unmatched lines are listed apart
 * with why, never guessed. The grid is `server import-bank --preview` on the uploaded file and
 * booking is `server import-bank --skip …` (import-calls.ts): one rule for page and CLI.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, when } from '../format.ts';
import { batchSentence } from '../summaries.ts';
import { label, t, th, type MessageKey } from '../i18n/index.ts';
import { engineText } from '../engine-text.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import type { MultipartRequest } from '../multipart.ts';
import { loadDraft, recentUploads, saveDraft, saveUpload, ID_PATTERN, type ImportDraft } from '../import-uploads.ts';
import { bankBatches, bankGrid, bookBank } from '../import-calls.ts';
import type { BankGridRow } from '../../imports/bank-run.ts';

const PAGE = '/imports/bank';

/** The matching rules, in the order they are tried (server/imports/bank-match.ts). */
const RULES = ['invoice-number', 'customer-amount', 'amount-date'];

function ruleLabel(rule: string): string {
  return RULES.includes(rule) ? t(`bank.rule.${rule}` as MessageKey) : rule;
}

const VERDICT_BADGE: Record<string, string> = { import: 'done', unticked: 'undone', already: 'info', skip: 'undone', unmatched: 'warning' };

function ruleText(r: BankGridRow): string {
  return r.rule ? ruleLabel(r.rule) : '';
}

async function batchesSection(ctx: ServerContext) {
  const batches = await bankBatches(ctx);
  if (!batches.length) return html``;
  return html`<h2 id="batches">${t('bank.batches')}</h2>
<div class="table-wrap"><table id="bank-batches"><thead><tr><th>#</th><th>${t('common.status')}</th><th>${t('common.file')}</th><th>${t('common.started')}</th><th>${t('common.summary')}</th></tr></thead><tbody>
${batches.map((b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${label('status', b.status)}</span></td><td>${String(b.params.file ?? '').split(/[\\/]/).pop()}</td><td>${when(b.startedAt)}</td><td class="wrap summary">${batchSentence('import-bank', b.summary)}</td></tr>`)}
</tbody></table></div>
<p class="muted">${th('bank.undo.explain', { command: html`<code>tillsync server undo --batch N</code>` })}</p>`;
}

function uploadForm() {
  return html`<form method="post" action="${BASE}${PAGE}/upload" enctype="multipart/form-data" class="toolbar" id="bank-upload">
  <label>${t('bank.statement')} <input type="file" name="statement" required></label>
  <button type="submit">${t('bank.upload')}</button>
  <span class="muted">${t('bank.uploadHint')}</span>
</form>`;
}

async function renderHome(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1]) {
  const uploads = recentUploads(ctx.data, 'bank');
  const body = html`${uploadForm()}
${uploads.length ? html`<h2>${t('imports.recent')}</h2><ul id="bank-uploads">${uploads.map((u) => html`<li><a href="${BASE}${PAGE}/${u.id}">${u.name}</a> <span class="muted">${t('bank.uploaded', { at: when(u.uploadedAt), by: u.by })}</span></li>`)}</ul>` : ''}
${await batchesSection(ctx)}`;
  renderPage(req, res, ctx, { title: t('bank.title'), active: PAGE, body });
}

function row(r: BankGridRow, tickable: boolean) {
  const on = r.verdict === 'import';
  return html`<tr class="${on ? '' : 'unchecked'}" data-line="${r.line}" data-verdict="${r.verdict}">
  <td class="keep">${tickable ? html`<input type="checkbox" name="line" value="${r.line}" ${on ? html`checked` : ''} aria-label="${t('bank.confirmLine', { line: r.line })}">` : ''}</td>
  <td>${r.line}</td><td>${day(r.date)}</td><td class="num">${r.side === 'D' ? '-' : ''}${amount(r.amount)}</td><td>${r.name ?? ''}</td><td class="wrap">${r.remittance}</td>
  <td class="rule">${ruleText(r)}</td>
  <td class="invoices">${r.invoices.map((i) => html`<div>${i.invoice} <span class="muted">${i.customer}</span> ${amount(i.amount)}</div>`)}</td>
  <td class="wrap"><span class="badge ${VERDICT_BADGE[r.verdict] ?? ''}">${r.verdict === 'already' ? t('bank.verdict.already') : label('verdict', r.verdict)}</span> ${engineText(r)}</td>
</tr>`;
}

async function renderGrid(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1], d: ImportDraft) {
  let s: Awaited<ReturnType<typeof bankGrid>> | null = null;
  let problem = '';
  try {
    s = await bankGrid(ctx, d);
  } catch (e) {
    problem = errorText(e);
  }
  const head = html`<p id="bank-file">${th('bank.file', { name: html`<strong>${d.name}</strong>` })}${s ? t('bank.statements', { format: s.format, n: s.statements.length }) : ''} · <a href="${BASE}${PAGE}">${t('imports.another')}</a></p>`;
  if (!s) return renderPage(req, res, ctx, { title: t('bank.gridTitle'), active: PAGE, status: 400, body: html`${head}<p class="flash error" role="alert">${problem}</p>${await batchesSection(ctx)}` });
  const proposed = s.grid.filter((r) => r.verdict === 'import' || r.verdict === 'unticked');
  const unmatched = s.grid.filter((r) => r.verdict === 'unmatched');
  const others = s.grid.filter((r) => r.verdict === 'already' || r.verdict === 'skip');
  const c = s.counts;
  const table = (id: string, rows: BankGridRow[], tickable: boolean) => html`<div class="table-wrap"><table class="checkgrid" id="${id}">
<thead><tr><th>${tickable && rows.length ? html`<input type="checkbox" class="check-all" aria-label="${t('bank.checkAll')}">` : ''}</th><th>${t('imports.col.line')}</th><th>${t('common.date')}</th><th class="num">${t('bank.col.amount')}</th><th>${t('bank.col.payer')}</th><th>${t('bank.col.remittance')}</th><th>${t('bank.col.rule')}</th><th>${t('bank.col.invoices')}</th><th>${t('imports.col.verdict')}</th></tr></thead>
<tbody>${rows.map((r) => row(r, tickable))}</tbody></table></div>`;
  const body = html`${head}
<p class="muted" id="bank-counts">${t('bank.counts', { lines: s.grid.length, import: c.import, unticked: c.unticked, unmatched: c.unmatched, already: c.already, skip: c.skip })}</p>
${s.problems.length ? html`<div class="flash error" id="bank-problems"><strong>${t('bank.problems', { n: s.problems.length })}</strong><ul>${s.problems.slice(0, 8).map((p) => html`<li>${t('bank.problemLine', { line: p.line, message: p.message })}</li>`)}</ul></div>` : ''}
<h2>${t('bank.proposed')}</h2>
${
  proposed.length
    ? html`<form method="post" action="${BASE}${PAGE}/${d.id}" id="bank-form">
${proposed.map((r) => html`<input type="hidden" name="shown" value="${r.line}">`)}
${table('bank-grid', proposed, true)}
<div class="footer-bar">
  <span id="bank-summary">${th('bank.footer', { checked: html`<strong class="checked-count">${c.import}</strong>`, amount: amount(s.booked) })}</span>
  <span class="apply"><button type="submit" name="op" value="save" class="secondary" id="save-ticks">${t('bank.save')}</button>
  <button type="submit" name="op" value="book" id="book">${t('bank.book')}</button></span>
</div>
</form>`
    : html`<p class="empty">${t('bank.noMatch')}</p>`
}
<h2 id="unmatched">${t('bank.unmatched')}</h2>
${unmatched.length ? table('bank-unmatched', unmatched, false) : html`<p class="empty">${t('bank.allMatched')}</p>`}
${others.length ? html`<h2>${t('bank.others')}</h2>${table('bank-others', others, false)}` : ''}
<p class="muted">${t('bank.rules', { rules: RULES.map(ruleLabel).join(' ; ') })}</p>
${await batchesSection(ctx)}`;
  renderPage(req, res, ctx, { title: t('bank.gridTitle'), active: PAGE, body });
}

export function mountBankImport(r: Router, ctx: ServerContext): void {
  r.get(PAGE, async (req: AuthedRequest, res) => renderHome(ctx, req, res));

  r.post(
    `${PAGE}/upload`,
    action(PAGE, async (req: AuthedRequest & MultipartRequest, res) => {
      const file = req.files?.find((f) => f.field === 'statement');
      const d = saveUpload(ctx.data, 'bank', { filename: file?.filename ?? '', data: file?.data ?? Buffer.alloc(0) }, { source: null, by: req.user ?? 'back office' });
      res.redirect(303, `${BASE}${PAGE}/${d.id}`);
    }),
  );

  r.get(`${PAGE}/:id`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    let d: ImportDraft;
    try {
      d = loadDraft(ctx.data, 'bank', id);
    } catch (e) {
      return renderPage(req, res, ctx, { title: t('bank.title'), active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">${t('imports.back')}</a></p>` });
    }
    return renderGrid(ctx, req, res, d);
  });

  r.post(`${PAGE}/:id`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const back = `${PAGE}/${ID_PATTERN.test(id) ? id : ''}`;
    return action(back, async () => {
      const d = loadDraft(ctx.data, 'bank', id);
      const checked = new Set(list(req.body?.line));
      const shown = list(req.body?.shown);
      // Rejected = shown and not ticked; lines not on this page keep their choice.
      d.skip = [...new Set([...d.skip.filter((x) => !shown.includes(x)), ...shown.filter((x) => !checked.has(x))])];
      saveDraft(ctx.data, d);
      const op = str(req.body?.op);
      if (op === 'save') return redirectWith(res, back, 'ok', t('bank.saved', { confirmed: checked.size, rejected: shown.length - checked.size }));
      if (op !== 'book') throw new Error(t('imports.unknownAction', { op }));
      if (!checked.size) throw new Error(t('bank.noneConfirmed'));
      const out = await bookBank(ctx, d);
      redirectWith(res, back, out.summary.batch === null ? 'err' : 'ok', out.message);
    })(req, res);
  });
}
