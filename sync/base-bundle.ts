/**
 * Base-file bundles (seed "Copie des fichiers de base"): the store's reference data a till needs to
 * keep selling through a network cut, in one signed zip (see signed-zip.ts).
 *
 *   Base<store>_<YYYYMMDDHHmmss>.zip
 *     manifest.json   format "tillsync-base", formatVersion, store, version (increasing per store),
 *                     created, parts, counts, entries (size + sha256), HMAC-SHA256 signature
 *     base.json       { articles, customers, vatRates, paymentModes, company, ticketTables } —
 *                     only the parts listed in manifest.parts; a part left out is left alone
 *     acks.jsonl      acknowledgements the server holds for tickets of tills that get no replication
 *     files/<name>    store-specific files named in pvpplstfic.txt (copied as they are)
 *
 * The signature uses the store's base key (server.json `baseKey`), which each till also holds: a
 * till applies only what its own store signed. `version` only grows, so a till can refuse an older
 * bundle that arrives late (mail is not ordered).
 */
import AdmZip from 'adm-zip';
import * as z from './zod-mini.ts';
import { TillsyncError } from './errors.ts';
import { inspectSignedZip, PackageError, readSignedZip, buildSignedZip, type PackageErrorReason } from './signed-zip.ts';
import type { Article, BaseData, Company, Customer, PaymentMode, VatRate } from './types.ts';

export const BASE_FORMAT = 'tillsync-base';
export const BASE_FORMAT_VERSION = 1;
export const BASE_ENTRY = 'base.json';
export const ACKS_ENTRY = 'acks.jsonl';
export const FILES_PREFIX = 'files/';
/** 50,000 articles are ~10 MB of JSON: 128 MiB leaves room and still fits in a small till's memory. */
export const BASE_MAX_ENTRY_BYTES = 128 * 1024 * 1024;
/** Repetitive JSON compresses well (~10–30:1); deflate bombs sit near 1000:1. */
export const BASE_MAX_RATIO = 200;
export const MAX_SPECIFIC_FILES = 50;

/** The parts a bundle may carry; pvpplstfic.txt chooses among them (all by default). */
export const BASE_PARTS = ['articles', 'customers', 'vatRates', 'paymentModes', 'company', 'ticketTables'] as const;
export type BasePart = (typeof BASE_PARTS)[number];

/** Names an operator may write in pvpplstfic.txt, French as in the seed or English. */
export const PART_NAMES: Record<string, BasePart> = {
  articles: 'articles', article: 'articles', prices: 'articles', tarifs: 'articles', 'tarif article': 'articles', tarif: 'articles',
  customers: 'customers', clients: 'customers', tiers: 'customers',
  vat: 'vatRates', 'vat-rates': 'vatRates', vatrates: 'vatRates', tva: 'vatRates',
  'payment-modes': 'paymentModes', paymentmodes: 'paymentModes', 'modes-reglement': 'paymentModes', reglements: 'paymentModes', 'modes de reglement': 'paymentModes', 'mode de reglement': 'paymentModes',
  company: 'company', dossier: 'company', societe: 'company',
  'ticket-tables': 'ticketTables', tickettables: 'ticketTables', 'table ticket': 'ticketTables', 'tables-ticket': 'ticketTables',
};

/** Settings the till needs to make tickets the way the store wants (seed "table ticket"). */
export type TicketTables = Record<string, unknown>;

/** An acknowledgement as the server holds it; the till marks the ticket transferred. */
export interface BundleAck {
  id: string;
  /** `${store}-${till}`: a till applies only its own. */
  till: string;
  acknowledgedAt: string;
  documentNumber: string | null;
  updatedAt: string;
}

export interface BaseBundleContent {
  store: string;
  version: number;
  created: string;
  parts: BasePart[];
  base: Partial<BaseData> & { ticketTables?: TicketTables };
  acks: BundleAck[];
  files: { name: string; data: Buffer }[];
}

export interface BaseManifest {
  format: typeof BASE_FORMAT;
  formatVersion: number;
  kind: 'base';
  store: string;
  version: number;
  created: string;
  parts: BasePart[];
  counts: Record<string, number>;
  signature: string;
  entries: { name: string; size: number; sha256: string }[];
}

