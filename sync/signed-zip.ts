/**
 * A zip whose `manifest.json` lists every other entry with its size and sha256 and is signed with
 * HMAC-SHA256. Ticket packages (TicDeg/TicDep) and base-file bundles are both signed zips.
 *
 * The reader treats the bytes as hostile until proven otherwise: it checks entry names and the
 * sizes declared in the central directory BEFORE inflating anything, inflates with a hard output
 * cap, and only then trusts the manifest (signature) and the entries (checksums).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { TillsyncError } from './errors.ts';
import { canonicalJson } from './ticket-chain.ts';

export const MANIFEST_ENTRY = 'manifest.json';

/** More entries than any signed zip of ours holds, far fewer than a central-directory bomb. */
const MAX_ENTRIES = 1000;

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
}

export type PackageErrorReason =
  | 'zip-corrupt'
  | 'path-traversal'
  | 'unexpected-entry'
  | 'too-large'
  | 'compression-ratio'
  | 'manifest'
  | 'checksum'
  | 'unknown-till'
  | 'signature'
  | 'unknown-key'
  | 'format-version';

const HINTS: Record<PackageErrorReason, string> = {
  'zip-corrupt': 'the file is damaged or incomplete: copy it again from the till, or extract again',
  'path-traversal': 'this file was not made by a tillsync till: do not unpack it by hand, extract again on the till',
  'unexpected-entry': 'this file was not made by a tillsync till or was modified: extract again on the till',
  'too-large': 'refused as a possible zip bomb: extract again on the till, in smaller packages if needed',
  'compression-ratio': 'refused as a possible zip bomb: extract again on the till',
  manifest: 'the package manifest is missing or invalid: extract again on the till',
  checksum: 'the package was modified after it was written: extract again on the till',
  'unknown-till': 'enroll the till on the server first (tillsync server enroll-till), then send the package again',
  signature: 'the package was not signed with this till\'s key: extract it again on the till itself',
  'unknown-key': 'the server knows no such signing key for this till: let the till contact the server once (it registers its key), or re-enrol it',
  'format-version': 'update tillsync on the server to a version that reads this package format',
};

const STATUS: Record<PackageErrorReason, number> = {
  'zip-corrupt': 422,
  'path-traversal': 422,
  'unexpected-entry': 422,
  'too-large': 413,
  'compression-ratio': 413,
  manifest: 422,
  checksum: 422,
  'unknown-till': 403,
  signature: 403,
  'unknown-key': 403,
  'format-version': 422,
};

/** A package refused as a whole, with a stable reason and the file it came from. */
export class PackageError extends TillsyncError {
  readonly reason: PackageErrorReason;

  constructor(reason: PackageErrorReason, fileName: string, detail: string, opts: { entry?: string; till?: string; hint?: string; cause?: unknown } = {}) {
    super(`package-${reason}`, `${fileName}: ${detail}`, {
      hint: opts.hint ?? HINTS[reason],
      ref: { file: fileName, ...(opts.entry !== undefined ? { entry: opts.entry } : {}), ...(opts.till !== undefined ? { till: opts.till } : {}) },
      status: STATUS[reason],
      cause: opts.cause,
    });
    this.name = 'PackageError';
    this.reason = reason;
  }
}

