/**
 * The ticket package format (TicDeg / TicDep): names, manifest fields and limits. Documented for
 * humans in sync/PACKAGE-FORMAT.md; keep both in step.
 */
import type { KeyChange } from './key-change.ts';
import type { ManifestEntry } from './signed-zip.ts';
import type { PackageKind } from './types.ts';

export type { PackageKind } from './types.ts';

export const PACKAGE_FORMAT = 'tillsync-tickets';
/** The version the writer writes: 3, signed with the till's Ed25519 key (2 and 1: HMAC, legacy). */
export const PACKAGE_VERSION = 3;
/** The last version signed with a shared HMAC secret (written only by legacy tools and tests). */
export const LEGACY_HMAC_VERSION = 2;
/** Versions the reader accepts: packages written before the upgrade still come in. */
export const READABLE_PACKAGE_VERSIONS: readonly number[] = [1, 2, 3];

export const TICKETS_ENTRY = 'tickets.jsonl';
/**
 * Version 2: the tickets' hashes, 32 raw bytes each, in the order of the ticket lines. Apart from
 * the text because 64 random hex digits deflate to ~45 bytes among JSON but take 32 here.
 */
export const HASHES_ENTRY = 'hashes.bin';
export const HASH_BYTES = 32;

/**
 * Cap on any uncompressed entry. A till sells a few thousand tickets a day at ~1–2 KB each; 256 MiB
 * holds well over 100,000 tickets and still fits in memory on a small server.
 */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/**
 * Cap on uncompressed / compressed size per entry. Ticket lines compress about 7–20:1, hashes.bin
 * not at all (random bytes); deflate bombs sit near its 1032:1 maximum.
 */
export const MAX_COMPRESSION_RATIO = 100;

export interface PackageManifest {
  format: typeof PACKAGE_FORMAT;
  version: number;
  store: string;
  till: string;
  kind: PackageKind;
  /** Moment of extraction, ISO 8601 UTC. */
  created: string;
  count: number;
  firstNumber: number | null;
  lastNumber: number | null;
  /** Σ ticket totals.due and Σ totals.inclVat, decimal text. */
  totals: { due: string; inclVat: string };
  entries: ManifestEntry[];
  /** Version 3: the id of the till key that signed (see sync/till-keys.ts). */
  keyId?: string;
  /** Version 3: enough for a server that does not know the key yet to register it (see docs). */
  signer?: PackageSignerInfo;
  /** Version 3: Ed25519 (base64) by the key `keyId`; versions 1–2: HMAC-SHA256 (hex). */
  signature: string;
}

export interface PackageSignerInfo {
  publicKey: string;
  /** Every key change of the till, oldest first (chains `keyId` to a key the server knows). */
  keyChanges: KeyChange[];
  /** sync/key-change.ts enrolmentProof: lets a till never online register its first key. */
  enrolmentProof?: string;
}

const PREFIX: Record<PackageKind, string> = { degraded: 'TicDeg', untransferred: 'TicDep' };

const TILL_RE = /^[A-Za-z0-9]{1,16}$/;

/**
 * `TicDeg<till>_<YYYYMMDDHHmmss>.zip` or `TicDep<till>_<YYYYMMDD>.zip`, stamped in the till's LOCAL
 * time (what the cashier's clock shows, as in the seed). The exact UTC moment is `created` in the
 * manifest. `suffix` (2, 3, …) tells apart two packages that would otherwise share a name.
 */
export function packageFileName(kind: PackageKind, till: string, created: Date, suffix?: number): string {
  if (!TILL_RE.test(till)) throw new Error(`till code "${till}" cannot appear in a package name (letters and digits only)`);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const day = `${p(created.getFullYear(), 4)}${p(created.getMonth() + 1)}${p(created.getDate())}`;
  const stamp = kind === 'degraded' ? `${day}${p(created.getHours())}${p(created.getMinutes())}${p(created.getSeconds())}` : day;
  return `${PREFIX[kind]}${till}_${stamp}${suffix && suffix > 1 ? `-${suffix}` : ''}.zip`;
}

export interface ParsedPackageName {
  kind: PackageKind;
  till: string;
  /** YYYYMMDDHHmmss (degraded) or YYYYMMDD (untransferred), till local time. */
  stamp: string;
  suffix: number | null;
}

const NAME_RE = /^(TicDeg|TicDep)([A-Za-z0-9]{1,16})_(\d{8}|\d{14})(?:-(\d{1,4}))?\.zip$/;

/** Recognises a package file name (case of the prefix as written); null for any other file. */
export function parsePackageFileName(name: string): ParsedPackageName | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const kind: PackageKind = m[1] === 'TicDeg' ? 'degraded' : 'untransferred';
  if ((kind === 'degraded') !== (m[3].length === 14)) return null;
  return { kind, till: m[2], stamp: m[3], suffix: m[4] ? Number(m[4]) : null };
}

export function isPackageFileName(name: string): boolean {
  return parsePackageFileName(name) !== null;
}
