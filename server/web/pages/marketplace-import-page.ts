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
import { when } from '../format.ts';
import { summaryText } from '../batches-queries.ts';
import { action, errorText, list, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import type { MultipartRequest } from '../multipart.ts';
import { loadDraft, recentUploads, saveDraft, saveUpload, ID_PATTERN, type ImportDraft } from '../import-uploads.ts';
import { generateSales, salesBatches, salesGrid, salesSources, SALE_FIELDS, undoSalesBatch } from '../import-calls.ts';
import { readDate } from '../../imports/text-input.ts';
import type { SaleField } from '../../imports/marketplace-profile.ts';
import type { SaleGridLine } from '../../imports/sales-grid.ts';

const PAGE = '/imports/sales';

const FIELD_LABEL: Record<SaleField, string> = {
  order: 'Order', date: 'Order date', customerName: 'Customer', firstName: 'First name', company: 'Company', vatNumber: 'VAT number', email: 'E-mail', address: 'Address', postcode: 'Postcode', city: 'City', country: 'Country',
  sku: 'Product ref.', label: 'Product', quantity: 'Qty', unitPrice: 'Unit price incl. VAT', shipping: 'Shipping incl. VAT', vatRate: 'VAT rate', commission: 'Commission incl. VAT', status: 'Status',
};

const GRID_COLUMNS: SaleField[] = ['order', 'date', 'customerName', 'postcode', 'country', 'label', 'quantity', 'unitPrice', 'shipping', 'commission', 'status'];

/** Excel serial dates are kept as "serial:N" in the grid; shown as the day they are. */
function shown(field: SaleField, v: string | undefined): string {
  if (field === 'date' && v?.startsWith('serial:')) return readDate(Number(v.slice(7))) ?? v.slice(7);
  return v ?? '';
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
  if (!batches.length) return html`<h2 id="batches">Marketplace import batches</h2><p class="empty">No marketplace import batch yet.</p>`;
  return html`<h2 id="batches">Marketplace import batches</h2>
<div class="table-wrap"><table id="sales-batches"><thead><tr><th>#</th><th>Status</th><th>File</th><th>Started</th><th>Summary</th><th></th></tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.id}"><td>${b.id}</td><td><span class="badge ${b.status}">${b.status}</span></td><td>${String(b.params.file ?? '').split(/[\\/]/).pop()}</td><td>${when(b.startedAt)}</td><td class="wrap">${summaryText(b.summary)}</td>
<td>${
    b.status !== 'done'
      ? ''
      : b.refusal
        ? html`<span class="muted undo-refused">${b.refusal}</span>`
        : html`<form class="inline" method="post" action="${BASE}${PAGE}/batches/${b.id}/undo"><input type="hidden" name="from" value="${from ?? ''}"><button type="submit" class="danger">Undo</button></form>`
  }</td></tr>`,
)}
</tbody></table></div>
<p class="muted">Undo removes the batch's invoices and gives their numbers back, with every later marketplace batch (latest first). It is refused once an invoice was made later in the same numbering chain, once an entry was exported, or once a later batch paid one of the invoices.</p>`;
}

function uploadForm(current: string | null) {
  return html`<form method="post" action="${BASE}${PAGE}/upload" enctype="multipart/form-data" class="toolbar" id="sales-upload">
  <label>Marketplace report (.xlsx or .csv) <input type="file" name="report" accept=".xlsx,.csv" required></label>
  <label>Source profile <select name="source">${salesSources().map((s) => html`<option value="${s}" ${s === current ? html`selected` : ''}>${s}</option>`)}</select></label>
  <button type="submit">Upload and check</button>
  <span class="muted">FNAC: seller space → Ventes → Ventes terminées → « Générer un export des commandes sélectionnées (.xlsx) ».</span>
</form>`;
}

async function renderHome(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1]) {
  const uploads = recentUploads(ctx.data, 'sales');
  const body = html`${uploadForm('fnac')}
${uploads.length ? html`<h2>Recent uploads</h2><ul id="sales-uploads">${uploads.map((u) => html`<li><a href="${BASE}${PAGE}/${u.id}">${u.name}</a> <span class="muted">(${u.source}, ${when(u.uploadedAt)}, by ${u.by})</span></li>`)}</ul>` : ''}
${await batchesSection(ctx, null)}`;
  renderPage(req, res, ctx, { title: 'Marketplace sales', active: PAGE, body });
}