export function isPackageError(e: unknown): e is PackageError {
  return e instanceof PackageError;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a manifest's signature covers: its canonical JSON without the signature field. */
export function manifestSigningText(manifest: Record<string, unknown>): string {
  const { signature: _ignored, ...unsigned } = manifest;
  return canonicalJson(unsigned);
}

/** HMAC over the canonical JSON of the manifest without its signature field. */
export function signManifest(manifest: Record<string, unknown>, secret: string): string {
  return createHmac('sha256', secret).update(manifestSigningText(manifest)).digest('hex');
}

/**
 * The manifest of a signed zip: the header, the entries' sizes and checksums, the signature. The
 * one place a manifest is signed, for the in-memory writer and the streaming package writer alike.
 */
export function signedManifest(header: Record<string, unknown>, entries: ManifestEntry[], key: { secret?: string; sign?: (text: string) => string }): Record<string, unknown> {
  if (!key.secret && !key.sign) throw new TillsyncError('no-secret', 'cannot sign a package without a key', { hint: 'initialise the till first (tillsync till init)' });
  const manifest: Record<string, unknown> = { ...header, entries };
  manifest.signature = key.sign ? key.sign(manifestSigningText(manifest)) : signManifest(manifest, key.secret!);
  return manifest;
}

export interface SignedZipInput {
  header: Record<string, unknown>;
  entries: { name: string; data: Buffer }[];
  /** HMAC secret (base bundles, legacy ticket packages)… */
  secret?: string;
  /** …or a signer of the manifest's signing text (ticket packages: the till's Ed25519 key). */
  sign?: (text: string) => string;
}

export function writeSignedZip(opts: SignedZipInput): Buffer {
  return buildSignedZip(opts).bytes;
}

/** As writeSignedZip, also returning the signed manifest exactly as stored. */
export function buildSignedZip(opts: SignedZipInput): { bytes: Buffer; manifest: Record<string, unknown> } {
  if (!opts.secret && !opts.sign) throw new TillsyncError('no-secret', 'cannot sign a package without a key', { hint: 'initialise the till first (tillsync till init)' });
  const names = new Set<string>();
  for (const e of opts.entries) {
    const bad = unsafeNameReason(e.name);
    if (bad || e.name === MANIFEST_ENTRY || names.has(e.name)) {
      throw new TillsyncError('bad-entry-name', `cannot package entry ${printable(e.name)}: ${bad ?? 'reserved or duplicated name'}`);
    }
    names.add(e.name);
  }
  const manifest = signedManifest(opts.header, opts.entries.map((e) => ({ name: e.name, size: e.data.length, sha256: sha256Hex(e.data) })), opts);
  const zip = new AdmZip();
  // adm-zip stores the entries in name order, whatever the order they are added in.
  zip.addFile(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'));
  for (const e of opts.entries) zip.addFile(e.name, e.data);
  return { bytes: zip.toBuffer(), manifest };
}

export interface ReadSignedZipOptions {
  /** Entry names allowed besides manifest.json. */
  allowedEntries: string[];
  /** Cap on the uncompressed size of any entry (declared and real). */
  maxEntryBytes: number;
  /** Cap on uncompressed / compressed size of any entry. */
  maxRatio: number;
  /** The HMAC secret of whoever signed this manifest, or undefined when the signer is unknown… */
  secretFor?: (manifest: any) => string | undefined;
  /** …or a check of the signature over manifestSigningText that throws a PackageError when it fails. */
  verifySignature?: (manifest: any, signedText: string) => void;
  /** Refuses manifests of another format or version (throw a PackageError) before the signature is checked. */
  checkHeader?: (manifest: any) => void;
}

export interface SignedZipContent {
  manifest: any;
  entries: Map<string, Buffer>;
}

type LimitOptions = Pick<ReadSignedZipOptions, 'maxEntryBytes' | 'maxRatio'> & {
  /** 'any' only to peek at a manifest (e.g. to name a mail): names are still checked for traversal. */
  allowedEntries: string[] | 'any';
};

/**
 * Opens the zip and vets every entry from its central-directory header (names, duplicates, sizes,
 * ratio) without inflating anything; returns an inflater that enforces the same caps on real data.
 */
interface Vetted {
  names: string[];
  inflate: (name: string) => Buffer;
  /** The entry inflated chunk by chunk under the same caps; its size and CRC are checked after its last chunk. */
  stream: (name: string, onChunk?: (chunk: Buffer) => void) => AsyncGenerator<Buffer>;
}

/** Inflated chunks handed to a streamed entry's reader (the inflater's own default is 16 KB). */
const STREAM_CHUNK = 256 * 1024;

function openVetted(bytes: Buffer, fileName: string, opts: LimitOptions): Vetted {
  if (!Buffer.isBuffer(bytes) || bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) {
    throw new PackageError('zip-corrupt', fileName, 'not a zip file (truncated, damaged or another kind of file)');
  }
  let list: AdmZip.IZipEntry[];
  try {
    const zip = new AdmZip(bytes);
    // Parsing a central directory of millions of tiny entries is itself an attack: count first.
    const count = zip.getEntryCount();
    if (count > MAX_ENTRIES) throw new PackageError('unexpected-entry', fileName, `the zip declares ${count} entries (at most ${MAX_ENTRIES} expected)`);
    list = zip.getEntries();
  } catch (e) {
    if (e instanceof PackageError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const dup = /Duplicate entry name (.*)$/.exec(msg);
    if (dup) throw new PackageError('unexpected-entry', fileName, `entry ${dup[1]} appears twice in the package`, { cause: e });
    throw new PackageError('zip-corrupt', fileName, `not a readable zip (${msg.replace(/^ADM-ZIP: /, '')})`, { cause: e });
  }
  const allowed = opts.allowedEntries === 'any' ? null : new Set([MANIFEST_ENTRY, ...opts.allowedEntries]);
  const byName = new Map<string, AdmZip.IZipEntry>();
  for (const entry of list) {
    const name = entry.entryName;
    const bad = unsafeNameReason(name);
    if (bad) throw new PackageError('path-traversal', fileName, `entry ${printable(name)} escapes the package (${bad})`, { entry: name });
  }
  for (const entry of list) {
    const name = entry.entryName;
    if (allowed && !allowed.has(name)) throw new PackageError('unexpected-entry', fileName, `unexpected entry ${printable(name)} (expected only ${[...allowed].join(', ')})`, { entry: name });
    if (byName.has(name)) throw new PackageError('unexpected-entry', fileName, `entry ${printable(name)} appears twice in the package`, { entry: name });
    byName.set(name, entry);
    const h = entry.header;
    if (h.size > opts.maxEntryBytes) {
      throw new PackageError('too-large', fileName, `entry ${name} declares ${h.size} bytes uncompressed, over the ${opts.maxEntryBytes}-byte cap`, { entry: name });
    }
    if (h.size > 0 && h.size > h.compressedSize * opts.maxRatio) {
      throw new PackageError('compression-ratio', fileName, `entry ${name} declares a compression ratio of ${ratioText(h.size, h.compressedSize)}, over the ${opts.maxRatio}:1 cap`, { entry: name });
    }
    if (h.encrypted) throw new PackageError('zip-corrupt', fileName, `entry ${name} is encrypted`, { entry: name });
    if (h.method !== 0 && h.method !== 8) throw new PackageError('zip-corrupt', fileName, `entry ${name} uses unsupported compression method ${h.method}`, { entry: name });
  }

  const inflate = (name: string): Buffer => {
    const entry = byName.get(name);
    if (!entry) throw new Error(`no entry ${name}`);
    const h = entry.header;
    let raw: Buffer;
    try {
      raw = entry.getCompressedData();
    } catch (e) {
      throw new PackageError('zip-corrupt', fileName, `entry ${name} is truncated or damaged`, { entry: name, cause: e });
    }
    let data: Buffer;
    if (h.method === 0) {
      data = raw;
    } else {
      // The declared sizes may lie: cap the real output at what the checks above allowed.
      const byRatio = raw.length * opts.maxRatio;
      const cap = Math.min(opts.maxEntryBytes, byRatio);
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, cap) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          if (cap === opts.maxEntryBytes) throw new PackageError('too-large', fileName, `entry ${name} inflates past the ${opts.maxEntryBytes}-byte cap`, { entry: name, cause: e });
          throw new PackageError('compression-ratio', fileName, `entry ${name} inflates past the ${opts.maxRatio}:1 compression ratio cap`, { entry: name, cause: e });
        }
        throw new PackageError('zip-corrupt', fileName, `entry ${name} cannot be inflated (damaged data)`, { entry: name, cause: e });
      }
    }
    if (data.length !== h.size) throw new PackageError('zip-corrupt', fileName, `entry ${name} holds ${data.length} bytes but its header says ${h.size}`, { entry: name });
    if (crc32(data) >>> 0 !== h.crc >>> 0) throw new PackageError('zip-corrupt', fileName, `entry ${name} fails its CRC check (damaged data)`, { entry: name });
    return data;
  };

  const compressed = (name: string): { raw: Buffer; h: AdmZip.IZipEntry['header'] } => {
    const entry = byName.get(name);
    if (!entry) throw new Error(`no entry ${name}`);
    try {
      return { raw: entry.getCompressedData(), h: entry.header };
    } catch (e) {
      throw new PackageError('zip-corrupt', fileName, `entry ${name} is truncated or damaged`, { entry: name, cause: e });
    }
  };

  /**
   * As inflate, a chunk at a time: the caps are enforced on the bytes inflated so far, before the
   * next chunk is taken, and the size and CRC once the last chunk is out (the reader must then
   * treat nothing it saw as committed: see the ticket package reader).
   */
  async function* stream(name: string, onChunk?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
    const { raw, h } = compressed(name);
    const cap = h.method === 0 ? opts.maxEntryBytes : Math.min(opts.maxEntryBytes, raw.length * opts.maxRatio);
    let size = 0;
    let crc = 0;
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size > Math.max(1, cap)) {
        if (cap === opts.maxEntryBytes) throw new PackageError('too-large', fileName, `entry ${name} inflates past the ${opts.maxEntryBytes}-byte cap`, { entry: name });
        throw new PackageError('compression-ratio', fileName, `entry ${name} inflates past the ${opts.maxRatio}:1 compression ratio cap`, { entry: name });
      }
      crc = crc32(chunk, crc);
      onChunk?.(chunk);
    };
    if (h.method === 0) {
      for (let at = 0; at < raw.length; at += STREAM_CHUNK) {
        const chunk = raw.subarray(at, Math.min(raw.length, at + STREAM_CHUNK));
        take(chunk);
        yield chunk;
      }
    } else {
      const inflater = createInflateRaw({ chunkSize: STREAM_CHUNK });
      inflater.end(raw);
      try {
        for await (const chunk of inflater as AsyncIterable<Buffer>) {
          take(chunk);
          yield chunk;
        }
      } catch (e) {
        if (e instanceof PackageError) throw e;
        throw new PackageError('zip-corrupt', fileName, `entry ${name} cannot be inflated (damaged data)`, { entry: name, cause: e });
      } finally {
        inflater.destroy();
      }
    }
    if (size !== h.size) throw new PackageError('zip-corrupt', fileName, `entry ${name} holds ${size} bytes but its header says ${h.size}`, { entry: name });
    if (crc >>> 0 !== h.crc >>> 0) throw new PackageError('zip-corrupt', fileName, `entry ${name} fails its CRC check (damaged data)`, { entry: name });
  }

  return { names: [...byName.keys()], inflate, stream };
}

