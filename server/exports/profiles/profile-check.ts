/**
 * `tillsync server config check --profile NAME`: every problem of one export profile, not just the
 * first — the file against its schema, then against the books' own settings: payment modes and
 * journals it names that the accounting mapping does not have, accounts outside the chart (a
 * warning: the accountant's software may have them), and generated customer accounts colliding
 * over the base data's customers.
 */
import type { Article, Customer, VatRate } from '../../../sync/types.ts';
import { isTillsyncError } from '../../../sync/errors.ts';
import type { AccountingMapping } from '../../accounting/mapping.ts';
import type { ExportProfile, ProfileIssue } from './profile-schema.ts';
import { checkProfileFile } from './profile-store.ts';
import { ProfileView } from './profile-view.ts';

export interface ProfileCheck {
  name: string;
  file: string;
  ok: boolean;
  issues: ProfileIssue[];
  warnings: ProfileIssue[];
}

export interface BooksFacts {
  customers: Customer[];
  vatRates: VatRate[];
  /** The base data's articles: an article axis warns when none carries its field. */
  articles?: Article[];
}

/** The profile against the books' own settings (mapping, base data): problems and warnings. */
export function profileBooksIssues(name: string, profile: ExportProfile, mapping: AccountingMapping | null, base: BooksFacts): { issues: ProfileIssue[]; warnings: ProfileIssue[] } {
  const issues: ProfileIssue[] = [];
  const warnings: ProfileIssue[] = [];
  if (mapping) {
    for (const which of ['account', 'thirdParty'] as const) {
      for (const mode of Object.keys(profile.customers?.[which]?.byPaymentMode ?? {})) {
        if (!mapping.paymentModes[mode]) issues.push({ path: `customers.${which}.byPaymentMode.${mode}`, message: `payment mode ${mode} is not in the accounting mapping (paymentModes)`, code: 'payment-mode-unknown', params: { mode } });
      }
    }
    const journals = new Set(Object.values(mapping.journals).concat(Object.values(mapping.paymentModes).map((p) => p.journal)));
    for (const j of Object.keys(profile.journals?.map ?? {})) if (!journals.has(j)) warnings.push({ path: `journals.map.${j}`, message: `journal ${j} is not a journal of the accounting mapping: never used`, code: 'journal-unused', params: { journal: j } });
    for (const key of ['salesAccounts', 'taxAccounts'] as const) {
      for (const code of Object.keys(profile[key]?.byVatCode ?? {})) {
        if (!Object.values(mapping.vat).some((v) => v.vatCode === code)) issues.push({ path: `${key}.byVatCode.${code}`, message: `VAT code ${code} is not an export VAT code of the mapping (vat.*.vatCode)`, code: 'vat-code-unknown', params: { vatCode: code } });
      }
    }
    const chart = new Set(mapping.chart.map((a) => a.number));
    const used: [string, string | undefined][] = [
      ['discountAccount', profile.discountAccount],
      ['differences.charge', profile.differences?.charge],
      ['differences.produit', profile.differences?.produit],
      ['fees.account', profile.fees?.account],
      ['customers.account.account', profile.customers?.account?.account],
    ];
    for (const key of ['salesAccounts', 'taxAccounts'] as const) {
      const z = profile[key];
      if (!z) continue;
      used.push([`${key}.default`, z.default]);
      for (const part of ['byVatCode', 'FR', 'EU', 'outsideEU'] as const) for (const [k, v] of Object.entries(z[part] ?? {})) used.push([`${key}.${part}.${k}`, v]);
    }
    for (const [path, account] of used) if (account && chart.size && !chart.has(account)) warnings.push({ path, message: `account ${account} is not in the chart of accounts of accounting.json (fine if the accountant's software has it)`, code: 'account-not-in-chart', params: { account } });
  }
  const axis = profile.analytics;
  if (axis && (axis.axis === 'family' || axis.axis === 'article') && base.articles) {
    const field = axis.axis === 'family' ? 'family' : axis.field!;
    if (!base.articles.some((a) => (a as unknown as Record<string, unknown>)[field] !== undefined)) {
      warnings.push({ path: 'analytics', message: `no article of the base data has a "${field}" field: every line goes to the default section${axis.default ? '' : ' (none set: no analytics at all)'}`, code: 'axis-field-empty', params: { field } });
    }
  }
  if (!issues.length) {
    try {
      new ProfileView({ name, profile, mapping, customers: base.customers, vatRates: base.vatRates });
    } catch (e) {
      if (!isTillsyncError(e)) throw e;
      const details = (e as { params?: Record<string, string | number> }).params;
      issues.push({ path: 'customers', message: e.message, code: details ? 'customer-collision' : undefined, params: details });
    }
  }
  return { issues, warnings };
}

export function checkProfile(data: string, name: string, mapping: AccountingMapping | null, base: BooksFacts): ProfileCheck {
  const { file, issues, profile } = checkProfileFile(data, name);
  const more = profile ? profileBooksIssues(name, profile, mapping, base) : { issues: [], warnings: [] };
  issues.push(...more.issues);
  return { name, file, ok: issues.length === 0, issues, warnings: more.warnings };
}

export function renderProfileCheck(c: ProfileCheck): string {
  const lines = [c.ok ? `${c.file}: export profile ${c.name} is sound` : `${c.file}: ${c.issues.length} problem${c.issues.length > 1 ? 's' : ''}`];
  for (const i of c.issues) lines.push(`  error   ${i.path}: ${i.message}`);
  for (const w of c.warnings) lines.push(`  warning ${w.path}: ${w.message}`);
  return lines.join('\n');
}
