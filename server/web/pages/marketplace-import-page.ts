/**
 * Marketplace sales (seed 004, the FNAC "commandes-terminees" report): upload a report and choose
 * its source profile; the control grid shows every line with its verdict; tick/untick lines,
 * "apply to the ticked lines" sets one field on every ticked line (the seed's calculator icons),
 * each line's own page (edit link, or a double click on the row) changes one sale; generation
 * makes one batch and ends with the count of invoices made; batches are undone from the latest,
 * and where `server undo` would refuse, the page shows its reason instead of the button.
 * The grid is `server import-sales --preview` on the uploaded file with the operator's edits
 * and unticked lines as options (import-calls.ts): same verdicts, same rules as the CLI.
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, query } from '../html.ts';
import { BASE } from '../layout.ts';
import { amount, day, num, when } from '../format.ts';
import { batchSentence } from '../summaries.ts';
import { label, t, th, type MessageKey } from '../i18n/index.ts';
import { engineText } from '../engine-text.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import type { MultipartRequest } from '../multipart.ts';
import { loadDraft, recentUploads, saveDraft, saveUpload, ID_PATTERN, type ImportDraft } from '../import-uploads.ts';
import { generateSales, salesBatches, salesGrid, salesSources, SALE_FIELDS, undoSalesBatch } from '../import-calls.ts';
import { readDate } from '../../imports/text-input.ts';
import type { SaleField } from '../../imports/marketplace-profile.ts';
import type { SaleGridLine } from '../../imports/sales-grid.ts';

const PAGE = '/imports/sales';

/** A column's name in the page's language. */
function fieldLabel(f: SaleField): string {
  return t(`sales.field.${f}` as MessageKey);
}

const GRID_COLUMNS: SaleField[] = ['order', 'date', 'customerName', 'postcode', 'country', 'label', 'quantity', 'unitPrice', 'shipping', 'commission', 'status'];

/** Excel serial dates are kept as "serial:N" in the grid; shown as the day they are. */
function shown(field: SaleField, v: string | undefined): string {
  if (field === 'date' && v?.startsWith('serial:')) return readDate(Number(v.slice(7))) ?? v.slice(7);
  return v ?? '';
}

/** In the grid, a day read from an Excel serial is shown the page's way (dd/mm/yyyy); a text date stays as written. */
function cellText(field: SaleField, v: string | undefined): string {
  const text = shown(field, v);
  return field === 'date' && v?.startsWith('serial:') && /^\d{4}-\d{2}-\d{2}$/.test(text) ? day(text) : text;
}

/** A line the operator may tick or untick: one to import, or one they unticked. */
function tickable(l: SaleGridLine, d: ImportDraft): boolean {
  return l.verdict === 'import' || (l.verdict === 'unticked' && d.skip.includes(l.id));
}

const VERDICT_BADGE: Record<string, string> = { import: 'done', unticked: 'undone', already: 'info', skip: 'undone', error: 'error' };

function lineHref(d: ImportDraft, l: SaleGridLine): string {
  return `${BASE}${PAGE}/${d.id}/lines/${encodeURIComponent(l.id)}`;
}

async function batchesSection(ctx: ServerContext, from: string | null) {
  const batches = await salesBatches(ctx);
  if (!batches.length) return html`<h2 id="batches">${t('sales.batches')}</h2><p class="empty">${t('sales.noBatch')}</p>`;
  return html`<h2 id="batches">${t('sales.batches')}</h2>
<div class="table-wrap"><table id="sales-batches"><thead><tr><th>#</th><th>${t('common.status')}</th><th>${t('common.file')}</th><th>${t('common.started')}</th><th>${t('common.summary')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${label('status', b.status)}</span></td><td>${String(b.params.file ?? '').split(/[\\/]/).pop()}</td><td>${when(b.startedAt)}</td><td class="wrap summary">${batchSentence('import-sales', b.summary)}</td>
<td>${
    b.status !== 'done'
      ? ''
      : b.refusal
        ? html`<span class="muted undo-refused">${t('grid.undoRefused', { reason: b.refusal })}</span>`
        : html`<form class="inline" method="post" action="${BASE}${PAGE}/batches/${b.id}/undo"><input type="hidden" name="from" value="${from ?? ''}"><button type="submit" class="danger">${t('common.undo')}</button></form>`
  }</td></tr>`,
)}
</tbody></table></div>
<p class="muted">${t('sales.undo.explain')}</p>`;
}

function uploadForm(current: string | null) {
  return html`<form method="post" action="${BASE}${PAGE}/upload" enctype="multipart/form-data" class="toolbar" id="sales-upload">
  <label>${t('sales.report')} <input type="file" name="report" accept=".xlsx,.csv" required></label>
  <label>${t('sales.profile')} <select name="source">${salesSources().map((s) => html`<option value="${s}" ${s === current ? html`selected` : ''}>${s}</option>`)}</select></label>
  <button type="submit">${t('sales.upload')}</button>
  <span class="muted">${t('sales.fnacHint')}</span>
