/**
 * Automatic exports (seed 000: "L'export automatique est fait à chaque clôture de caisse"),
 * configured in DATA/server.json:
 *
 *   "exports": {
 *     "auto":    { "format": "fec", "out": "exports/auto", "mailTo": ["compta@cabinet.fr"], "smtp": "smtp://127.0.0.1:2525", "mailFrom": "caisse@boutique.fr" },
 *     "nightly": { "format": "csv", "decimalComma": true }
 *   }
 *
 * With "profile": "NAME" the block exports through that export profile (DATA/profiles/NAME.json: its
 * format, options and view of the books), and "not yet exported" means not yet by that profile.
 *
 * `auto` runs when a till's closure reaches the server and exports that day; `nightly` runs as the
 * last step of the nightly chain and exports everything not yet exported up to its day. Both take
 * the options of `server export` (separator, numbering, encoding, decimalComma, codesAsText, withPdf); `out` is
 * relative to the data folder unless absolute; mail goes out only when mailTo is set. With
 * "perStore": true a closure exports only its store's entries (entries are matched to a store
 * through the documents they post, so an entry posting no document — none today — would wait for a
 * manual or nightly export).
 */
import { isAbsolute, join } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { keyPath } from '../../sync/config-file.ts';
import type { Closure } from '../../sync/types.ts';
import type { Db } from '../db/database.ts';
import type { ServerConfig } from '../context.ts';
import { EXPORT_FORMATS, runExport, type ExportOutcome, type ExportRequest } from './export-run.ts';
import { mailExport } from './export-mail.ts';
import { loadProfile } from './profiles/profile-store.ts';
import { formatOptionsShape } from './profiles/profile-schema.ts';

const AutoSchema = z
  .object({
    /** Default fec, or the profile's format. */
    format: z.optional(z.enum(EXPORT_FORMATS)),
    /** An export profile (DATA/profiles/NAME.json): its format, options and view of the books; entries go once per profile. */
    profile: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'a profile name (see tillsync server profile list)'))),
    out: z.optional(z.string().check(z.minLength(1))),
    ...formatOptionsShape,
    withPdf: z.optional(z.boolean()),
    /** At a closure, export only the closing till's store (a server shared by several stores). */
    perStore: z.optional(z.boolean()),
    mailTo: z.optional(z.union([z.string().check(z.minLength(3)), z.array(z.string().check(z.minLength(3)))])),
    mailFrom: z.optional(z.string()),
    smtp: z.optional(z.string().check(z.regex(/^smtps?:\/\//, 'smtp must look like smtp://host:port'))),
  })
  .check(z.refine((c) => !c.mailTo || (Array.isArray(c.mailTo) ? c.mailTo.length === 0 : false) || Boolean(c.smtp), { message: 'mailTo needs smtp (e.g. "smtp": "smtp://127.0.0.1:25")', path: ['smtp'] }));

export type AutoExportConfig = z.infer<typeof AutoSchema>;

/** The exports.auto / exports.nightly block of server.json, validated; null when absent. */
export function autoExportConfig(config: ServerConfig, which: 'auto' | 'nightly'): AutoExportConfig | null {
  const block = (config.exports as Record<string, unknown> | undefined)?.[which];
  if (block === undefined || block === null || block === false) return null;
  const r = AutoSchema.safeParse(block);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new TillsyncError('config', `server.json: ${keyPath(['exports', which, ...issue.path])}: ${issue.message}`, { hint: 'fix server.json (see docs/exports.md, section Automatic exports, and docs/operations.md)' });
  }
  return r.data;
}

export function recipients(c: AutoExportConfig): string[] {
  return !c.mailTo ? [] : Array.isArray(c.mailTo) ? c.mailTo : c.mailTo.split(/[,;\s]+/).filter(Boolean);
}

export function requestOf(c: AutoExportConfig, data: string, period: { from: string; to: string; store?: string | null }, trigger: ExportRequest['trigger']): ExportRequest {
  const profile = c.profile ? { name: c.profile, profile: loadProfile(data, c.profile) } : null;
  if (profile && c.format && c.format !== profile.profile.format) throw new TillsyncError('config', `server.json: exports.${trigger === 'nightly' ? 'nightly' : 'auto'}.format ${c.format} contradicts profile ${c.profile} (format ${profile.profile.format})`, { hint: 'leave out format: the profile names it' });
  const po = profile?.profile.options ?? {};
  return {
    format: c.format ?? profile?.profile.format ?? 'fec',
    profile,
    from: period.from,
    to: period.to,
    store: period.store ?? null,
    out: c.out ? (isAbsolute(c.out) ? c.out : join(data, c.out)) : undefined,
    separator: c.separator ?? po.separator,
    numbering: c.numbering ?? po.numbering,
    encoding: c.encoding ?? po.encoding,
    decimalComma: c.decimalComma ?? po.decimalComma,
    codesAsText: c.codesAsText ?? po.codesAsText,
    withPdf: c.withPdf,
    trigger,
  };
}

export interface AutoExportResult {
  outcome: ExportOutcome;
  /** Recipients the file went to; null when no mail was asked; an error text when it failed. */
  mailed: string[] | null;
  mailError: string | null;
}

/** Runs one configured export and mails it; a mail failure is recorded and logged, not thrown (the file is there). */
export async function runConfiguredExport(env: { db: Db; data: string }, c: AutoExportConfig, req: ExportRequest): Promise<AutoExportResult> {
  const outcome = await runExport(env, req);
  const to = recipients(c);
  if (outcome.status !== 'written' || !to.length || outcome.exportId === null) return { outcome, mailed: null, mailError: null };
  try {
    await mailExport(env, outcome.exportId, { smtp: c.smtp!, to, from: c.mailFrom });
    return { outcome, mailed: to, mailError: null };
  } catch (e) {
    return { outcome, mailed: null, mailError: (e as Error).message };
  }
}

/** Does the closure's day still hold tickets not integrated, or invoices not posted? */
export async function dayNeedsPosting(db: Db, closure: Pick<Closure, 'store' | 'till' | 'day'>): Promise<boolean> {
  const ticket = await db
    .selectFrom('tickets')
    .select('id')
    .where('store', '=', closure.store)
    .where('till', '=', closure.till)
    .where('day', '=', closure.day)
    .where('status', '=', 'received')
    .where('document_id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  if (ticket) return true;
  const doc = await db
    .selectFrom('documents')
    .select('id')
    .where('store', '=', closure.store)
    .where('till', '=', closure.till)
    .where('day', '=', closure.day)
    .where('kind', '!=', 'delivery-note')
    .where('posting_batch', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return Boolean(doc);
}