const money = z.string().check(z.regex(/^-?\d{1,12}(\.\d{1,4})?$/, 'a decimal amount like 12.50'));
const code = z.string().check(z.minLength(1), z.maxLength(64));
const ArticleS = z.looseObject({ code, barcode: z.string().check(z.maxLength(64)), label: z.string().check(z.maxLength(500)), price: money, vatCode: code, updatedAt: z.optional(z.string()) });
const CustomerS = z.looseObject({ code, name: z.string(), account: z.string(), thirdParty: z.string(), address: z.optional(z.string()), counter: z.optional(z.boolean()), consumer: z.optional(z.boolean()) });
const VatS = z.looseObject({ code, rate: z.string().check(z.regex(/^\d{1,3}(\.\d{1,4})?$/)), label: z.string() });
const ModeS = z.looseObject({ code, label: z.string(), state: z.string(), deliveryNote: z.boolean(), credit: z.boolean(), depositVoucher: z.boolean() });
const CompanyS = z.looseObject({ name: z.string(), siren: z.string(), address: z.string(), vatNumber: z.string(), currency: z.string() });
const BaseS = z.object({
  articles: z.optional(z.array(ArticleS)),
  customers: z.optional(z.array(CustomerS)),
  vatRates: z.optional(z.array(VatS)),
  paymentModes: z.optional(z.array(ModeS)),
  company: z.optional(CompanyS),
  ticketTables: z.optional(z.record(z.string(), z.unknown())),
});
const AckS = z.object({ id: z.string(), till: z.string(), acknowledgedAt: z.string(), documentNumber: z.nullable(z.string()), updatedAt: z.string() });

const SPECIFIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `Base<store>_<YYYYMMDDHHmmss>.zip`, stamped in local time like the ticket packages. */
export function baseBundleName(store: string, created: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `Base${store}_${p(created.getFullYear(), 4)}${p(created.getMonth() + 1)}${p(created.getDate())}${p(created.getHours())}${p(created.getMinutes())}${p(created.getSeconds())}.zip`;
}

export function isBaseBundleName(name: string): boolean {
  return /^Base[A-Za-z0-9]{1,16}_\d{14}(-\d{1,4})?\.zip$/.test(name);
}

function duplicates(codes: string[]): string | undefined {
  const seen = new Set<string>();
  for (const c of codes) {
    if (seen.has(c)) return c;
    seen.add(c);
  }
  return undefined;
}

/** Checks the reference data is coherent before it is signed (or applied): codes unique, VAT codes known. */
export function checkBaseData(base: BaseBundleContent['base']): string[] {
  const problems: string[] = [];
  const lists: [string, { code: string }[] | undefined][] = [['article', base.articles], ['customer', base.customers], ['VAT rate', base.vatRates], ['payment mode', base.paymentModes]];
  for (const [what, list] of lists) {
    const dup = list && duplicates(list.map((x) => x.code));
    if (dup) problems.push(`${what} ${dup} appears twice`);
  }
  if (base.articles && base.vatRates) {
    const vat = new Set(base.vatRates.map((v) => v.code));
    const bad = base.articles.find((a) => !vat.has(a.vatCode));
    if (bad) problems.push(`article ${bad.code} has VAT code ${bad.vatCode}, which is not among the VAT rates`);
  }
  const barcodes = base.articles?.filter((a) => a.barcode).map((a) => a.barcode);
  const dupBar = barcodes && duplicates(barcodes);
  if (dupBar) problems.push(`barcode ${dupBar} is on two articles`);
  return problems;
}

