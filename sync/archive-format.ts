/**
 * The fiscal archive (NF525 "archivage"): one zip an auditor can take away and read without
 * tillsync (docs/archive-format.md). Entries, all UTF-8:
 *   README.txt       what the archive is and how to check it by hand
 *   manifest.json    origin, period, counts, totals, chain anchors, and the SHA-256 of every other entry
 *   tickets.jsonl    one ticket per line, canonical JSON (keys sorted), in number order
 *   closures.jsonl   day, month and year closures, each signed and chained to the previous of its kind
 *   journal.jsonl    the technical-event journal, signed and chained
 *   keys.jsonl       the public keys that signed anything in the archive (PEM, id, fingerprint)
 * The whole file is signed: the zip's end-of-central-directory comment holds
 * `tillsync-signature:ed25519:<keyId>:<base64>`, the Ed25519 signature of the SHA-256 of the file
 * as it is with an empty comment. So any altered byte anywhere fails the archive, and the checks of
 * the entries (sync/archive-verify.ts) then say which record was altered.
 */
import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { canonicalJson } from './ticket-chain.ts';
import type { JetEvent } from './jet.ts';
import { D, sum } from './money.ts';
import { signText, keyFingerprint, type TillKeyPair } from './till-keys.ts';
import type { Closure, Ticket } from './types.ts';

export const ARCHIVE_FORMAT = 'tillsync-fiscal-archive';
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_ENTRIES = ['README.txt', 'manifest.json', 'tickets.jsonl', 'closures.jsonl', 'journal.jsonl', 'keys.jsonl'] as const;
export const DATA_ENTRIES = ['tickets.jsonl', 'closures.jsonl', 'journal.jsonl', 'keys.jsonl'] as const;
const COMMENT_PREFIX = 'tillsync-signature:ed25519:';
const EOCD = 0x06054b50;

export interface ArchiveKey {
  keyId: string;
  fingerprint: string;
  publicKeyPem: string;
  /** Whose key: `till S1-01`, `server`. */
  owner: string;
}

export interface ArchiveContent {
  /** `S1-01` for a till, `server` for the store server's archive of several tills. */
  origin: string;
  store: string;
  /** Null for a server archive (several tills). */
  till: string | null;
  /** `all`, `YYYY` or `YYYY-MM`. */
  period: string;
  created: Date;
  software: string;
  tickets: Ticket[];
  closures: Closure[];
  journal: JetEvent[];
  keys: ArchiveKey[];
}

export interface ManifestEntry {
  name: string;
  lines: number;
  bytes: number;
  sha256: string;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  origin: string;
  store: string;
  till: string | null;
  period: string;
  created: string;
  software: string;
  signedBy: { keyId: string; fingerprint: string };
  entries: ManifestEntry[];
  /** Per till (`S1-01`): what its ticket run in this archive starts from and adds up to (decimal text, compare as numbers). */
  tickets: Record<string, { count: number; firstNumber: number | null; lastNumber: number | null; previousHash: string | null; lastHash: string | null; total: string; totalAbs: string }>;
  closures: { day: number; month: number; year: number };
  /** Per journal origin: first and last seq and the hash the first event chains to. */
  journal: Record<string, { count: number; firstSeq: number | null; lastSeq: number | null; previousHash: string | null }>;
}

export function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

export function jsonLines(rows: unknown[]): Buffer {
  return Buffer.from(rows.map((r) => `${canonicalJson(r)}\n`).join(''), 'utf8');
}

function tillOf(t: { store: string; till: string }): string {
  return `${t.store}-${t.till}`;
}

const README = (m: ArchiveManifest) => `tillsync fiscal archive (format ${ARCHIVE_FORMAT} v${ARCHIVE_VERSION})
Origin ${m.origin}, store ${m.store}${m.till ? `, till ${m.till}` : ''}, period ${m.period}, made ${m.created} by ${m.software}.

Every file here is UTF-8 text. *.jsonl hold one JSON object per line, keys sorted (canonical JSON).
manifest.json gives the SHA-256, byte size and line count of each .jsonl file.

Checking by hand (no tillsync needed, see docs/archive-format.md in tillsync):
- a ticket's "hash" is the SHA-256 (hex) of its canonical JSON without "hash"; its "prevHash" is the
  hash of the ticket before it (the first ticket of a till chains to 64 zeros);
- a closure's or journal event's "hash" is the SHA-256 of its canonical JSON without "hash" and
  "signature"; "signature" is the Ed25519 signature (base64) of the hash text by the key "keyId" in
  keys.jsonl; "prevHash" chains each to the previous one of its kind;
- the zip comment holds the Ed25519 signature of the SHA-256 of this zip file with an empty comment,
  by key ${m.signedBy.keyId} (fingerprint ${m.signedBy.fingerprint}).
Or run: tillsync audit verify ARCHIVE.zip
`;

