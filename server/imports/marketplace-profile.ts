/**
 * Source profiles of marketplace reports: which column of the report holds which sale field.
 * Built-in profiles are data files beside this module (profiles/fnac.json, profiles/generic.json);
 * `--source PATH.json` loads a profile of one's own with the same shape. Column names are compared
 * after headerKey (case, accents and punctuation ignored).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { headerKey } from './text-input.ts';

export const SALE_FIELDS = ['order', 'date', 'customerName', 'firstName', 'company', 'vatNumber', 'email', 'address', 'postcode', 'city', 'country', 'sku', 'label', 'quantity', 'unitPrice', 'shipping', 'vatRate', 'commission', 'status'] as const;
export type SaleField = (typeof SALE_FIELDS)[number];
export const REQUIRED_SALE_FIELDS: SaleField[] = ['order', 'date', 'customerName', 'label', 'quantity', 'unitPrice'];

const profileSchema = z.strictObject({
  $comment: z.optional(z.string()),
  name: z.string().check(z.regex(/^[a-z0-9-]{1,20}$/)),
  label: z.string(),
  /** Third-party code of the marketplace on the supplier account (commission). */
  supplier: z.string().check(z.minLength(1), z.maxLength(20)),
  columns: z.record(z.enum(SALE_FIELDS), z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** Status values that mean "paid by the buyer" (other statuses are left unticked); empty = all. */
  paidStatuses: z._default(z.array(z.string()), []),
});

export type SourceProfile = z.infer<typeof profileSchema>;

const BUILT_IN = join(dirname(fileURLToPath(import.meta.url)), 'profiles');

export function builtInProfiles(): string[] {
  return ['fnac', 'generic'];
}

export function loadProfile(source: string): SourceProfile {
  const file = builtInProfiles().includes(source) ? join(BUILT_IN, `${source}.json`) : source;
  if (!existsSync(file)) throw new TillsyncError('usage', `--source ${source} is neither a built-in profile (${builtInProfiles().join(', ')}) nor a profile file`, { hint: 'copy server/imports/profiles/generic.json, adapt its columns, and pass its path' });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TillsyncError('bad-file', `profile ${file}: ${(e as Error).message}`, { hint: 'fix the JSON', ref: { file } });
  }
  const r = profileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TillsyncError('bad-file', `profile ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`, { hint: 'see server/imports/profiles/generic.json for the shape', ref: { file } });
  }
  const missing = REQUIRED_SALE_FIELDS.filter((f) => !r.data.columns[f]);
  if (missing.length) throw new TillsyncError('bad-file', `profile ${file} names no column for ${missing.join(', ')}`, { hint: `a profile maps at least ${REQUIRED_SALE_FIELDS.join(', ')}`, ref: { file } });
  return r.data;
}

/** Header row → field per column index; the rest are unknown columns. */
export function mapHeader(profile: SourceProfile, header: string[]): { fields: Map<SaleField, number>; unknown: string[]; missing: SaleField[] } {
  const keys = header.map((h) => headerKey(h ?? ''));
  const fields = new Map<SaleField, number>();
  for (const f of SALE_FIELDS) {
    const names = (profile.columns[f] ?? []).map(headerKey);
    const i = keys.findIndex((k, idx) => k !== '' && names.includes(k) && ![...fields.values()].includes(idx));
    if (i >= 0) fields.set(f, i);
  }
  const used = new Set(fields.values());
  return { fields, unknown: header.filter((h, i) => !used.has(i) && String(h ?? '').trim() !== ''), missing: REQUIRED_SALE_FIELDS.filter((f) => !fields.has(f)) };
}