function parseManifest(vetted: Vetted, fileName: string): any {
  if (!vetted.names.includes(MANIFEST_ENTRY)) throw new PackageError('manifest', fileName, `no ${MANIFEST_ENTRY} in the package`);
  const text = vetted.inflate(MANIFEST_ENTRY).toString('utf8');
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new PackageError('manifest', fileName, `${MANIFEST_ENTRY} is not valid JSON`, { entry: MANIFEST_ENTRY, cause: e });
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new PackageError('manifest', fileName, `${MANIFEST_ENTRY} is not a JSON object`, { entry: MANIFEST_ENTRY });
  }
  return manifest;
}

/**
 * The manifest as written, with the zip checks done but NOT the signature or checksums: enough to
 * find who claims to have signed it (and so which secret to verify with). Never act on it alone.
 */
export function inspectSignedZip(bytes: Buffer, fileName: string, opts: LimitOptions & { checkHeader?: (manifest: any) => void }): any {
  const manifest = parseManifest(openVetted(bytes, fileName, opts), fileName);
  opts.checkHeader?.(manifest);
  return manifest;
}

export function readSignedZip(bytes: Buffer, fileName: string, opts: ReadSignedZipOptions): SignedZipContent {
  const vetted = openVetted(bytes, fileName, opts);
  const manifest = parseManifest(vetted, fileName);
  opts.checkHeader?.(manifest);

  if (opts.verifySignature) opts.verifySignature(manifest, manifestSigningText(manifest));
  else checkHmac(manifest, fileName, opts.secretFor?.(manifest));
  return checkEntries(manifest, vetted, fileName);
}

