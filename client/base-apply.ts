/**
 * `till apply-base`: makes the till's base data what a verified bundle says, for the parts the
 * bundle carries (added, changed AND removed items), records the acknowledgements meant for this
 * till, rebuilds the in-memory indexes and checks them against the bundle.
 *
 * Nothing is written until the bundle is fully verified (signature, checksums, content) and known
 * to be newer than the one applied last: a bad, truncated or older bundle leaves the till exactly
 * as it was. Once writing starts, the verified bundle is kept as a redo journal (base-state.ts), so
 * a crash part-way is finished by the next apply-base or till start.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { D } from '../sync/money.ts';
import { canonicalJson } from '../sync/ticket-chain.ts';
import { readBaseBundle, type BaseBundleContent, type BasePart } from '../sync/base-bundle.ts';
import type { BaseData } from '../sync/types.ts';
import type { TillStore } from './store/till-store.ts';
import { BaseIndex, baseDocsOf } from './store/base-index.ts';
import { scanDocs, WRITE_CHUNK } from './store/open-store.ts';
import type { BaseDoc, BaseKind } from './store/schemas.ts';
import { clearPending, compareVersion, pendingPath, readBaseState, replaceFile, specificFilesDir, baseDir, writeBaseState, writePending, type BaseState } from './base-state.ts';
import { readBundleSource, type BundleSource } from './base-source.ts';

const KIND_OF: Record<Exclude<BasePart, 'ticketTables'>, BaseKind> = {
  articles: 'article',
  customers: 'customer',
  vatRates: 'vat',
  paymentModes: 'payment-mode',
  company: 'company',
};

export interface KindChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface BaseChanges {
  articles: KindChanges & { priceChanged: { code: string; from: string; to: string }[] };
  customers: KindChanges;
  vatRates: KindChanges;
  paymentModes: KindChanges;
  company: boolean;
  ticketTables: boolean;
  roundingChanged: boolean;
  acks: number;
  files: string[];
}

export interface ApplyBaseResult {
  status: 'applied' | 'already-applied';
  file: string;
  origin: string;
  store: string;
  version: number;
  created: string;
  previousVersion: number | null;
  parts: BasePart[];
  changes: BaseChanges | null;
  /** Articles reachable through the rebuilt index (by code and by barcode) after applying. */
  indexed: { articles: number; barcodes: number } | null;
  /** A bundle interrupted earlier was finished first. */
  resumed: { version: number; fileName: string } | null;
}

