/**
 * `till init`: gives a store its identity (store, till, secret, server) and its base data. Rerun
 * safe: the same store and till again only updates the server URL / secret / base data given.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TillsyncError } from '../sync/errors.ts';
import { normalizeFingerprint } from '../sync/transports/server-http.ts';
import { DEFAULT_ROUNDING, type Decimals } from '../sync/money.ts';
import type { BaseData } from '../sync/types.ts';
import type { TillIdentity, TillStore } from './store/till-store.ts';

export interface InitOptions {
  store: string;
  till: string;
  server?: string | null;
  secret?: string;
  /** SHA-256 fingerprint of the server's TLS certificate, pinned (https). */
  serverFingerprint?: string | null;
  /** Allow plain http:// to a server that is not on this machine. */
  insecureHttp?: boolean;
  base?: BaseData;
  decimals?: Decimals;
  vatOn?: 'line' | 'total';
}

export interface InitResult {
  identity: TillIdentity;
  created: boolean;
  baseItems: number;
}

const CODE_RE = /^[A-Za-z0-9]{1,16}$/;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether a URL's host is this machine (plain HTTP stays there, never on the LAN). */
export function isLoopbackUrl(url: string): boolean {
  const h = new URL(url).hostname;
  return LOOPBACK.has(h) || /^127\./.test(h);
}

export function checkServerUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TillsyncError('usage', `--server "${url}" is not a URL`, { hint: 'give the store server like http://192.168.1.10:8080' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TillsyncError('usage', `--server "${url}" must be http:// or https://`, { hint: 'give the store server like http://192.168.1.10:8080' });
  return url.replace(/\/+$/, '');
}

export function readBaseFile(path: string): BaseData {
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TillsyncError('bad-base-file', `cannot read base data ${path}: ${(e as Error).message}`, { hint: 'give a JSON file with vatRates, articles, customers, paymentModes, company', ref: { file: path } });
  }
  for (const k of ['vatRates', 'articles', 'customers', 'paymentModes'] as const) {
    if (!Array.isArray(raw?.[k])) throw new TillsyncError('bad-base-file', `base data ${path}: "${k}" must be a list`, { hint: 'give a JSON file with vatRates, articles, customers, paymentModes, company', ref: { file: path } });
  }
  raw.articles.forEach((a: any, i: number) => {
    if (!a || typeof a.code !== 'string' || typeof a.price !== 'string' || typeof a.vatCode !== 'string') {
      throw new TillsyncError('bad-base-file', `base data ${path}: article ${i + 1} needs code, price (text like "12.50") and vatCode`, { ref: { file: path, entry: String(i + 1) } });
    }
  });
  return raw as BaseData;
}

export async function initTill(store: TillStore, opts: InitOptions, onProgress?: (total: number, done: number) => void): Promise<InitResult> {
  if (!CODE_RE.test(opts.store)) throw new TillsyncError('usage', `--store "${opts.store}" must be letters and digits`, { hint: 'e.g. --store S1' });
  if (!CODE_RE.test(opts.till)) throw new TillsyncError('usage', `--till "${opts.till}" must be letters and digits`, { hint: 'e.g. --till 01' });
  const server = opts.server ? checkServerUrl(opts.server) : null;
  const existing = store.identity;
  if (existing && (existing.store !== opts.store || existing.till !== opts.till)) {
    throw new TillsyncError('already-initialised', `this folder already holds till ${existing.store}-${existing.till}; it cannot become ${opts.store}-${opts.till}`, { hint: 'use another --data folder for another till' });
  }
  if (existing && store.last.number > 0 && opts.decimals && opts.decimals !== existing.rounding.decimals) {
    throw new TillsyncError('already-initialised', `till ${existing.store}-${existing.till} already sold with ${existing.rounding.decimals} decimals`, { hint: 'rounding rules cannot change once tickets are sold' });
  }
  const serverUrl = opts.server === undefined ? (existing?.serverUrl ?? null) : server;
  const serverFingerprint = opts.serverFingerprint ? normalizeFingerprint(opts.serverFingerprint) : opts.server === undefined && opts.serverFingerprint === undefined ? (existing?.serverFingerprint ?? null) : null;
  const insecureHttp = opts.insecureHttp ?? (opts.server === undefined ? existing?.insecureHttp : false) ?? false;
  if (serverUrl && serverUrl.startsWith('http:') && !isLoopbackUrl(serverUrl) && !insecureHttp) {
    throw new TillsyncError('insecure-http', `--server ${serverUrl} is plain HTTP to another machine: the till's traffic would cross the network in clear`, { hint: 'use the https:// address with --server-fingerprint (or the enrolment string), or add --insecure-http to accept it' });
  }
  if (serverFingerprint && serverUrl && !serverUrl.startsWith('https:')) {
    throw new TillsyncError('usage', '--server-fingerprint pins a TLS certificate: the server URL must be https://', { hint: 'give the https:// address of the server' });
  }
  const identity: TillIdentity = {
    store: opts.store,
    till: opts.till,
    secret: opts.secret ?? existing?.secret ?? randomBytes(24).toString('base64url'),
    serverUrl,
    serverFingerprint,
    insecureHttp,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    rounding: existing?.rounding ?? { decimals: opts.decimals ?? DEFAULT_ROUNDING.decimals, vatOn: opts.vatOn ?? DEFAULT_ROUNDING.vatOn },
  };
  await store.setIdentity(identity);
  let baseItems = 0;
  if (opts.base) {
    const total = opts.base.articles.length + opts.base.customers.length + opts.base.vatRates.length + opts.base.paymentModes.length + 1;
    let done = 0;
    baseItems = await store.applyBase(opts.base, { onProgress: (n) => onProgress?.(total, (done += n)) });
  }
  return { identity, created: !existing, baseItems };
}
