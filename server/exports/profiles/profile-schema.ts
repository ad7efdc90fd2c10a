/**
 * An export profile (seed 002 "profil"): one target — a format and its options — and the mapping
 * choices of one accountant, kept in DATA/profiles/NAME.json. A profile is a view of the books for
 * that target: posting is untouched, the books stay the books; the profile changes what the file
 * says (accounts, journals, labels, analytics), never what was posted.
 *
 * Validated with zod plus the checks zod cannot express (a generated account longer than its
 * length, an unknown template placeholder, mapping choices on the FEC); the first problem is one
 * error naming the file and the field (profileError).
 */
import * as z from '../../../sync/zod-mini.ts';
import { unknownPlaceholders } from './templates.ts';

export const PROFILE_FORMATS = ['fec', 'exact', 'csv', 'sage', 'ebp', 'ciel', 'quadratus', 'cegid'] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

const MESSAGES = {
  account: 'an account number (letters and digits, e.g. 707000)',
  prefix: 'letters and digits, e.g. 411W',
  section: 'a section code (letters, digits, - and _)',
  field: 'the name of an article field of the base data, e.g. brand',
};
/** Which value a format message is about (the screens' translation key). */
const FORMAT_HINTS: Record<string, string> = Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [v, k]));

const account = z.string().check(z.regex(/^[0-9A-Za-z]{1,20}$/, MESSAGES.account));
const code = z.string().check(z.minLength(1), z.maxLength(20));
const accountMap = z.record(z.string(), account);

/** How the customer lines' general account (or third party) is chosen. */
const customerChoice = z.strictObject({
  /**
   * ledger: as posted; single: `account` for every customer; per-payment-mode: byPaymentMode[mode],
   * else `account`; base-data: the customer's own (Customer.account / thirdParty); generated:
   * prefix + customer code padded with zeros or cut to `length`.
   */
  mode: z.enum(['ledger', 'single', 'per-payment-mode', 'base-data', 'generated']),
  account: z.optional(account),
  byPaymentMode: z.optional(accountMap),
  prefix: z.optional(z.string().check(z.regex(/^[0-9A-Za-z]{0,16}$/, MESSAGES.prefix))),
  length: z.optional(z.int().check(z.minimum(2), z.maximum(20))),
});
export type CustomerChoice = z.infer<typeof customerChoice>;

/**
 * Sales (or VAT) accounts: by VAT code, with exceptions by the customer's zone (France, another EU
 * country, outside the EU; "*" for every code of the zone) and a default; absent: as posted.
 */
const zoneAccounts = z.strictObject({
  default: z.optional(account),
  byVatCode: z.optional(accountMap),
  FR: z.optional(accountMap),
  EU: z.optional(accountMap),
  outsideEU: z.optional(accountMap),
});
export type ZoneAccounts = z.infer<typeof zoneAccounts>;

const template = z.union([
  z.string().check(z.maxLength(200)),
  z.strictObject({ sales: z.optional(z.string().check(z.maxLength(200))), creditNote: z.optional(z.string().check(z.maxLength(200))), treasury: z.optional(z.string().check(z.maxLength(200))) }),
]);
export type LabelTemplate = z.infer<typeof template>;

/** The options of `server export` for a format, as a profile's `options` and an auto-export (auto-export.ts) both take them. */
export const formatOptionsShape = {
  separator: z.optional(z.enum(['tab', 'pipe'])),
  numbering: z.optional(z.enum(['file', 'journal'])),
  encoding: z.optional(z.enum(['latin9', 'utf8'])),
  decimalComma: z.optional(z.boolean()),
  codesAsText: z.optional(z.boolean()),
};

export const profileSchema = z.strictObject({
  $comment: z.optional(z.string()),
  version: z.literal(1),
  format: z.enum(PROFILE_FORMATS),
  /** The options of `server export` for the format (separator, numbering, encoding, decimalComma, codesAsText) and customersFile. */
  options: z.optional(
    z.strictObject({
      ...formatOptionsShape,
      /** Also write the customers file the target imports (Sage, EBP, Ciel, Cegid; Quadratus carries them inline). Default true. */
      customersFile: z.optional(z.boolean()),
    }),
  ),
  /** Journal codes of the target (tillsync journal → target journal) and the credit-note journal (default: the sales journal). */
  journals: z.optional(z.strictObject({ map: z.optional(z.record(z.string(), code)), creditNotes: z.optional(code) })),
  customers: z.optional(z.strictObject({ account: z.optional(customerChoice), thirdParty: z.optional(customerChoice) })),
  salesAccounts: z.optional(zoneAccounts),
  taxAccounts: z.optional(zoneAccounts),
  /** Account of the discount lines (posted apart when the mapping has discounts.account). */
  discountAccount: z.optional(account),
  /** Rounding difference accounts: charge (loss, 658…) and produit (gain, 758…). */
  differences: z.optional(z.strictObject({ charge: z.optional(account), produit: z.optional(account) })),
  /**
   * Seed 002's "Compte de frais" (627000 Services bancaires): the account of the fee lines the books
   * hold — today the marketplace commissions posted from its reports (imports.json
   * marketplace.commissionAccount). Card and Stripe fees are not in the tills' data (see docs).
   */
  fees: z.optional(z.strictObject({ account: z.optional(account) })),
  labels: z.optional(z.strictObject({ entry: z.optional(template), piece: z.optional(template), lettering: z.optional(template) })),
  text: z.optional(z.strictObject({ removeAccents: z.optional(z.boolean()), upperCase: z.optional(z.boolean()) })),
  /**
   * One analytic axis, its section codes (value → section) and a default section; revenue and charge
   * lines carry it. store / till: the document's. family / article: the sold articles' `family` (or
   * `field`) in the base data — a revenue line is then spread over its articles' sections pro rata of
   * their amounts (analytic-parts.ts).
   */
  analytics: z.optional(
    z.strictObject({
      axis: z.enum(['store', 'till', 'family', 'article']),
      /** axis "article": the base-data article field whose value is the section (e.g. "brand", "department"). */
      field: z.optional(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, MESSAGES.field))),
      /** Cegid axis (A1…A5) / Sage plan name; default A1. */
      plan: z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{1,10}$/))),
      sections: z.optional(z.record(z.string(), z.string().check(z.regex(/^[0-9A-Za-z_-]{1,17}$/, MESSAGES.section)))),
      default: z.optional(z.string().check(z.regex(/^[0-9A-Za-z_-]{1,17}$/, MESSAGES.section))),
      /** Exact Online: the line's Costcenter (default) or Costunit. */
      exactField: z.optional(z.enum(['costcenter', 'costunit'])),
    }),
  ),
});