</form>`;
}

async function renderHome(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1]) {
  const uploads = recentUploads(ctx.data, 'sales');
  const body = html`${uploadForm('fnac')}
${uploads.length ? html`<h2>${t('imports.recent')}</h2><ul id="sales-uploads">${uploads.map((u) => html`<li><a href="${BASE}${PAGE}/${u.id}">${u.name}</a> <span class="muted">${t('sales.uploaded', { source: u.source ?? '', at: when(u.uploadedAt), by: u.by })}</span></li>`)}</ul>` : ''}
${await batchesSection(ctx, null)}`;
  renderPage(req, res, ctx, { title: t('sales.title'), active: PAGE, body });
}

async function renderGrid(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1], d: ImportDraft) {
  let s: Awaited<ReturnType<typeof salesGrid>> | null = null;
  let problem = '';
  try {
    s = await salesGrid(ctx, d);
  } catch (e) {
    problem = errorText(e);
  }
  const head = html`<p id="sales-file">${th('sales.file', { name: html`<strong>${d.name}</strong>`, source: html`<strong>${d.source}</strong>` })}${s?.sheet ? t('sales.sheet', { sheet: s.sheet }) : ''}
${s?.ignoredSheets.length ? html` · <span class="muted">${t('sales.ignoredSheets', { sheets: s.ignoredSheets.join(', ') })}</span>` : ''}
${s?.unknownColumns.length ? html` · <span class="muted" id="unknown-columns">${t('sales.unknownColumns', { columns: s.unknownColumns.join(', ') })}</span>` : ''}
 · <a href="${BASE}${PAGE}">${t('imports.another')}</a></p>`;
  if (!s) {
    return renderPage(req, res, ctx, { title: t('sales.gridTitle'), active: PAGE, status: 400, body: html`${head}<p class="flash error" role="alert">${problem}</p>${await batchesSection(ctx, d.id)}` });
  }
  const ticked = s.grid.filter((l) => l.verdict === 'import');
  const c = s.counts;
  const body = html`${head}
