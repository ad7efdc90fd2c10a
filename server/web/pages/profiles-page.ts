/**
 * Export profiles (issue 19): list them, create, copy, remove, choose the default, edit one — the
 * common choices as form fields (format, customer accounts, upper case / accents, analytic axis)
 * over the whole profile as JSON — and export with it. Saving runs the validation of `tillsync
 * server config check --profile` (profile-calls.ts): nothing is written while a problem remains;
 * each problem is said in the page's language next to its field and in the list above the form.
 */
import type { Router, Response } from 'express';
import type { ServerContext } from '../../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { BASE } from '../layout.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { action, errorText, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { makeExport } from '../feature-calls.ts';
import { checkProfileText, copyProfile, createProfile, profileRows, profileText, removeProfile, saveProfile, setDefaultProfile } from '../profile-calls.ts';
import { issueText } from '../profile-issue-text.ts';
import { PROFILE_FORMATS, PROFILE_NAME, type ProfileIssue } from '../../exports/profiles/profile-schema.ts';
import { TillsyncError } from '../../../sync/errors.ts';

const PAGE = '/profiles';
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ACCOUNT_MODES = ['ledger', 'single', 'per-payment-mode', 'base-data', 'generated'] as const;
const AXES = ['', 'store', 'till', 'family', 'article'] as const;

/** The form fields over the JSON, and the profile path each one edits (its problems show beside it). */
const FIELD_PATHS: Record<string, string[]> = {
  format: ['format'],
  account_mode: ['customers.account.mode', 'customers.account.account', 'customers.account.byPaymentMode', 'customers'],
  account_prefix: ['customers.account.prefix'],
  account_length: ['customers.account.length'],
  analytic_axis: ['analytics.axis'],
  analytic_field: ['analytics.field'],
};

const formatLabel = (f: string) => ((PROFILE_FORMATS as readonly string[]).includes(f) ? t(`exports.format.${f}` as MessageKey) : f);

function nameOf(req: AuthedRequest): string {
  const name = String(req.params.name ?? '');
  if (!PROFILE_NAME.test(name)) throw new TillsyncError('usage', `"${name}" is not a profile name`, { status: 404 });
  return name;
}

async function renderList(ctx: ServerContext, req: AuthedRequest, res: Response): Promise<void> {
  const rows = await profileRows(ctx);
  const body = html`<p class="muted">${t('profiles.intro')}</p>
${
  rows.length
    ? html`<div class="table-wrap"><table id="profiles"><thead><tr><th>${t('profiles.name')}</th><th>${t('exports.format')}</th><th>${t('common.status')}</th><th><span class="sr-only">${t('profiles.actions')}</span></th></tr></thead><tbody>
${rows.map(
  (p) => html`<tr data-profile="${p.name}"><td><a href="${BASE}${PAGE}/${p.name}">${p.name}</a>${p.default ? html` <span class="badge info">${t('profiles.default')}</span>` : ''}</td><td>${formatLabel(p.format)}</td>
<td>${p.problems ? html`<span class="badge error">${t('profiles.problems', { n: p.problems })}</span>` : html`<span class="badge done">${t('profiles.sound')}</span>`}</td>
<td class="actions">
${p.default ? '' : html`<form method="post" action="${BASE}${PAGE}/${p.name}/default" class="inline"><button type="submit" class="secondary">${t('profiles.makeDefault')}</button></form>`}
<form method="post" action="${BASE}${PAGE}/${p.name}/copy" class="inline"><label>${t('profiles.copyTo')} <input name="to" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,39}" size="14"></label> <button type="submit" class="secondary">${t('profiles.copy')}</button></form>
<form method="post" action="${BASE}${PAGE}/${p.name}/remove" class="inline"><button type="submit" class="secondary">${t('profiles.remove')}</button></form>
</td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('profiles.none')}</p>`
}
<h2>${t('profiles.new')}</h2>
<form method="post" action="${BASE}${PAGE}" class="toolbar" id="profile-new">
  <label>${t('profiles.name')} <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,39}" aria-describedby="profile-name-help"></label>
  <label>${t('exports.format')} <select name="format">${PROFILE_FORMATS.map((f) => html`<option value="${f}">${formatLabel(f)}</option>`)}</select></label>
  <button type="submit">${t('profiles.create')}</button>
  <span class="muted" id="profile-name-help">${t('profiles.nameHelp')}</span>
</form>`;
  renderPage(req, res, ctx, { title: t('profiles.title'), active: PAGE, body });
}

interface EditorState {
  text: string;
  issues: ProfileIssue[];
  warnings: ProfileIssue[];
  /** The form fields as shown (the saved profile's, or what was just posted). */
  fields: Record<string, string>;
}

/** The common choices of a profile's JSON as form values. */
function fieldsOf(json: unknown): Record<string, string> {
  const p = (json && typeof json === 'object' ? json : {}) as Record<string, any>;
  const account = p.customers?.account ?? {};
  return {
    format: String(p.format ?? ''),
    account_mode: String(account.mode ?? 'ledger'),
    account_prefix: account.prefix === undefined ? '' : String(account.prefix),
    account_length: account.length === undefined ? '' : String(account.length),
    upper_case: p.text?.upperCase ? '1' : '',
    remove_accents: p.text?.removeAccents ? '1' : '',
    analytic_axis: String(p.analytics?.axis ?? ''),
    analytic_field: p.analytics?.field === undefined ? '' : String(p.analytics.field),
  };
}

/** Puts the posted form fields onto the posted JSON (the fields win over the same keys of the JSON). */
function applyFields(json: Record<string, any>, f: Record<string, string>): Record<string, any> {
  const out = { ...json };
  if (f.format) out.format = f.format;
  const account = { ...(out.customers?.account ?? {}) };
  account.mode = f.account_mode || 'ledger';
  // A length that is not a whole number goes as typed: the validation names it.
  const length = f.account_length === '' ? undefined : /^\d+$/.test(f.account_length) ? Number(f.account_length) : f.account_length;
  if (account.mode === 'generated' || f.account_prefix || length !== undefined) {
    account.prefix = f.account_prefix || undefined;
    account.length = length;
  }
  out.customers = { ...(out.customers ?? {}), account };
  if (account.mode === 'ledger' && Object.keys(account).filter((k) => account[k] !== undefined).length === 1) {
    delete out.customers.account;
    if (!Object.keys(out.customers).length) delete out.customers;
  }
  const text = { ...(out.text ?? {}), upperCase: f.upper_case === '1' || undefined, removeAccents: f.remove_accents === '1' || undefined };
  out.text = text.upperCase || text.removeAccents ? text : undefined;
  if (!f.analytic_axis) delete out.analytics;
  else out.analytics = { ...(out.analytics ?? {}), axis: f.analytic_axis, field: f.analytic_field || undefined };
  return JSON.parse(JSON.stringify(out));
}

function fieldIssues(issues: ProfileIssue[], field: string): ProfileIssue[] {
  const paths = FIELD_PATHS[field] ?? [];
  return issues.filter((i) => paths.some((p) => i.path === p || i.path.startsWith(`${p}.`)) && !(field === 'account_mode' && (i.path.startsWith('customers.account.prefix') || i.path.startsWith('customers.account.length'))));
}

/** The message under a field with problems (its input points to it with aria-describedby). */
function fieldNote(issues: ProfileIssue[], field: string): SafeHtml {
  const mine = fieldIssues(issues, field);
  if (!mine.length) return html``;
  // Dark red on white (contrast 8:1), under its field.
  return html`<span class="field-error" id="err-${field}" style="display:block;color:#a40000;font-weight:600">${mine.map(issueText).join(' ; ')}</span>`;
}

async function renderEditor(ctx: ServerContext, req: AuthedRequest, res: Response, name: string, s: EditorState, status = 200): Promise<void> {
  const f = s.fields;
  const bad = (field: string) => fieldIssues(s.issues, field).length > 0;
  const note = (field: string) => fieldNote(s.issues, field);
  const exportId = typeof req.query.export === 'string' && /^\d+$/.test(req.query.export) ? req.query.export : null;
  const year = new Date().getFullYear();
  const body = html`<p><a href="${BASE}${PAGE}">${t('profiles.back')}</a></p>
${
  s.issues.length
    ? html`<div class="flash error" id="profile-errors" role="alert"><strong>${t('profiles.notSaved', { n: s.issues.length })}</strong><ul>${s.issues.map((i) => html`<li><code>${i.path}</code> : ${issueText(i)}</li>`)}</ul></div>`
    : ''
}
${s.warnings.length ? html`<div class="flash" id="profile-warnings"><strong>${t('profiles.warnings', { n: s.warnings.length })}</strong><ul>${s.warnings.map((i) => html`<li><code>${i.path}</code> : ${issueText(i)}</li>`)}</ul></div>` : ''}
${exportId ? html`<p id="profile-export-done"><a class="button" href="${BASE}/exports/${exportId}/download" download>${t('profiles.downloadExport', { id: exportId })}</a></p>` : ''}
<form method="post" action="${BASE}${PAGE}/${name}" id="profile-form" novalidate>
<fieldset class="toolbar" style="align-items:flex-start"><legend>${t('profiles.common')}</legend>
  <div><label>${t('exports.format')} <select name="format" ${bad('format') ? html`aria-invalid="true" aria-describedby="err-format"` : ''}>${PROFILE_FORMATS.map((x) => html`<option value="${x}" ${x === f.format ? html`selected` : ''}>${formatLabel(x)}</option>`)}</select></label>${note('format')}</div>
  <div><label>${t('profiles.accountMode')} <select name="account_mode" ${bad('account_mode') ? html`aria-invalid="true" aria-describedby="err-account_mode"` : ''}>${ACCOUNT_MODES.map((m) => html`<option value="${m}" ${m === f.account_mode ? html`selected` : ''}>${t(`profiles.accountMode.${m}` as MessageKey)}</option>`)}</select></label>${note('account_mode')}</div>
  <div><label>${t('profiles.accountPrefix')} <input type="text" name="account_prefix" value="${f.account_prefix}" size="10" ${bad('account_prefix') ? html`aria-invalid="true" aria-describedby="err-account_prefix"` : ''}></label>${note('account_prefix')}</div>
  <div><label>${t('profiles.accountLength')} <input type="text" name="account_length" value="${f.account_length}" size="4" inputmode="numeric" ${bad('account_length') ? html`aria-invalid="true" aria-describedby="err-account_length"` : ''}></label>${note('account_length')}</div>
  <div><label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="upper_case" value="1" ${f.upper_case ? html`checked` : ''}> ${t('profiles.upperCase')}</label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="remove_accents" value="1" ${f.remove_accents ? html`checked` : ''}> ${t('profiles.removeAccents')}</label></div>
  <div><label>${t('profiles.axis')} <select name="analytic_axis" ${bad('analytic_axis') ? html`aria-invalid="true" aria-describedby="err-analytic_axis"` : ''}>${AXES.map((a) => html`<option value="${a}" ${a === f.analytic_axis ? html`selected` : ''}>${t(`profiles.axis.${a || 'none'}` as MessageKey)}</option>`)}</select></label>${note('analytic_axis')}</div>
  <div><label>${t('profiles.axisField')} <input type="text" name="analytic_field" value="${f.analytic_field}" size="14" ${bad('analytic_field') ? html`aria-invalid="true" aria-describedby="err-analytic_field"` : ''}></label>${note('analytic_field')}</div>
</fieldset>
<label for="profile-json">${t('profiles.json')}</label>
<p class="muted" id="profile-json-help">${t('profiles.jsonHelp')}</p>
<textarea id="profile-json" name="json" rows="24" cols="100" spellcheck="false" aria-describedby="profile-json-help" ${s.issues.length ? html`aria-invalid="true"` : ''}>${s.text}</textarea>
<p><button type="submit" id="profile-save">${t('profiles.save')}</button></p>
</form>
<h2>${t('profiles.exportTitle')}</h2>
<form method="post" action="${BASE}${PAGE}/${name}/export" class="toolbar" id="profile-export">
  <label>${t('common.from')} <input type="date" name="from" value="${year}-01-01" required></label>
  <label>${t('common.to')} <input type="date" name="to" value="${year}-12-31" required></label>
  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" name="include_exported" value="1"> ${t('exports.includeExported')}</label>
  <button type="submit" id="profile-export-button">${t('profiles.export')}</button>
</form>`;
  renderPage(req, res, ctx, { title: t('profiles.editTitle', { name }), active: PAGE, body, status });
}

const FORM_FIELDS = ['format', 'account_mode', 'account_prefix', 'account_length', 'upper_case', 'remove_accents', 'analytic_axis', 'analytic_field'];

export function mountProfiles(r: Router, ctx: ServerContext): void {
  r.get(PAGE, async (req: AuthedRequest, res) => renderList(ctx, req, res));

  r.post(
    PAGE,
    action(PAGE, async (req, res) => {
      const name = str(req.body?.name);
      createProfile(ctx, name, str(req.body?.format));
      redirectWith(res, `${PAGE}/${name}`, 'ok', t('profiles.created', { name }));
    }),
  );

  r.get(`${PAGE}/:name`, async (req: AuthedRequest, res) => {
    const name = nameOf(req);
    let text: string;
    try {
      text = profileText(ctx, name);
    } catch (e) {
      return renderPage(req, res, ctx, { title: t('profiles.title'), active: PAGE, status: 404, body: html`<p class="flash error">${errorText(e)}</p><p><a href="${BASE}${PAGE}">${t('profiles.back')}</a></p>` });
    }
    const check = await checkProfileText(ctx, name, text);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // The editor shows the text as it is; the problem list says where it breaks.
    }
    await renderEditor(ctx, req, res, name, { text, issues: check.issues, warnings: check.warnings, fields: fieldsOf(json) });
  });

  r.post(`${PAGE}/:name`, async (req: AuthedRequest, res) => {
    const name = nameOf(req);
    profileText(ctx, name); // 404 for a profile that does not exist
    const posted = typeof req.body?.json === 'string' ? req.body.json : '';
    const fields = Object.fromEntries(FORM_FIELDS.map((k) => [k, str(req.body?.[k])]));
    let text = posted;
    try {
      const json = JSON.parse(posted);
      if (json && typeof json === 'object' && !Array.isArray(json)) text = `${JSON.stringify(applyFields(json, fields), null, 2)}\n`;
    } catch {
      // Not JSON: checkProfileText names the line and column.
    }
    const check = await checkProfileText(ctx, name, text);
    if (!check.profile) return renderEditor(ctx, req, res, name, { text, issues: check.issues, warnings: check.warnings, fields }, 422);
    saveProfile(ctx, name, check.profile);
    redirectWith(res, `${PAGE}/${name}`, 'ok', t('profiles.saved', { name }));
  });

  r.post(
    `${PAGE}/:name/default`,
    action(PAGE, async (req, res) => {
      const name = nameOf(req);
      setDefaultProfile(ctx.data, name);
      redirectWith(res, PAGE, 'ok', t('profiles.defaultSet', { name }));
    }),
  );

  r.post(
    `${PAGE}/:name/copy`,
    action(PAGE, async (req, res) => {
      const name = nameOf(req);
      const to = str(req.body?.to);
      copyProfile(ctx.data, name, to);
      redirectWith(res, `${PAGE}/${to}`, 'ok', t('profiles.copied', { name, to }));
    }),
  );

  r.post(
    `${PAGE}/:name/remove`,
    action(PAGE, async (req, res) => {
      const name = nameOf(req);
      removeProfile(ctx.data, name);
      redirectWith(res, PAGE, 'ok', t('profiles.removed', { name }));
    }),
  );

  r.post(`${PAGE}/:name/export`, async (req: AuthedRequest, res) => {
    const name = nameOf(req);
    try {
      const from = str(req.body?.from);
      const to = str(req.body?.to);
      if (!DAY.test(from) || !DAY.test(to) || from > to) throw new TillsyncError('usage', `invalid period ${from} → ${to}`, { hint: 'give two days YYYY-MM-DD, the first one not after the second' });
      // The profile names its format; makeExport takes it from there.
      const out = await makeExport(ctx, { format: 'csv', from, to, includeExported: str(req.body?.include_exported) === '1', profile: name });
      if (!out.written || out.exportId === null) return redirectWith(res, `${PAGE}/${name}`, 'err', t('profiles.exportEmpty'));
      redirectWith(res, `${PAGE}/${name}?export=${out.exportId}`, 'ok', t('profiles.exported', { id: out.exportId }));
    } catch (e) {
      redirectWith(res, `${PAGE}/${name}`, 'err', errorText(e));
    }
  });
}