export function writeBaseBundle(content: BaseBundleContent, secret: string): { fileName: string; bytes: Buffer; manifest: BaseManifest } {
  if (!Number.isInteger(content.version) || content.version < 1) throw new TillsyncError('base-version', `base bundle version ${content.version} is not a positive integer`);
  const problems = checkBaseData(content.base);
  if (problems.length) throw new TillsyncError('base-data', `the store's base data is inconsistent: ${problems[0]}`, { hint: 'fix the reference data on the server, then publish again' });
  // A part is announced only when it is there: the till replaces every announced part.
  const parts = content.parts.filter((p) => content.base[p] !== undefined);
  const base: Record<string, unknown> = {};
  for (const part of parts) base[part] = content.base[part];
  const counts: Record<string, number> = {};
  for (const part of parts) {
    const v = content.base[part];
    counts[part] = Array.isArray(v) ? v.length : v === undefined ? 0 : 1;
  }
  counts.acks = content.acks.length;
  counts.files = content.files.length;
  for (const f of content.files) {
    if (!SPECIFIC_NAME.test(f.name)) throw new TillsyncError('base-file-name', `specific file name "${f.name}" cannot go into a base bundle`, { hint: 'use letters, digits, "." "_" "-" only' });
  }
  const entries = [
    { name: BASE_ENTRY, data: Buffer.from(JSON.stringify(base), 'utf8') },
    { name: ACKS_ENTRY, data: Buffer.from(content.acks.map((a) => JSON.stringify(a)).join('\n') + (content.acks.length ? '\n' : ''), 'utf8') },
    ...content.files.map((f) => ({ name: FILES_PREFIX + f.name, data: f.data })),
  ];
  const header = { format: BASE_FORMAT, formatVersion: BASE_FORMAT_VERSION, kind: 'base', store: content.store, version: content.version, created: content.created, parts, counts };
  const { bytes, manifest } = buildSignedZip({ header, entries, secret });
  return { fileName: baseBundleName(content.store, new Date(content.created)), bytes, manifest: manifest as unknown as BaseManifest };
}

function checkHeader(fileName: string) {
  return (m: any) => {
    if (m.format !== BASE_FORMAT) throw new PackageError('manifest', fileName, `not a base-file bundle (format "${String(m.format)}")`, { hint: 'apply-base takes Base<store>_….zip files made by server publish-base' });
    if (m.formatVersion !== BASE_FORMAT_VERSION) throw new PackageError('format-version', fileName, `base bundle format version ${String(m.formatVersion)} is not ${BASE_FORMAT_VERSION}`, { hint: 'update tillsync on this till' });
    if (typeof m.store !== 'string' || !Number.isInteger(m.version) || typeof m.created !== 'string' || !Array.isArray(m.parts)) {
      throw new PackageError('manifest', fileName, 'the manifest lacks store, version, created or parts');
    }
  };
}

const LIMITS = { maxEntryBytes: BASE_MAX_ENTRY_BYTES, maxRatio: BASE_MAX_RATIO };

/** The manifest as claimed (zip checks only, no signature check): to pick the newest of several files. */
export function peekBaseBundle(bytes: Buffer, fileName: string): BaseManifest {
  return inspectSignedZip(bytes, fileName, { ...LIMITS, allowedEntries: allowedFrom(bytes), checkHeader: checkHeader(fileName) }) as BaseManifest;
}

function allowedFrom(bytes: Buffer): string[] {
  // Specific files have free names: allow the well-formed files/<name> entries the zip holds; the
  // signed manifest must then list each of them (readSignedZip refuses any entry it does not list).
  let names: string[] = [];
  try {
    names = new AdmZip(bytes).getEntries().map((e) => e.entryName);
  } catch {
    // Unreadable zip: readSignedZip reports it with the precise reason.
  }
  const specific = names.filter((n) => n.startsWith(FILES_PREFIX) && SPECIFIC_NAME.test(n.slice(FILES_PREFIX.length))).slice(0, MAX_SPECIFIC_FILES);
  return [BASE_ENTRY, ACKS_ENTRY, ...specific];
}

/**
 * Verifies and decodes a bundle. `secretFor(store)` gives the base key of the store the bundle
 * names (undefined when this till belongs to another store). Throws a PackageError or a
 * TillsyncError naming the file; never returns partial content.
 */
