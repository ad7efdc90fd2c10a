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
import { amount, when } from '../format.ts';
import { summaryText } from '../batches-queries.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import type { MultipartRequest } from '../multipart.ts';
import { loadDraft, recentUploads, saveDraft, saveUpload, ID_PATTERN, type ImportDraft } from '../import-uploads.ts';
import { bankBatches, bankGrid, bookBank } from '../import-calls.ts';
import type { BankGridRow } from '../../imports/bank-run.ts';

const PAGE = '/imports/bank';

const RULE_LABEL: Record<string, string> = {
  'invoice-number': '1 · invoice number in the remittance',
  'customer-amount': '2 · customer + exact amount',
  'amount-date': '3 · amount + date window',
};

const VERDICT_BADGE: Record<string, string> = { import: 'done', unticked: 'undone', already: 'info', skip: 'undone', unmatched: 'warning' };

function ruleText(r: BankGridRow): string {
  return r.rule ? (RULE_LABEL[r.rule] ?? r.rule) : '';
}

async function batchesSection(ctx: ServerContext) {
  const batches = await bankBatches(ctx);
  if (!batches.length) return html``;
  return html`<h2 id="batches">Statement batches</h2>
<div class="table-wrap"><table id="bank-batches"><thead><tr><th>#</th><th>Status</th><th>File</th><th>Started</th><th>Summary</th></tr></thead><tbody>
${batches.map((b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${b.status}</span></td><td>${String(b.params.file ?? '').split(/[\\/]/).pop()}</td><td>${when(b.startedAt)}</td><td class="wrap">${summaryText(b.summary)}</td></tr>`)}
</tbody></table></div>
<p class="muted">A statement batch is undone with <code>tillsync server undo --batch N</code>.</p>`;
}

function uploadForm() {
  return html`<form method="post" action="${BASE}${PAGE}/upload" enctype="multipart/form-data" class="toolbar" id="bank-upload">
  <label>Bank statement (camt.053 XML or CFONB 120) <input type="file" name="statement" required></label>
  <button type="submit">Upload and match</button>
  <span class="muted">Each credit line is matched to an open invoice; nothing is booked before you confirm.</span>
</form>`;
}

async function renderHome(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1]) {
  const uploads = recentUploads(ctx.data, 'bank');
  const body = html`${uploadForm()}
${uploads.length ? html`<h2>Recent uploads</h2><ul id="bank-uploads">${uploads.map((u) => html`<li><a href="${BASE}${PAGE}/${u.id}">${u.name}</a> <span class="muted">(${when(u.uploadedAt)}, by ${u.by})</span></li>`)}</ul>` : ''}
${await batchesSection(ctx)}`;
  renderPage(req, res, ctx, { title: 'Bank statements', active: PAGE, body });
}

function row(r: BankGridRow, tickable: boolean) {
  const on = r.verdict === 'import';
  return html`<tr class="${on ? '' : 'unchecked'}" data-line="${r.line}" data-verdict="${r.verdict}">
  <td class="keep">${tickable ? html`<input type="checkbox" name="line" value="${r.line}" ${on ? html`checked` : ''} aria-label="Confirm line ${r.line}">` : ''}</td>
  <td>${r.line}</td><td>${r.date}</td><td class="num">${r.side === 'D' ? '-' : ''}${amount(r.amount)}</td><td>${r.name ?? ''}</td><td class="wrap">${r.remittance}</td>
  <td class="rule">${ruleText(r)}</td>
  <td class="invoices">${r.invoices.map((i) => html`<div>${i.invoice} <span class="muted">${i.customer}</span> ${amount(i.amount)}</div>`)}</td>
  <td class="wrap"><span class="badge ${VERDICT_BADGE[r.verdict] ?? ''}">${r.verdict}</span> ${r.message}</td>
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
  const head = html`<p id="bank-file">File <strong>${d.name}</strong>${s ? html` · ${s.format} · ${s.statements.length} statement(s)` : ''} · <a href="${BASE}${PAGE}">another file</a></p>`;
  if (!s) return renderPage(req, res, ctx, { title: 'Bank statement: matches', active: PAGE, status: 400, body: html`${head}<p class="flash error" role="alert">${problem}</p>${await batchesSection(ctx)}` });
  const proposed = s.grid.filter((r) => r.verdict === 'import' || r.verdict === 'unticked');
  const unmatched = s.grid.filter((r) => r.verdict === 'unmatched');
  const others = s.grid.filter((r) => r.verdict === 'already' || r.verdict === 'skip');
  const c = s.counts;
  const table = (id: string, rows: BankGridRow[], tickable: boolean) => html`<div class="table-wrap"><table class="checkgrid" id="${id}">
<thead><tr><th>${tickable && rows.length ? html`<input type="checkbox" class="check-all" aria-label="Confirm or reject every proposed match">` : ''}</th><th>Line</th><th>Date</th><th class="num">Amount</th><th>Payer</th><th>Remittance</th><th>Rule</th><th>Invoices</th><th>Verdict</th></tr></thead>
<tbody>${rows.map((r) => row(r, tickable))}</tbody></table></div>`;
  const body = html`${head}
<p class="muted" id="bank-counts">${s.grid.length} line(s): ${c.import} match(es) confirmed, ${c.unticked} rejected, ${c.unmatched} unmatched, ${c.already} already booked, ${c.skip} debit(s) skipped.</p>
${s.problems.length ? html`<div class="flash error" id="bank-problems"><strong>${s.problems.length} record(s) could not be read</strong><ul>${s.problems.slice(0, 8).map((p) => html`<li>line ${p.line}: ${p.message}</li>`)}</ul></div>` : ''}
<h2>Proposed matches</h2>
${
  proposed.length
    ? html`<form method="post" action="${BASE}${PAGE}/${d.id}" id="bank-form">
${proposed.map((r) => html`<input type="hidden" name="shown" value="${r.line}">`)}
${table('bank-grid', proposed, true)}
<div class="footer-bar">
  <span id="bank-summary"><strong class="checked-count">${c.import}</strong> match(es) confirmed · ${s.booked} to book</span>
  <span class="apply"><button type="submit" name="op" value="save" class="secondary" id="save-ticks">Save the choices</button>
  <button type="submit" name="op" value="book" id="book">Book the confirmed matches</button></span>
</div>
</form>`
    : html`<p class="empty">No match to confirm.</p>`
}
<h2 id="unmatched">Unmatched lines</h2>
${unmatched.length ? table('bank-unmatched', unmatched, false) : html`<p class="empty">Every credit line found its invoice.</p>`}
${others.length ? html`<h2>Other lines</h2>${table('bank-others', others, false)}` : ''}
<p class="muted">Rules, in order: ${Object.values(RULE_LABEL).join('; ')}. Several candidates → unmatched, never a guess (docs/imports.md).</p>
${await batchesSection(ctx)}`;
  renderPage(req, res, ctx, { title: 'Bank statement: matches', active: PAGE, body });
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
      return renderPage(req, res, ctx, { title: 'Bank statements', active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">Back</a></p>` });
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
      if (op === 'save') return redirectWith(res, back, 'ok', `${checked.size} match(es) confirmed, ${shown.length - checked.size} rejected.`);
      if (op !== 'book') throw new Error(`unknown action "${op}"`);
      if (!checked.size) throw new Error('no match confirmed: nothing to book');
      const out = await bookBank(ctx, d);
      redirectWith(res, back, out.summary.batch === null ? 'err' : 'ok', out.message);
    })(req, res);
  });
}
