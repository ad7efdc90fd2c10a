/**
 * The accounting mapping, DATA/accounting.json: how tickets and documents become entries (VAT code
 * → accounts, customers → account + third party, journals, payment modes → journal, treasury
 * account and settlement state, rounding and difference accounts, the chart of accounts). Parsed
 * with zod so that a typo is reported with its JSON path instead of posting to a wrong account.
 * The exports read the same file through server/exports/mapping-view.ts (journals, chart, vat).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { readConfigFile } from '../../sync/config-file.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { Customer } from '../../sync/types.ts';
import { defaultMapping } from './default-mapping.ts';

const account = z.string().check(z.regex(/^[0-9A-Za-z]{1,20}$/, 'an account number (letters and digits, e.g. 707000)'));
const code = z.string().check(z.minLength(1), z.maxLength(20));

const vatMapping = z.strictObject({
  /** Sales (revenue) account credited with the net amount of this VAT code. */
  salesAccount: account,
  /** Collected-VAT account credited with the VAT of this code. */
  vatAccount: account,
  /** VAT code written on entry lines and in exports (the code known to the accounting software). */
  vatCode: code,
});

const paymentModeMapping = z.strictObject({
  journal: code,
  /** Treasury account debited (cash 531, cards 511…); null for credit modes (nothing received). */
  account: z.nullable(account),
  /** State given to the settlement item (effet): EPV, BPV, CPV, APV, C10… */
  state: code,
  deliveryNote: z.boolean(),
  credit: z.boolean(),
  depositVoucher: z.boolean(),
});

export const mappingSchema = z.strictObject({
  $comment: z.optional(z.string()),
  version: z.literal(1),
  posting: z.strictObject({
    mode: z.enum(['direct', 'classic']),
    grouping: z.enum(['customer', 'account']),
    /** Delivery notes are invoiced later by the commercial side: not posted as sales by default. */
    deliveryNotes: z.enum(['not-posted', 'post']),
  }),
  customers: z.strictObject({
    defaultAccount: account,
    defaultThirdParty: code,
    /** Use Customer.account / thirdParty from the base data when present. */
    fromBaseData: z.boolean(),
    overrides: z.record(z.string(), z.strictObject({ account, thirdParty: code })),
  }),
  journals: z.strictObject({ sales: code, bank: code, cash: code, purchases: code }),
  vat: z.record(z.string(), vatMapping),
  paymentModes: z.record(z.string(), paymentModeMapping),
  deposits: z.strictObject({ account, state: code }),
  /** Line discounts: absent = sales posted net of discounts; set = sales gross, discounts debited here (e.g. 709000). */
  discounts: z.optional(z.strictObject({ account })),
  rounding: z.strictObject({
    decimals: z.union([z.literal(2), z.literal(3), z.literal(4)]),
    /** line: VAT split on each line; total: on the total per rate; product: on the unit price, times the quantity (seed 002's three modes). */
    vatOn: z.enum(['line', 'total', 'product']),
    difference: z.enum(['accounts', 'first-line', 'first-tax']),
    lossAccount: account,
    gainAccount: account,
  }),
  chart: z.array(z.strictObject({ number: account, label: z.string() })),
  journalList: z.array(z.strictObject({ code, label: z.string() })),
  /**
   * Exact Online export: each tillsync journal goes to its own Exact journal, numeric in Exact.
   * Numeric codes go as they are; a non-numeric one (CA) needs its Exact journal here.
   * enabled: false when the store does not export to Exact (no Exact checks then).
   */
  exact: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      journals: z.record(z.string(), z.string().check(z.regex(/^\d{1,3}$/, 'an Exact journal code (digits, e.g. 10)'))),
    }),
  ),
});

export type AccountingMapping = z.infer<typeof mappingSchema>;
export type PaymentModeMapping = z.infer<typeof paymentModeMapping>;
export type VatMapping = z.infer<typeof vatMapping>;

export interface SchemaIssue {
  path: string;
  message: string;
}

export function mappingPath(data: string): string {
  return join(data, 'accounting.json');
}

/** JSON path as an operator reads it: vat.VN.salesAccount, paymentModes.CB.journal, chart[3].number. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

export function parseMapping(json: unknown): { mapping: AccountingMapping | null; issues: SchemaIssue[] } {
  const r = mappingSchema.safeParse(json);
  if (r.success) return { mapping: r.data, issues: [] };
  return { mapping: null, issues: r.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message })) };
}

export function readMappingJson(data: string): unknown {
  // Syntax only here: the content is checked by mappingSchema (parseMapping), whose every issue config check lists.
  return readConfigFile(mappingPath(data), z.unknown(), `fix the JSON, or move it away and run: tillsync server config init --data ${data}`);
}

/** Written atomically (.part then rename), with a trailing newline, 2-space indented for hand edits. */
export function writeMapping(data: string, mapping: AccountingMapping): string {
  mkdirSync(data, { recursive: true });
  const p = mappingPath(data);
  writeFileSync(`${p}.part`, `${JSON.stringify(mapping, null, 2)}\n`);
  renameSync(`${p}.part`, p);
  return p;
}

/** Creates DATA/accounting.json from the defaults when missing; returns whether it did. */
export function ensureMapping(data: string): boolean {
  if (existsSync(mappingPath(data))) return false;
  writeMapping(data, { $comment: MAPPING_COMMENT, ...defaultMapping() });
  return true;
}

export const MAPPING_COMMENT =
  'tillsync accounting mapping: see docs/accounting.md, section "The mapping file". Check it with: tillsync server config check --data DIR';

/** Loads and validates the mapping; an invalid file is one clear error naming the first bad path. */
export function loadMapping(data: string): AccountingMapping {
  ensureMapping(data);
  const { mapping, issues } = parseMapping(readMappingJson(data));
  if (!mapping) {
    throw new TillsyncError('mapping-invalid', `${mappingPath(data)}: ${issues[0].path}: ${issues[0].message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
      hint: `fix it; every problem is listed by: tillsync server config check --data ${data}`,
      ref: { file: mappingPath(data) },
    });
  }
  return mapping;
}

export interface CustomerAccount {
  customer: string;
  account: string;
  thirdParty: string;
  name: string;
}

/**
 * Customer → collective account and third-party code: an override in the mapping wins, then the
 * customer's base data (when fromBaseData), then the defaults (410000 / 0000002, the counter).
 */
export function customerResolver(m: AccountingMapping, customers: Customer[]): (code: string) => CustomerAccount {
  const base = new Map(customers.map((c) => [c.code, c]));
  const cache = new Map<string, CustomerAccount>();
  return (code) => {
    let r = cache.get(code);
    if (r) return r;
    const o = m.customers.overrides[code];
    const c = base.get(code);
    const name = c?.name ?? code;
    if (o) r = { customer: code, account: o.account, thirdParty: o.thirdParty, name };
    else if (c && m.customers.fromBaseData && c.account && c.thirdParty) r = { customer: code, account: c.account, thirdParty: c.thirdParty, name };
    else r = { customer: code, account: m.customers.defaultAccount, thirdParty: m.customers.defaultThirdParty, name };
    cache.set(code, r);
    return r;
  };
}

/** Every account customers can be posted on (the accounts lettering and open items look at). */
export function customerAccounts(m: AccountingMapping, customers: Customer[]): Set<string> {
  const s = new Set<string>([m.customers.defaultAccount, ...Object.values(m.customers.overrides).map((o) => o.account)]);
  if (m.customers.fromBaseData) for (const c of customers) if (c.account) s.add(c.account);
  return s;
}