/** What to do about a refused bundle (signed-zip's own hints speak of ticket packages). */
const BASE_HINTS: Partial<Record<PackageErrorReason, string>> = {
  'zip-corrupt': 'the bundle is damaged or incomplete: save it again from the mail, copy it again, or publish again on the server',
  'path-traversal': 'this file was not made by tillsync server publish-base: do not apply it',
  'unexpected-entry': 'this file was not made by tillsync server publish-base or was modified: publish again on the server',
  'too-large': 'refused as a possible zip bomb: publish again on the server',
  'compression-ratio': 'refused as a possible zip bomb: publish again on the server',
  manifest: 'the bundle manifest is missing or invalid: publish again on the server',
  checksum: 'the bundle was modified after it was signed: publish again on the server',
  'unknown-till': 'this bundle is from another store: apply only your own store\'s bundles',
  signature: 'the bundle is not signed with this till\'s base key: check it (tillsync till base-key) against tillsync server base-key',
};

export function readBaseBundle(bytes: Buffer, fileName: string, secretFor: (store: string) => string | undefined): BaseBundleContent {
  try {
    return decodeBaseBundle(bytes, fileName, secretFor);
  } catch (e) {
    if (e instanceof PackageError && BASE_HINTS[e.reason] && !e.hint?.includes('publish')) {
      const detail = e.message.startsWith(`${fileName}: `) ? e.message.slice(fileName.length + 2) : e.message;
      throw new PackageError(e.reason, fileName, detail, { hint: BASE_HINTS[e.reason], entry: e.ref.entry, cause: e });
    }
    throw e;
  }
}

function decodeBaseBundle(bytes: Buffer, fileName: string, secretFor: (store: string) => string | undefined): BaseBundleContent {
  const allowed = allowedFrom(bytes);
  const { manifest, entries } = readSignedZip(bytes, fileName, {
    ...LIMITS,
    allowedEntries: allowed,
    checkHeader: checkHeader(fileName),
    secretFor: (m) => secretFor(String(m.store)),
  });
  const parts = (manifest.parts as unknown[]).filter((p): p is BasePart => (BASE_PARTS as readonly unknown[]).includes(p));
  if (parts.length !== manifest.parts.length) throw new PackageError('manifest', fileName, `unknown part in ${JSON.stringify(manifest.parts)}`);
  const baseBytes = entries.get(BASE_ENTRY);
  if (!baseBytes) throw new PackageError('manifest', fileName, `no ${BASE_ENTRY} in the bundle`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(baseBytes.toString('utf8'));
  } catch (e) {
    throw new PackageError('manifest', fileName, `${BASE_ENTRY} is not valid JSON`, { entry: BASE_ENTRY, cause: e });
  }
  const base = BaseS.safeParse(parsed);
  if (!base.success) {
    const issue = base.error.issues[0]!;
    throw new TillsyncError('base-data', `${fileName}: ${BASE_ENTRY} at ${issue.path.join('.')}: ${issue.message}`, { hint: 'the store published invalid reference data: fix it on the server and publish again', ref: { file: fileName } });
  }
  for (const part of parts) {
    if (base.data[part] === undefined) throw new PackageError('manifest', fileName, `part ${part} is announced but missing from ${BASE_ENTRY}`);
  }
  const problems = checkBaseData(base.data as BaseBundleContent['base']);
  if (problems.length) throw new TillsyncError('base-data', `${fileName}: ${problems[0]}`, { hint: 'fix the reference data on the server and publish again', ref: { file: fileName } });
  const acks: BundleAck[] = [];
  const ackText = entries.get(ACKS_ENTRY)?.toString('utf8') ?? '';
  ackText.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(l);
    } catch {
      json = null;
    }
    const a = AckS.safeParse(json);
    if (!a.success) throw new TillsyncError('base-data', `${fileName}: ${ACKS_ENTRY} line ${i + 1} is not an acknowledgement`, { ref: { file: fileName, line: i + 1 } });
    acks.push(a.data);
  });
  const files = [...entries.entries()].filter(([n]) => n.startsWith(FILES_PREFIX)).map(([n, data]) => ({ name: n.slice(FILES_PREFIX.length), data }));
  return {
    store: manifest.store,
    version: manifest.version,
    created: manifest.created,
    parts,
    base: base.data as BaseBundleContent['base'] & { articles?: Article[]; customers?: Customer[]; vatRates?: VatRate[]; paymentModes?: PaymentMode[]; company?: Company },
    acks,
    files,
  };
}