/** Builds the archive's bytes, signed with `key` (whose public half must be among content.keys). */
export function buildArchive(content: ArchiveContent, key: TillKeyPair): { bytes: Buffer; manifest: ArchiveManifest } {
  const tickets = [...content.tickets].sort((a, b) => tillOf(a).localeCompare(tillOf(b)) || a.number - b.number);
  const journal = [...content.journal].sort((a, b) => a.origin.localeCompare(b.origin) || a.seq - b.seq);
  const data: Record<(typeof DATA_ENTRIES)[number], { rows: unknown[] }> = {
    'tickets.jsonl': { rows: tickets },
    'closures.jsonl': { rows: content.closures },
    'journal.jsonl': { rows: journal },
    'keys.jsonl': { rows: content.keys },
  };
  const files = new Map<string, Buffer>();
  const entries: ManifestEntry[] = DATA_ENTRIES.map((name) => {
    const bytes = jsonLines(data[name].rows);
    files.set(name, bytes);
    return { name, lines: data[name].rows.length, bytes: bytes.length, sha256: sha256Hex(bytes) };
  });
  const perTill: ArchiveManifest['tickets'] = {};
  for (const t of tickets) {
    const k = tillOf(t);
    const cur = perTill[k];
    if (!cur) perTill[k] = { count: 1, firstNumber: t.number, lastNumber: t.number, previousHash: t.prevHash, lastHash: t.hash, total: t.totals.inclVat, totalAbs: new D(t.totals.inclVat).abs().toString() };
    else {
      cur.count++;
      cur.lastNumber = t.number;
      cur.lastHash = t.hash;
      cur.total = sum([cur.total, t.totals.inclVat]).toString();
      cur.totalAbs = sum([cur.totalAbs, new D(t.totals.inclVat).abs()]).toString();
    }
  }
  const perOrigin: ArchiveManifest['journal'] = {};
  for (const e of journal) {
    const cur = perOrigin[e.origin];
    if (!cur) perOrigin[e.origin] = { count: 1, firstSeq: e.seq, lastSeq: e.seq, previousHash: e.prevHash };
    else {
      cur.count++;
      cur.lastSeq = e.seq;
    }
  }
  const count = (k: string) => content.closures.filter((c) => (c.kind ?? 'day') === k).length;
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    origin: content.origin,
    store: content.store,
    till: content.till,
    period: content.period,
    created: content.created.toISOString(),
    software: content.software,
    signedBy: { keyId: key.keyId, fingerprint: keyFingerprint(key.publicKeyPem) },
    entries,
    tickets: perTill,
    closures: { day: count('day'), month: count('month'), year: count('year') },
    journal: perOrigin,
  };
  const zip = new AdmZip();
  zip.addFile('README.txt', Buffer.from(README(manifest), 'utf8'));
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const [name, bytes] of files) zip.addFile(name, bytes);
  return { bytes: signZipFile(zip.toBuffer(), key), manifest };
}

function findEocd(bytes: Buffer): number {
  // The EOCD record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === EOCD && i + 22 + bytes.readUInt16LE(i + 20) === bytes.length) return i;
  }
  return -1;
}

/** Puts the whole-file signature in the zip comment (the zip must have no comment yet). */
export function signZipFile(zipBytes: Buffer, key: TillKeyPair): Buffer {
  const at = findEocd(zipBytes);
  if (at < 0 || zipBytes.readUInt16LE(at + 20) !== 0) throw new Error('signZipFile: not a zip without comment');
  const comment = Buffer.from(`${COMMENT_PREFIX}${key.keyId}:${signText(key.privateKeyPem, sha256Hex(zipBytes))}`, 'ascii');
  const out = Buffer.concat([zipBytes, comment]);
  out.writeUInt16LE(comment.length, at + 20);
  return out;
}

/** The signature in the zip comment and the digest it must sign (the file with an empty comment); null when absent. */
export function readZipSignature(bytes: Buffer): { keyId: string; signature: string; digest: string } | null {
  const at = findEocd(bytes);
  if (at < 0) return null;
  const len = bytes.readUInt16LE(at + 20);
  const m = new RegExp(`^${COMMENT_PREFIX}([0-9a-f]{16}):([A-Za-z0-9+/=]+)$`).exec(bytes.subarray(at + 22, at + 22 + len).toString('latin1'));
  if (!m) return null;
  const body = Buffer.from(bytes.subarray(0, at + 22));
  body.writeUInt16LE(0, at + 20);
  return { keyId: m[1], signature: m[2], digest: sha256Hex(body) };
}