/** Checks a manifest's HMAC-SHA256 signature (base bundles, version 1–2 ticket packages). */
export function checkHmac(manifest: any, fileName: string, secret: string | undefined): void {
  if (!secret) {
    const who = [manifest.store, manifest.till].filter((x) => typeof x === 'string').join(' till ') || 'unnamed signer';
    throw new PackageError('unknown-till', fileName, `signed by ${printable(who)}, which this side does not know`);
  }
  if (typeof manifest.signature !== 'string' || !/^[0-9a-f]{64}$/.test(manifest.signature)) {
    throw new PackageError('signature', fileName, 'the manifest carries no valid signature');
  }
  const expected = Buffer.from(signManifest(manifest, secret), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(manifest.signature, 'hex'))) {
    throw new PackageError('signature', fileName, 'the signature does not match (signed with another secret, or the manifest was modified)');
  }
}

/**
 * readSignedZip for a zip with one entry too large to hold (a long outage's tickets.jsonl): the
 * manifest, its signature and every other entry are checked now, as readSignedZip does; the
 * `streamed` entry comes chunk by chunk, and ONLY after its last chunk are its size and sha256
 * against the manifest (and its CRC) known: a reader must commit nothing it built from the chunks
 * until the generator has returned (one transaction, rolled back on the PackageError it throws).
 */