export interface ApplyOptions {
  /** The store's base key; remembered in DATA/base/state.json once a bundle verified with it. */
  baseKey?: string;
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

function emptyKind(): KindChanges {
  return { added: [], changed: [], removed: [] };
}

function withoutStamp(data: Record<string, unknown>): string {
  const { updatedAt: _ignored, ...rest } = data;
  return canonicalJson(rest);
}

function keyFor(store: TillStore, state: BaseState, given?: string): string {
  const fromIdentity = (store.identity as unknown as { baseKey?: string } | null)?.baseKey;
  const key = given ?? fromIdentity ?? state.baseKey;
  if (!key) {
    throw new TillsyncError('no-base-key', 'this till has no base key to check base bundles with', {
      hint: 'give it once: tillsync till apply-base --data DIR --base-key KEY FILE (tillsync server base-key --data SERVERDIR shows KEY)',
    });
  }
  return key;
}

function verify(store: TillStore, source: BundleSource, key: string): BaseBundleContent {
  const identity = store.identity;
  if (!identity) throw new TillsyncError('not-initialised', 'this till is not initialised', { hint: 'run tillsync till init first' });
  return readBaseBundle(source.bytes, source.fileName, (s) => (s === identity.store ? key : undefined));
}

/** Writes the verified content; idempotent (a rerun after a crash writes what is still missing). */
async function writeContent(store: TillStore, data: string, content: BaseBundleContent, opts: ApplyOptions): Promise<BaseChanges> {
  const identity = store.requireIdentity();
  const changes: BaseChanges = {
    articles: { ...emptyKind(), priceChanged: [] },
    customers: emptyKind(),
    vatRates: emptyKind(),
    paymentModes: emptyKind(),
    company: false,
    ticketTables: false,
    roundingChanged: false,
    acks: 0,
    files: [],
  };
  const kinds = new Set(content.parts.filter((p): p is Exclude<BasePart, 'ticketTables'> => p !== 'ticketTables').map((p) => KIND_OF[p]));
  const current = new Map<string, BaseDoc>();
  await scanDocs<BaseDoc>(store.db.base, {}, (d) => {
    if (kinds.has(d.kind)) current.set(d.id, d);
  });
  const incoming = baseDocsOf(content.base as Partial<BaseData>, content.created);
  const upserts: Partial<BaseData> & { articles: BaseData['articles']; customers: BaseData['customers']; vatRates: BaseData['vatRates']; paymentModes: BaseData['paymentModes'] } = { articles: [], customers: [], vatRates: [], paymentModes: [] };
  const seen = new Set<string>();
  const report = (kind: BaseKind): KindChanges | null =>
    kind === 'article' ? changes.articles : kind === 'customer' ? changes.customers : kind === 'vat' ? changes.vatRates : kind === 'payment-mode' ? changes.paymentModes : null;
  for (const doc of incoming) {
    seen.add(doc.id);
    const old = current.get(doc.id);
    if (old && withoutStamp(old.data) === withoutStamp(doc.data)) continue;
    const r = report(doc.kind);
    if (r) (old ? r.changed : r.added).push(doc.code);
    if (doc.kind === 'company') {
      changes.company = true;
      upserts.company = doc.data as unknown as BaseData['company'];
      continue;
    }
    if (doc.kind === 'article') {
      const before = old?.data.price as string | undefined;
      const after = doc.data.price as string;
      if (before !== undefined && !new D(before).eq(new D(after))) changes.articles.priceChanged.push({ code: doc.code, from: before, to: after });
      upserts.articles.push(doc.data as unknown as BaseData['articles'][number]);
    } else if (doc.kind === 'customer') upserts.customers.push(doc.data as unknown as BaseData['customers'][number]);
    else if (doc.kind === 'vat') upserts.vatRates.push(doc.data as unknown as BaseData['vatRates'][number]);
    else if (doc.kind === 'payment-mode') upserts.paymentModes.push(doc.data as unknown as BaseData['paymentModes'][number]);
  }
  const removals = [...current.values()].filter((d) => !seen.has(d.id) && d.kind !== 'company');
  for (const d of removals) report(d.kind)?.removed.push(d.code);

  const total = upserts.articles.length + upserts.customers.length + upserts.vatRates.length + upserts.paymentModes.length + (upserts.company ? 1 : 0) + removals.length;
  let done = 0;
  const tick = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  // VAT rates first, so no article ever names a rate the till does not have yet.
  await store.applyBase({ vatRates: upserts.vatRates, paymentModes: upserts.paymentModes, customers: upserts.customers, company: upserts.company }, { at: content.created, onProgress: tick });
  await store.applyBase({ articles: upserts.articles }, { at: content.created, onProgress: tick });
  for (let i = 0; i < removals.length; i += WRITE_CHUNK) {
    const chunk = removals.slice(i, i + WRITE_CHUNK);
    const res = await store.db.base.bulkRemove(chunk.map((d) => d.id));
    if (res.error.length) throw new Error(`removing base items: ${res.error.length} refused`);
    for (const d of chunk) store.base.remove(d);
    tick(chunk.length);
  }

  if (content.base.ticketTables) {
    const path = join(baseDir(data), 'ticket-tables.json');
    const text = `${JSON.stringify(content.base.ticketTables, null, 2)}\n`;
    changes.ticketTables = !existsSync(path) || readFileSync(path, 'utf8') !== text;
    await replaceFile(path, Buffer.from(text));
    const r = content.base.ticketTables.rounding as { decimals?: unknown; vatOn?: unknown } | undefined;
    if (r && [2, 3, 4].includes(r.decimals as number) && (r.vatOn === 'line' || r.vatOn === 'total')) {
      const rounding = { decimals: r.decimals as 2 | 3 | 4, vatOn: r.vatOn as 'line' | 'total' };
      if (identity.rounding?.decimals !== rounding.decimals || identity.rounding?.vatOn !== rounding.vatOn) {
        await store.setIdentity({ ...identity, rounding });
        changes.roundingChanged = true;
      }
    }
  }
  for (const f of content.files) {
    await replaceFile(join(specificFilesDir(data), f.name), f.data);
    changes.files.push(f.name);
  }

  const mine = `${identity.store}-${identity.till}`;
  const known = new Map<string, string>();
  await scanDocs<{ id: string; updatedAt: string }>(store.db.acks, {}, (a) => known.set(a.id, a.updatedAt));
  const acks = content.acks
    .filter((a) => a.till === mine && (known.get(a.id) ?? '') < a.updatedAt)
    .map((a) => ({ id: a.id, acknowledgedAt: a.acknowledgedAt, documentNumber: a.documentNumber, updatedAt: a.updatedAt }));
  if (acks.length) await store.recordAcks(acks);
  changes.acks = acks.length;
  return changes;
}

/** Reloads the base index from the store and checks every article of the bundle is found as sent. */
async function rebuildAndCheck(store: TillStore, content: BaseBundleContent): Promise<{ articles: number; barcodes: number }> {
  const idx = await new BaseIndex(store.db.base).load({ articles: true });
  for (const a of content.base.articles ?? []) {
    const byCode = idx.article(a.code);
    const byBarcode = a.barcode ? idx.articlesByBarcode.get(a.barcode) : byCode;
    if (!byCode || byCode.price !== a.price || byBarcode?.code !== a.code) {
      throw new TillsyncError('base-index', `article ${a.code} is not in the till's index as the bundle says after applying`, { hint: 'run apply-base again: the bundle is kept and will be applied again' });
    }
  }
  for (const v of content.base.vatRates ?? []) {
    if (!idx.vatRates.has(v.code)) throw new TillsyncError('base-index', `VAT rate ${v.code} missing from the till's index after applying`, { hint: 'run apply-base again' });
  }
  return { articles: idx.articlesByCode.size, barcodes: idx.articlesByBarcode.size };
}

async function applyVerified(store: TillStore, data: string, source: BundleSource, content: BaseBundleContent, key: string, state: BaseState, opts: ApplyOptions): Promise<ApplyBaseResult> {
  // The key proved itself on this bundle: remember it before the journal, so a resume can verify.
  await writeBaseState(data, { ...state, baseKey: key, pending: source.fileName });
  await writePending(data, source.bytes);
  const changes = await writeContent(store, data, content, opts);
  const indexed = await rebuildAndCheck(store, content);
  const now = (opts.now ?? (() => new Date()))();
  await writeBaseState(data, { baseKey: key, version: content.version, created: content.created, appliedAt: now.toISOString(), fileName: source.fileName });
  clearPending(data);
  return {
    status: 'applied',
    file: source.fileName,
    origin: source.origin,
    store: content.store,
    version: content.version,
    created: content.created,
    previousVersion: state.version ?? null,
    parts: content.parts,
    changes,
    indexed,
    resumed: null,
  };
}

/** Finishes a bundle whose application was interrupted (crash, power cut); null when none was. */
export async function finishPendingBaseApply(store: TillStore, data: string, opts: ApplyOptions = {}): Promise<ApplyBaseResult | null> {
  const p = pendingPath(data);
  if (!existsSync(p)) return null;
  const state = readBaseState(data);
  const source: BundleSource = { fileName: state.pending ?? 'pending.zip', origin: p, bytes: readFileSync(p) };
  const key = keyFor(store, state, undefined);
  let content: BaseBundleContent;
  try {
    content = verify(store, source, key);
  } catch {
    // It was verified before it was written here: unreadable now means disk damage. A new bundle
    // replaces every part it carries, so dropping the journal loses nothing a rerun needs.
    clearPending(data);
    return null;
  }
  return applyVerified(store, data, source, content, key, state, opts);
}

export async function applyBaseBundle(store: TillStore, data: string, source: BundleSource, opts: ApplyOptions = {}): Promise<ApplyBaseResult> {
  const resumedRun = await finishPendingBaseApply(store, data, { ...opts, baseKey: undefined });
  const resumed = resumedRun ? { version: resumedRun.version, fileName: resumedRun.file } : null;
  const state = readBaseState(data);
  const key = keyFor(store, state, opts.baseKey);
  const content = verify(store, source, key);
  const order = compareVersion(content, state);
  if (order < 0) {
    throw new TillsyncError('base-older', `${source.fileName}: base bundle v${content.version} (${content.created}) is older than v${state.version} (${state.created}) already applied on this till`, {
      hint: 'nothing was changed: apply the newest bundle, or publish again on the server',
      ref: { file: source.fileName },
    });
  }
  if (order === 0) {
    // The bundle asked for is the one a crash interrupted: report what finishing it changed.
    if (resumedRun) return { ...resumedRun, file: source.fileName, origin: source.origin, resumed };
    if (state.baseKey !== key) await writeBaseState(data, { ...state, baseKey: key });
    return { status: 'already-applied', file: source.fileName, origin: source.origin, store: content.store, version: content.version, created: content.created, previousVersion: state.version ?? null, parts: content.parts, changes: null, indexed: null, resumed };
  }
  const result = await applyVerified(store, data, source, content, key, state, opts);
  return { ...result, resumed };
}

/** apply-base on what the user named: a bundle, the folder it was saved in, or the saved mail. */
export async function applyBaseFromPath(store: TillStore, data: string, path: string, opts: ApplyOptions = {}): Promise<ApplyBaseResult> {
  return applyBaseBundle(store, data, await readBundleSource(path), opts);
}
