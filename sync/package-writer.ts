/**
 * Builds signed ticket packages (TicDeg / TicDep) and writes them atomically. Pure building is
 * separate from writing so the till can hand the bytes to any transport.
 */
import { mkdir } from 'node:fs/promises';
import { publishFile } from './atomic-file.ts';
import { TillsyncError } from './errors.ts';
import { fmt, sum, type Decimals } from './money.ts';
import {
  HASHES_ENTRY,
  LEGACY_HMAC_VERSION,
  PACKAGE_FORMAT,
  PACKAGE_VERSION,
  TICKETS_ENTRY,
  packageFileName,
  type PackageKind,
  type PackageManifest,
} from './package-format.ts';
import { encodeTicketLines } from './package-lines.ts';
import { enrolmentProof, type KeyChange } from './key-change.ts';
import { buildSignedZip } from './signed-zip.ts';
import { signText, type TillKeyPair } from './till-keys.ts';
import type { Ticket } from './types.ts';

/** What signs a version-3 package: the till's key, and what lets a server register it. */
export interface PackageSigner {
  key: TillKeyPair;
  /** The till's auth secret: adds the enrolment proof (first key of a till never online). */
  authSecret?: string;
  keyChanges?: KeyChange[];
}

export interface BuildPackageOptions {
  store: string;
  till: string;
  kind: PackageKind;
  tickets: Ticket[];
  /** The till's signing key (version 3, what tills write)… */
  signer?: PackageSigner;
  /** …or, legacy, an HMAC secret (version 2: only for tills enrolled before version 3, and tests). */
  secret?: string;
  created?: Date;
}

export interface BuiltPackage {
  fileName: string;
  bytes: Buffer;
  manifest: PackageManifest;
}

export function buildTicketPackage(opts: BuildPackageOptions): BuiltPackage {
  const created = opts.created ?? new Date();
  const tickets = [...opts.tickets].sort((a, b) => a.number - b.number);
  const seen = new Set<number>();
  for (const t of tickets) {
    if (t.store !== opts.store || t.till !== opts.till) {
      throw new TillsyncError('wrong-till', `ticket ${t.id} belongs to ${t.store} till ${t.till}, not to ${opts.store} till ${opts.till}`, { ref: { ticket: t.id, till: opts.till } });
    }
    if (seen.has(t.number)) throw new TillsyncError('duplicate-ticket', `ticket number ${t.number} appears twice in the extraction`, { ref: { ticket: t.id, till: opts.till } });
    seen.add(t.number);
  }
  const decimals = Math.max(2, ...tickets.map((t) => t.rounding?.decimals ?? 2)) as Decimals;
  const header: Record<string, unknown> = {
    format: PACKAGE_FORMAT,
    version: opts.signer ? PACKAGE_VERSION : LEGACY_HMAC_VERSION,
    store: opts.store,
    till: opts.till,
    kind: opts.kind,
    created: created.toISOString(),
    count: tickets.length,
    firstNumber: tickets.length ? tickets[0].number : null,
    lastNumber: tickets.length ? tickets[tickets.length - 1].number : null,
    totals: {
      due: fmt(sum(tickets.map((t) => t.totals.due)), decimals),
      inclVat: fmt(sum(tickets.map((t) => t.totals.inclVat)), decimals),
    },
  };
  const { jsonl, hashes } = encodeTicketLines(tickets, opts.store, opts.till);
  const entries = [
    { name: HASHES_ENTRY, data: hashes },
    { name: TICKETS_ENTRY, data: jsonl },
  ];
  const { bytes, manifest } = buildSignedZip({ header: { ...header, ...signerFields(opts.signer, `${opts.store}-${opts.till}`) }, entries, ...signWith(opts) });
  return { fileName: packageFileName(opts.kind, opts.till, created), bytes, manifest: manifest as unknown as PackageManifest };
}

/** Version 3's manifest fields naming the key (the signature itself is added by buildSignedZip). */
function signerFields(signer: PackageSigner | undefined, till: string): Record<string, unknown> {
  if (!signer) return {};
  const info = {
    publicKey: signer.key.publicKeyPem,
    keyChanges: signer.keyChanges ?? [],
    ...(signer.authSecret ? { enrolmentProof: enrolmentProof(signer.authSecret, till, signer.key.keyId) } : {}),
  };
  return { keyId: signer.key.keyId, signer: info };
}

function signWith(opts: BuildPackageOptions): { sign: (text: string) => string } | { secret: string } {
  if (opts.signer) {
    const pem = opts.signer.key.privateKeyPem;
    return { sign: (text) => signText(pem, text) };
  }
  if (!opts.secret) throw new TillsyncError('no-signing-key', 'cannot sign a package without the till\'s signing key', { hint: 'initialise the till first (tillsync till init)' });
  return { secret: opts.secret };
}

export interface WrittenPackage {
  path: string;
  fileName: string;
  manifest: PackageManifest;
  bytes: number;
}

/**
 * Writes the package into `outDir` as `<name>.part`, fsyncs, renames, fsyncs the folder. Never
 * overwrites: a second extraction in the same second (or day, for TicDep) gets `-2`, `-3`…
 * On failure (disk full…) the `.part` is removed and nothing named `.zip` is left.
 */
export async function writeTicketPackage(outDir: string, opts: BuildPackageOptions): Promise<WrittenPackage> {
  const built = buildTicketPackage(opts);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new TillsyncError('no-folder', `cannot create folder ${outDir}: ${(e as Error).message}`, { hint: 'choose another --out folder', cause: e });
  }
  const placed = await publishFile(outDir, built.fileName, built.bytes, 'extract again');
  return { path: placed.path, fileName: placed.fileName, manifest: built.manifest, bytes: built.bytes.length };
}