export function readSignedZipStreaming(bytes: Buffer, fileName: string, opts: ReadSignedZipOptions & { streamed: string }): SignedZipContent & { stream: (() => AsyncGenerator<Buffer>) | null } {
  const vetted = openVetted(bytes, fileName, opts);
  const manifest = parseManifest(vetted, fileName);
  opts.checkHeader?.(manifest);
  if (opts.verifySignature) opts.verifySignature(manifest, manifestSigningText(manifest));
  else checkHmac(manifest, fileName, opts.secretFor?.(manifest));
  const { entries } = checkEntries(manifest, vetted, fileName, opts.streamed);
  const me = (manifest.entries as ManifestEntry[]).find((e) => e.name === opts.streamed);
  if (!me) return { manifest, entries, stream: null };
  async function* stream(): AsyncGenerator<Buffer> {
    const digest = createHash('sha256');
    let size = 0;
    yield* vetted.stream(me!.name, (chunk) => {
      size += chunk.length;
      digest.update(chunk);
    });
    if (size !== me!.size || digest.digest('hex') !== me!.sha256) {
      throw new PackageError('checksum', fileName, `entry ${me!.name} does not match its checksum in the manifest (modified after signing)`, { entry: me!.name });
    }
  }
  return { manifest, entries, stream };
}

function checkEntries(manifest: any, vetted: Vetted, fileName: string, streamed?: string): SignedZipContent {

  if (!Array.isArray(manifest.entries)) throw new PackageError('manifest', fileName, 'the manifest lists no entries');
  const listed = new Map<string, ManifestEntry>();
  for (const e of manifest.entries as unknown[]) {
    const ok = e && typeof e === 'object' && typeof (e as ManifestEntry).name === 'string' && Number.isInteger((e as ManifestEntry).size) && typeof (e as ManifestEntry).sha256 === 'string';
    if (!ok) throw new PackageError('manifest', fileName, 'the manifest has a malformed entry in its list');
    const me = e as ManifestEntry;
    if (listed.has(me.name) || me.name === MANIFEST_ENTRY) throw new PackageError('manifest', fileName, `the manifest lists ${printable(me.name)} twice`);
    listed.set(me.name, me);
  }
  for (const name of vetted.names) {
    if (name !== MANIFEST_ENTRY && !listed.has(name)) throw new PackageError('unexpected-entry', fileName, `entry ${name} is not listed in the manifest`, { entry: name });
  }
  const entries = new Map<string, Buffer>();
  for (const me of listed.values()) {
    if (!vetted.names.includes(me.name)) throw new PackageError('checksum', fileName, `entry ${printable(me.name)} is listed in the manifest but missing from the package`, { entry: me.name });
    if (me.name === streamed) continue;
    const data = vetted.inflate(me.name);
    if (data.length !== me.size || sha256Hex(data) !== me.sha256) {
      throw new PackageError('checksum', fileName, `entry ${me.name} does not match its checksum in the manifest (modified after signing)`, { entry: me.name });
    }
    entries.set(me.name, data);
  }
  return { manifest, entries };
}

/** Why a zip entry name could land outside the folder it is unpacked into, or null if it cannot. */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('\\')) return 'backslash in path';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.split('/').some((seg) => seg === '..')) return 'path traversal';
  if (/[\u0000-\u001f]/.test(name)) return 'control character in name';
  return null;
}

/** Entry names come from hostile files: keep messages on one line and readable. */
function printable(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}

function ratioText(size: number, compressed: number): string {
  return compressed === 0 ? 'infinite' : `${Math.round(size / compressed)}:1`;
}