async function renderGrid(ctx: ServerContext, req: AuthedRequest, res: Parameters<typeof renderPage>[1], d: ImportDraft) {
  let s: Awaited<ReturnType<typeof salesGrid>> | null = null;
  let problem = '';
  try {
    s = await salesGrid(ctx, d);
  } catch (e) {
    problem = errorText(e);
  }
  const head = html`<p id="sales-file">File <strong>${d.name}</strong> · profile <strong>${d.source}</strong>${s?.sheet ? html` · sheet « ${s.sheet} »` : ''}
${s?.ignoredSheets.length ? html` · <span class="muted">sheets ignored (no report header): ${s.ignoredSheets.join(', ')}</span>` : ''}
${s?.unknownColumns.length ? html` · <span class="muted" id="unknown-columns">columns ignored: ${s.unknownColumns.join(', ')}</span>` : ''}
 · <a href="${BASE}${PAGE}">another file</a></p>`;
  if (!s) {
    return renderPage(req, res, ctx, { title: 'Marketplace sales: control grid', active: PAGE, status: 400, body: html`${head}<p class="flash error" role="alert">${problem}</p>${await batchesSection(ctx, d.id)}` });
  }
  const ticked = s.grid.filter((l) => l.verdict === 'import');
  const c = s.counts;
  const body = html`${head}
<p class="muted" id="sales-counts">${s.grid.length} line(s): ${c.import} to import, ${c.unticked} unticked, ${c.already} already imported, ${c.skip} skipped, ${c.error} refused · ${s.invoices.length} invoice(s) to make.</p>
${
  s.grid.length
    ? html`<form method="post" action="${BASE}${PAGE}/${d.id}" id="sales-form">
${s.grid.filter((l) => tickable(l, d)).map((l) => html`<input type="hidden" name="shown" value="${l.id}">`)}
<div class="toolbar apply" id="column-action">
  <strong>Apply to the ticked lines:</strong>
  <label>Field <select name="field" id="apply-field">${SALE_FIELDS.map((f) => html`<option value="${f}">${FIELD_LABEL[f]}</option>`)}</select></label>
  <label>Value <input type="text" name="value" id="apply-value" maxlength="200"></label>
  <button type="submit" name="op" value="apply" id="apply">Apply</button>
  <button type="submit" name="op" value="save" class="secondary" id="save-ticks" title="Keep the ticks as they are without generating">Save ticks</button>
</div>
<div class="table-wrap"><table class="checkgrid" id="sales-grid">
<thead><tr><th><input type="checkbox" class="check-all" ${ticked.length ? html`checked` : ''} aria-label="Tick or untick every line"></th><th>Line</th>${GRID_COLUMNS.map((f) => html`<th class="${['quantity', 'unitPrice', 'shipping', 'commission'].includes(f) ? 'num' : ''}">${FIELD_LABEL[f]}</th>`)}<th>Verdict</th><th></th></tr></thead>
<tbody>${s.grid.map((l) => {
      const can = tickable(l, d);
      const on = l.verdict === 'import';
      return html`<tr class="sale ${on ? '' : 'unchecked'}" data-line="${l.id}" data-verdict="${l.verdict}" data-href="${lineHref(d, l)}">
  <td class="keep"><input type="checkbox" name="line" value="${l.id}" ${on ? html`checked` : ''} ${can ? '' : html`disabled`} aria-label="Import line ${l.id}"></td>
  <td>${l.line}</td>${GRID_COLUMNS.map((f) => html`<td class="${['quantity', 'unitPrice', 'shipping', 'commission'].includes(f) ? 'num' : ''}" data-field="${f}">${shown(f, l.values[f])}</td>`)}
  <td class="wrap"><span class="badge ${VERDICT_BADGE[l.verdict] ?? ''}">${l.verdict}</span> ${l.message}</td>
  <td><a class="edit" href="${lineHref(d, l)}" title="See the whole sale and change it">edit</a></td>
</tr>`;
    })}</tbody>
</table></div>
<div class="footer-bar">
  <span id="sales-summary"><strong class="checked-count">${ticked.length}</strong> line(s) ticked · ${s.invoices.length} invoice(s) planned</span>
  <span class="apply"><label>Invoice date <input type="date" name="invoice_date" value="${new Date().toISOString().slice(0, 10)}"></label>
  <button type="submit" name="op" value="generate" id="generate">Generate the invoices</button></span>
</div>
</form>
${
  s.invoices.length
    ? html`<h2>Invoices to make</h2><div class="table-wrap"><table id="sales-invoices"><thead><tr><th>Order</th><th>Customer</th><th>Country</th><th>VAT</th><th class="num">Total incl. VAT</th><th class="num">Commission</th><th>Mention</th></tr></thead><tbody>
${s.invoices.map((i) => html`<tr data-order="${i.order}"><td>${i.order}</td><td>${i.customer}</td><td>${i.country}</td><td>${i.regime} ${i.rate} %</td><td class="num">${i.totalIncl}</td><td class="num">${i.commission}</td><td class="wrap">${i.mention ?? ''}</td></tr>`)}
</tbody></table></div>`
    : ''
}`
    : html`<p class="empty">The report has no line.</p>`
}
${await batchesSection(ctx, d.id)}`;
  renderPage(req, res, ctx, { title: 'Marketplace sales: control grid', active: PAGE, body });
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
      if (!salesSources().includes(source)) throw new Error(`unknown source profile "${source}"`);
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
      return renderPage(req, res, ctx, { title: 'Marketplace sales', active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">Back</a></p>` });
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
        return redirectWith(res, back, 'ok', `${checked.length} line(s) ticked.`);
      }
      if (op === 'apply') {
        const field = str(req.body?.field) as SaleField;
        if (!(SALE_FIELDS as readonly string[]).includes(field)) throw new Error(`unknown field "${field}"`);
        if (!checked.length) throw new Error('no line ticked: tick the lines the value applies to');
        const value = str(req.body?.value);
        for (const line of checked) d.edits[line] = { ...(d.edits[line] ?? {}), [field]: value };
        saveDraft(ctx.data, d);
        return redirectWith(res, back, 'ok', `${FIELD_LABEL[field]} set to "${value}" on ${checked.length} ticked line(s).`);
      }
      if (op !== 'generate') throw new Error(`unknown action "${op}"`);
      saveDraft(ctx.data, d);
      if (!checked.length) throw new Error('no line ticked: nothing to generate');
      const day = str(req.body?.invoice_date);
      if (day && !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`invoice date "${day}" is not a day`);
      const out = await generateSales(ctx, d, day || undefined);
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
      return renderPage(req, res, ctx, { title: `Sale ${lineId}`, active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">Back</a></p>` });
    }
    if (!line) return renderPage(req, res, ctx, { title: `Sale ${lineId}`, active: PAGE, status: 404, body: html`<p class="flash error">Line ${lineId} is not in ${d.name}.</p><p><a href="${BASE}${PAGE}/${id}">Back to the control grid</a></p>` });
    const l = line;
    const body = html`<p><a href="${BASE}${PAGE}/${id}">← Back to the control grid</a></p>
<p id="sale-verdict">Line <strong>${l.id}</strong> of ${d.name} · <span class="badge ${VERDICT_BADGE[l.verdict] ?? ''}">${l.verdict}</span> ${l.message}</p>
<form method="post" action="${BASE}${PAGE}/${id}/lines/${encodeURIComponent(l.id)}" id="sale-form" class="grid2">
${SALE_FIELDS.map((f) => html`<label>${FIELD_LABEL[f]} <input type="text" name="${f}" value="${shown(f, l.values[f])}" maxlength="300"></label>`)}
<p><button type="submit" id="save-sale">Save the changes</button> <span class="muted">The report file stays as uploaded; the changes apply to this line at generation.</span></p>
</form>`;
    renderPage(req, res, ctx, { title: `Sale ${l.values.order ?? ''} (line ${l.line})`, active: PAGE, body });
  });

  r.post(`${PAGE}/:id/lines/:line`, async (req: AuthedRequest, res) => {
    const id = String(req.params.id);
    const lineId = String(req.params.line);
    const back = `${PAGE}/${ID_PATTERN.test(id) ? id : ''}`;
    return action(back, async () => {
      const d = draftOf(ctx, id);
      const l = (await salesGrid(ctx, d)).grid.find((x) => x.id === lineId);
      if (!l) throw new Error(`line ${lineId} is not in ${d.name}`);
      const changed: SaleField[] = [];
      for (const f of SALE_FIELDS) {
        const v = typeof req.body?.[f] === 'string' ? String(req.body[f]).trim() : undefined;
        if (v === undefined || v === shown(f, l.values[f])) continue;
        d.edits[lineId] = { ...(d.edits[lineId] ?? {}), [f]: v };
        changed.push(f);
      }
      saveDraft(ctx.data, d);
      redirectWith(res, `${back}${query({})}`, 'ok', changed.length ? `Line ${l.line}: ${changed.map((f) => FIELD_LABEL[f]).join(', ')} changed.` : `Line ${l.line}: nothing changed.`);
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
