/**
 * The server's TLS material and what `server start`, `server status` and the log book say about
 * the server's doors: the self-signed pair made at `server init` (DATA/tls/, key 0600) or the
 * operator's --cert/--key, the SHA-256 fingerprint tills pin, and whether the last start served
 * plain HTTP beyond this machine (--insecure-http).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { configPath, type ServerConfig } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { certificateFingerprint, checkKeyMatchesCertificate, makeSelfSignedCertificate } from './self-signed.ts';
import { isWrapped, permissionWarning, secretsKeyPath, tillAuthPurpose, wrapSecret } from './secrets-at-rest.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

export function defaultTlsFiles(data: string): TlsFiles {
  return { cert: join(data, 'tls', 'server.crt'), key: join(data, 'tls', 'server.key') };
}

/** The self-signed pair of `server init`, made once (names: localhost, this host, the ones given). */
export function ensureServerCertificate(data: string, names: string[] = []): TlsFiles & { fingerprint: string; created: boolean } {
  const files = defaultTlsFiles(data);
  if (existsSync(files.cert) && existsSync(files.key)) return { ...files, fingerprint: certificateFingerprint(readFileSync(files.cert, 'utf8')), created: false };
  mkdirSync(join(data, 'tls'), { recursive: true, mode: 0o700 });
  const c = makeSelfSignedCertificate({ names: [hostname(), ...names] });
  writeFileSync(files.key, c.keyPem, { mode: 0o600 });
  chmodSync(files.key, 0o600);
  writeFileSync(files.cert, c.certPem, { mode: 0o644 });
  return { ...files, fingerprint: c.fingerprint, created: true };
}

/** Certificate and key to serve, from --cert/--key or server.json `tls`; checked to belong together. */
export function loadServerTls(data: string, config: ServerConfig, given: Partial<TlsFiles> = {}): { cert: string; key: string; fingerprint: string; files: TlsFiles } {
  const saved = (config.tls as Partial<TlsFiles> | undefined) ?? {};
  const files = { cert: resolve(given.cert ?? saved.cert ?? defaultTlsFiles(data).cert), key: resolve(given.key ?? saved.key ?? defaultTlsFiles(data).key) };
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(files.cert, 'utf8');
    key = readFileSync(files.key, 'utf8');
  } catch (e) {
    throw new TillsyncError('no-certificate', `cannot read the TLS certificate ${files.cert} or key ${files.key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: `run tillsync server init --data ${data} (makes a self-signed pair), or give --cert and --key`, cause: e });
  }
  let fingerprint: string;
  try {
    fingerprint = certificateFingerprint(cert);
    if (!checkKeyMatchesCertificate(cert, key)) throw new Error('key does not match');
  } catch (e) {
    throw new TillsyncError('bad-certificate', `${files.cert} and ${files.key} are not a matching certificate and private key (PEM)`, { hint: 'give the certificate and the key it was made with', cause: e });
  }
  return { cert, key, fingerprint, files };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\./.test(host);
}

export interface RunState {
  startedAt: string;
  url: string;
  tls: boolean;
  tlsFingerprint: string | null;
  insecureHttp: boolean;
}

function runStatePath(data: string): string {
  return join(data, 'server-run.json');
}

export function writeRunState(data: string, s: RunState): void {
  writeFileSync(runStatePath(data), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}

export function readRunState(data: string): RunState | null {
  try {
    return JSON.parse(readFileSync(runStatePath(data), 'utf8')) as RunState;
  } catch {
    return null;
  }
}

/** One line per secrets file readable by others (server.json, secrets.key, the TLS key). */
export function permissionWarnings(data: string, config?: ServerConfig): string[] {
  const tlsKey = (config?.tls as Partial<TlsFiles> | undefined)?.key ?? defaultTlsFiles(data).key;
  return [configPath(data), secretsKeyPath(data), tlsKey].map(permissionWarning).filter((w): w is string => w !== null);
}

/** Till auth secrets stored in clear by a version before wrapping: wrapped now (idempotent). */
export async function wrapLegacySecrets(db: Kysely<Database>, data: string): Promise<number> {
  let n = 0;
  for (const r of await db.selectFrom('tills').select(['id', 'secret']).execute()) {
    if (isWrapped(r.secret)) continue;
    await db.updateTable('tills').set({ secret: wrapSecret(data, tillAuthPurpose(r.id), r.secret) }).where('id', '=', r.id).where('secret', '=', r.secret).execute();
    n++;
  }
  return n;
}