export type ExportProfile = z.infer<typeof profileSchema>;

export interface ProfileIssue {
  path: string;
  /** English, for the CLI and the log book. */
  message: string;
  /** Stable code and values, for screens that say it in their own language (server/web/profile-issue-text.ts). */
  code?: string;
  params?: Record<string, string | number>;
}

/** zod's issue as a ProfileIssue: its code prefixed `zod.`, the values a translation needs. */
function zodIssue(i: z.core.$ZodIssue): ProfileIssue {
  const params: Record<string, string | number> = {};
  const raw = i as unknown as Record<string, unknown>;
  if (typeof raw.expected === 'string') params.expected = raw.expected;
  if (Array.isArray(raw.values)) params.values = raw.values.map(String).join(', ');
  if (Array.isArray(raw.keys)) params.keys = raw.keys.map(String).join(', ');
  if (raw.minimum !== undefined) params.minimum = String(raw.minimum);
  if (raw.maximum !== undefined) params.maximum = String(raw.maximum);
  if (i.code === 'invalid_format') params.format = FORMAT_HINTS[i.message] ?? 'other';
  return { path: jsonPath(i.path), message: i.message, code: `zod.${i.code}`, params };
}

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function choiceIssues(c: CustomerChoice | undefined, where: string): ProfileIssue[] {
  if (!c) return [];
  const out: ProfileIssue[] = [];
  if (c.mode === 'single' && !c.account) out.push({ path: `${where}.account`, message: 'mode "single" needs the account every customer goes to', code: 'single-needs-account' });
  if (c.mode === 'per-payment-mode' && !c.byPaymentMode && !c.account) out.push({ path: `${where}.byPaymentMode`, message: 'mode "per-payment-mode" needs byPaymentMode (and account as the default)', code: 'per-payment-mode-needs-map' });
  if (c.mode === 'generated') {
    if (c.length === undefined) out.push({ path: `${where}.length`, message: 'mode "generated" needs the length of the account (seed 002: prefix 411W, length 6 → 411W01)', code: 'generated-needs-length' });
    else if ((c.prefix ?? '').length >= c.length) out.push({ path: `${where}.length`, message: `length ${c.length} leaves no room after prefix "${c.prefix ?? ''}"`, code: 'generated-length-short', params: { length: c.length, prefix: c.prefix ?? '' } });
  }
  return out;
}

/** Every problem of a parsed JSON as a profile: zod's, then the cross-field rules. */
export function profileIssues(json: unknown): { profile: ExportProfile | null; issues: ProfileIssue[] } {
  const r = profileSchema.safeParse(json);
  if (!r.success) return { profile: null, issues: r.error.issues.map(zodIssue) };
  const p = r.data;
  const issues: ProfileIssue[] = [...choiceIssues(p.customers?.account, 'customers.account'), ...choiceIssues(p.customers?.thirdParty, 'customers.thirdParty')];
  for (const [field, t] of Object.entries(p.labels ?? {})) {
    const texts = typeof t === 'string' ? { '': t } : (t as Record<string, string | undefined>);
    for (const [kind, text] of Object.entries(texts)) {
      const bad = text ? unknownPlaceholders(text) : [];
      if (bad.length) issues.push({ path: `labels.${field}${kind ? `.${kind}` : ''}`, message: `unknown placeholder${bad.length > 1 ? 's' : ''} ${bad.join(', ')} (see docs/exports.md, "Labels and references")`, code: 'unknown-placeholder', params: { placeholders: bad.join(', ') } });
    }
  }
  // The FEC is the legal copy of the books (A47 A-1): a profile may choose its options, not rewrite it.
  if (p.format === 'fec') {
    for (const key of ['journals', 'customers', 'salesAccounts', 'taxAccounts', 'discountAccount', 'differences', 'fees', 'labels', 'text', 'analytics'] as const) {
      if (p[key] !== undefined) issues.push({ path: key, message: 'the FEC is the books as posted: a fec profile takes options only (use csv or a software format for a rewritten view)', code: 'fec-options-only' });
    }
  }
  if (p.analytics?.axis === 'article' && !p.analytics.field) issues.push({ path: 'analytics.field', message: 'axis "article" needs the article field that gives the section (e.g. "brand")', code: 'article-needs-field' });
  if (p.analytics?.field && p.analytics.axis !== 'article') issues.push({ path: 'analytics.field', message: `field is for axis "article" (axis "${p.analytics.axis}" takes none)`, code: 'field-only-article', params: { axis: p.analytics.axis } });
  return { profile: issues.length ? null : p, issues };
}