<p class="muted" id="sales-counts">${t('sales.counts', { lines: s.grid.length, import: c.import, unticked: c.unticked, already: c.already, skip: c.skip, error: c.error, invoices: s.invoices.length })}</p>
${
  s.grid.length
    ? html`<form method="post" action="${BASE}${PAGE}/${d.id}" id="sales-form">
${s.grid.filter((l) => tickable(l, d)).map((l) => html`<input type="hidden" name="shown" value="${l.id}">`)}
<div class="toolbar apply" id="column-action">
  <strong>${t('sales.apply')}</strong>
  <label>${t('sales.applyField')} <select name="field" id="apply-field">${SALE_FIELDS.map((f) => html`<option value="${f}">${fieldLabel(f)}</option>`)}</select></label>
  <label>${t('sales.applyValue')} <input type="text" name="value" id="apply-value" maxlength="200"></label>
  <button type="submit" name="op" value="apply" id="apply">${t('sales.applyButton')}</button>
  <button type="submit" name="op" value="save" class="secondary" id="save-ticks" title="${t('sales.saveTicks.title')}">${t('sales.saveTicks')}</button>
</div>
<div class="table-wrap"><table class="checkgrid" id="sales-grid">
<thead><tr><th><input type="checkbox" class="check-all" ${ticked.length ? html`checked` : ''} aria-label="${t('sales.checkAll')}"></th><th>${t('imports.col.line')}</th>${GRID_COLUMNS.map((f) => html`<th class="${['quantity', 'unitPrice', 'shipping', 'commission'].includes(f) ? 'num' : ''}">${fieldLabel(f)}</th>`)}<th>${t('imports.col.verdict')}</th><th><span class="sr-only">${t('grid.col.actions')}</span></th></tr></thead>
<tbody>${s.grid.map((l) => {
      const can = tickable(l, d);
      const on = l.verdict === 'import';
      return html`<tr class="sale ${on ? '' : 'unchecked'}" data-line="${l.id}" data-verdict="${l.verdict}" data-href="${lineHref(d, l)}">
  <td class="keep"><input type="checkbox" name="line" value="${l.id}" ${on ? html`checked` : ''} ${can ? '' : html`disabled`} aria-label="${t('sales.importLine', { id: l.id })}"></td>
  <td>${l.line}</td>${GRID_COLUMNS.map((f) => html`<td class="${['quantity', 'unitPrice', 'shipping', 'commission'].includes(f) ? 'num' : ''}" data-field="${f}">${cellText(f, l.values[f])}</td>`)}
  <td class="wrap"><span class="badge ${VERDICT_BADGE[l.verdict] ?? ''}">${label('verdict', l.verdict)}</span> ${engineText(l)}</td>
  <td><a class="edit" href="${lineHref(d, l)}" title="${t('sales.edit.title')}">${t('sales.edit')}</a></td>
</tr>`;
    })}</tbody>
</table></div>
<div class="footer-bar">
  <span id="sales-summary">${th('sales.footer', { checked: html`<strong class="checked-count">${ticked.length}</strong>`, invoices: s.invoices.length })}</span>
  <span class="apply"><label>${t('sales.invoiceDate')} <input type="date" name="invoice_date" value="${new Date().toISOString().slice(0, 10)}"></label>
  <button type="submit" name="op" value="generate" id="generate">${t('sales.generate')}</button></span>
</div>
</form>
${
  s.invoices.length
    ? html`<h2>${t('sales.toMake')}</h2><div class="table-wrap"><table id="sales-invoices"><thead><tr><th>${t('sales.field.order')}</th><th>${t('common.customer')}</th><th>${t('sales.field.country')}</th><th>${t('sales.col.vat')}</th><th class="num">${t('sales.col.totalIncl')}</th><th class="num">${t('sales.col.commission')}</th><th>${t('sales.col.mention')}</th></tr></thead><tbody>
${s.invoices.map((i) => html`<tr data-order="${i.order}"><td>${i.order}</td><td>${i.customer}</td><td>${i.country}</td><td>${t('sales.vat', { regime: i.regime, rate: num(i.rate) })}</td><td class="num">${amount(i.totalIncl)}</td><td class="num">${amount(i.commission)}</td><td class="wrap">${i.mention ?? ''}</td></tr>`)}
</tbody></table></div>`
    : ''
}`
    : html`<p class="empty">${t('sales.noLine')}</p>`
}
${await batchesSection(ctx, d.id)}`;
  renderPage(req, res, ctx, { title: t('sales.gridTitle'), active: PAGE, body });
}

function draftOf(ctx: ServerContext, id: string): ImportDraft {
  return loadDraft(ctx.data, 'sales', id);
}

/** The ticks as posted: every line shown as tickable and not ticked is unticked. */
function applyTicks(d: ImportDraft, body: Record<string, unknown>): string[] {
  const checked = new Set(list(body.line));
  const shownLines = list(body.shown);
  d.skip = [...new Set([...d.skip.filter((x) => !shownLines.includes(x)), ...shownLines.filter((x) => !checked.has(x))])];
  return [...checked];
}

export function mountMarketplaceImport(r: Router, ctx: ServerContext): void {
  r.get(PAGE, async (req: AuthedRequest, res) => renderHome(ctx, req, res));

  r.post(
    `${PAGE}/upload`,
    action(PAGE, async (req: AuthedRequest & MultipartRequest, res) => {
      const file = req.files?.find((f) => f.field === 'report');
      const source = str(req.body?.source);
      if (!salesSources().includes(source)) throw new Error(t('sales.unknownSource', { source }));
      const d = saveUpload(ctx.data, 'sales', { filename: file?.filename ?? '', data: file?.data ?? Buffer.alloc(0) }, { source, by: req.user ?? 'back office' });
      res.redirect(303, `${BASE}${PAGE}/${d.id}`);
    }),
  );

  r.get(`${PAGE}/:id`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    if (!ID_PATTERN.test(id)) return renderHome(ctx, req, res);
    let d: ImportDraft;
    try {
      d = draftOf(ctx, id);
    } catch (e) {
      return renderPage(req, res, ctx, { title: t('sales.title'), active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">${t('imports.back')}</a></p>` });
    }
    return renderGrid(ctx, req, res, d);
  });

  r.post(`${PAGE}/:id`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const back = `${PAGE}/${ID_PATTERN.test(id) ? id : ''}`;
    return action(back, async () => {
      const d = draftOf(ctx, id);
      const op = str(req.body?.op);
      const checked = applyTicks(d, req.body ?? {});
      if (op === 'save') {
        saveDraft(ctx.data, d);
        return redirectWith(res, back, 'ok', t('sales.ticksSaved', { n: checked.length }));
      }
      if (op === 'apply') {
        const field = str(req.body?.field) as SaleField;
        if (!(SALE_FIELDS as readonly string[]).includes(field)) throw new Error(t('sales.unknownField', { field }));
        if (!checked.length) throw new Error(t('sales.noneTickedApply'));
        const value = str(req.body?.value);
        for (const line of checked) d.edits[line] = { ...(d.edits[line] ?? {}), [field]: value };
        saveDraft(ctx.data, d);
        return redirectWith(res, back, 'ok', t('sales.applied', { field: fieldLabel(field), value, n: checked.length }));
      }
      if (op !== 'generate') throw new Error(t('imports.unknownAction', { op }));
      saveDraft(ctx.data, d);
      if (!checked.length) throw new Error(t('sales.noneTicked'));
      const invoiceDay = str(req.body?.invoice_date);
      if (invoiceDay && !/^\d{4}-\d{2}-\d{2}$/.test(invoiceDay)) throw new Error(t('sales.badDate', { day: invoiceDay }));
      const out = await generateSales(ctx, d, invoiceDay || undefined);
      redirectWith(res, `${back}#batches`, out.summary.batch === null ? 'err' : 'ok', out.message);
    })(req, res);
  });

  r.get(`${PAGE}/:id/lines/:line`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const lineId = String(req.params.line);
    let d: ImportDraft;
    let line: SaleGridLine | undefined;
    try {
      d = draftOf(ctx, id);
      line = (await salesGrid(ctx, d)).grid.find((l) => l.id === lineId);
    } catch (e) {
      return renderPage(req, res, ctx, { title: t('sales.lineTitle', { id: lineId }), active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">${t('imports.back')}</a></p>` });
    }
    if (!line) return renderPage(req, res, ctx, { title: t('sales.lineTitle', { id: lineId }), active: PAGE, status: 404, body: html`<p class="flash error">${t('sales.lineNotIn', { line: lineId, file: d.name })}</p><p><a href="${BASE}${PAGE}/${id}">${t('sales.backToGrid')}</a></p>` });
    const l = line;
    const body = html`<p><a href="${BASE}${PAGE}/${id}">${t('sales.backToGrid')}</a></p>
<p id="sale-verdict">${th('sales.lineOf', { id: html`<strong>${l.id}</strong>`, file: d.name })} · <span class="badge ${VERDICT_BADGE[l.verdict] ?? ''}">${label('verdict', l.verdict)}</span> ${engineText(l)}</p>
<form method="post" action="${BASE}${PAGE}/${id}/lines/${encodeURIComponent(l.id)}" id="sale-form" class="grid2">
${SALE_FIELDS.map((f) => html`<label>${fieldLabel(f)} <input type="text" name="${f}" value="${shown(f, l.values[f])}" maxlength="300"></label>`)}
<p><button type="submit" id="save-sale">${t('sales.saveSale')}</button> <span class="muted">${t('sales.saveSale.note')}</span></p>
</form>`;
    renderPage(req, res, ctx, { title: t('sales.saleTitle', { order: l.values.order ?? '', line: l.line }), active: PAGE, body });
  });

  r.post(`${PAGE}/:id/lines/:line`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const lineId = String(req.params.line);
    const back = `${PAGE}/${ID_PATTERN.test(id) ? id : ''}`;
    return action(back, async () => {
      const d = draftOf(ctx, id);
      const l = (await salesGrid(ctx, d)).grid.find((x) => x.id === lineId);
      if (!l) throw new Error(t('sales.lineNotIn', { line: lineId, file: d.name }));
      const changed: SaleField[] = [];
      for (const f of SALE_FIELDS) {
        const v = typeof req.body?.[f] === 'string' ? String(req.body[f]).trim() : undefined;
        if (v === undefined || v === shown(f, l.values[f])) continue;
        d.edits[lineId] = { ...(d.edits[lineId] ?? {}), [f]: v };
        changed.push(f);
      }
      saveDraft(ctx.data, d);
      redirectWith(res, `${back}${query({})}`, 'ok', changed.length ? t('sales.lineChanged', { line: l.line, fields: changed.map((f) => fieldLabel(f)).join(', ') }) : t('sales.lineUnchanged', { line: l.line }));
    })(req, res);
  });

  r.post(
    `${PAGE}/batches/:batch/undo`,
    action(`${PAGE}#batches`, async (req, res) => {
      const from = str(req.body?.from);
      const message = await undoSalesBatch(ctx, Number(req.params.batch));
      redirectWith(res, `${PAGE}${ID_PATTERN.test(from) ? `/${from}` : ''}#batches`, 'ok', message);
    }),
  );
}
