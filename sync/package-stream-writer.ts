/**
 * Writes a ticket package of any size in bounded memory: tickets come in pages (an async iterable,
 * in number order), each line is deflated as it comes into a scratch file beside the package, and
 * the zip is assembled once the manifest is signed. What stays in memory: one page of tickets, the
 * deflater's window, and 32 bytes per ticket for hashes.bin (32 MB for a million tickets).
 *
 * The bytes are a package as sync/package-writer.ts buildTicketPackage writes them (same lines,
 * same manifest, same signature call); only the zip's entry order and deflate framing may differ,
 * which no reader looks at. Output as writeTicketPackage: `<name>.part`, fsync, rename to a free
 * name, fsync the folder; on any failure nothing named `.zip` is left.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';
import { asWriteError, fsyncDir, publishPartFile } from './atomic-file.ts';
import { TillsyncError } from './errors.ts';
import { D, fmt, type Dec, type Decimals } from './money.ts';
import { HASHES_ENTRY, HASH_BYTES, LEGACY_HMAC_VERSION, PACKAGE_FORMAT, PACKAGE_VERSION, TICKETS_ENTRY, packageFileName, type PackageKind, type PackageManifest } from './package-format.ts';
import { encodeTicketLine } from './package-lines.ts';
import { signerFields, signWith, type PackageSigner } from './package-writer.ts';
import { MANIFEST_ENTRY, signedManifest } from './signed-zip.ts';
import type { Ticket } from './types.ts';

export interface StreamPackageOptions {
  store: string;
  till: string;
  kind: PackageKind;
  /** Pages of tickets, each page and the pages in ascending number order. */
  pages: AsyncIterable<Ticket[]> | Iterable<Ticket[]>;
  /** How many tickets the pages hold (sizes hashes.bin; checked at the end). */
  count: number;
  /** The till's signing key (version 3)… */
  signer?: PackageSigner;
  /** …or, legacy, an HMAC secret (version 2). */
  secret?: string;
  created?: Date;
  /** Told the number of tickets written so far, after each page. */
  onProgress?: (done: number) => void;
}

export interface StreamedPackage {
  path: string;
  fileName: string;
  manifest: PackageManifest;
  bytes: number;
}

/** Uncompressed sizes of this zip must fit its 32-bit fields (no zip64): 4 GiB, far above any cap of the reader. */
const ZIP32_MAX = 0xffffffff;

interface WrittenEntry {
  name: string;
  size: number;
  compressedSize: number;
  crc: number;
  /** Deflated bytes: in a scratch file, or in memory. */
  file?: string;
  data?: Buffer;
}

/** Counts and hashes the text going into the deflater, which writes into the scratch file. */
class DeflatedEntry {
  size = 0;
  crc = 0;
  private readonly sha = createHash('sha256');
  private readonly deflate: DeflateRaw;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  constructor(readonly file: string) {
    this.deflate = createDeflateRaw();
    this.out = createWriteStream(file);
    this.done = pipeline(this.deflate, this.out);
  }

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, 'utf8');
    this.size += chunk.length;
    this.crc = crc32(chunk, this.crc);
    this.sha.update(chunk);
    // Wait when the deflater's buffer is full: memory stays at one page, whatever the package.
    if (!this.deflate.write(chunk)) await new Promise<void>((resolve) => this.deflate.once('drain', resolve));
  }

  async end(): Promise<{ sha256: string }> {
    this.deflate.end();
    await this.done;
    return { sha256: this.sha.digest('hex') };
  }
}

export async function streamTicketPackage(outDir: string, opts: StreamPackageOptions): Promise<StreamedPackage> {
  const created = opts.created ?? new Date();
  const fileName = packageFileName(opts.kind, opts.till, created);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new TillsyncError('no-folder', `cannot create folder ${outDir}: ${(e as Error).message}`, { hint: 'choose another --out folder', cause: e });
  }
  const scratch = join(outDir, `${fileName}.lines.part`);
  const part = join(outDir, `${fileName}.part`);
  try {
    const lines = new DeflatedEntry(scratch);
    const hashes = Buffer.alloc(opts.count * HASH_BYTES);
    let k = 0;
    let first: number | null = null;
    let last: number | null = null;
    let decimals = 2;
    let due: Dec = new D(0);
    let inclVat: Dec = new D(0);
    try {
      for await (const page of opts.pages) {
        let text = '';
        let pageDue: Dec = new D(0);
        let pageIncl: Dec = new D(0);
        for (const t of page) {
          if (t.store !== opts.store || t.till !== opts.till) {
            throw new TillsyncError('wrong-till', `ticket ${t.id} belongs to ${t.store} till ${t.till}, not to ${opts.store} till ${opts.till}`, { ref: { ticket: t.id, till: opts.till } });
          }
          if (last !== null && t.number <= last) {
            throw new TillsyncError(t.number === last ? 'duplicate-ticket' : 'unsorted-tickets', t.number === last ? `ticket number ${t.number} appears twice in the extraction` : `ticket ${t.number} comes after ${last}: pages must be in number order`, { ref: { ticket: t.id, till: opts.till } });
          }
          if (k >= opts.count) throw new TillsyncError('count-mismatch', `more tickets than the ${opts.count} announced`, { ref: { till: opts.till } });
          text += encodeTicketLine(t, k === 0 ? null : hashes.toString('hex', (k - 1) * HASH_BYTES, k * HASH_BYTES), opts.store, opts.till, hashes, k * HASH_BYTES);
          first ??= t.number;
          last = t.number;
          const d = t.rounding?.decimals ?? 2;
          if (d > decimals) decimals = d;
          pageDue = pageDue.plus(t.totals.due);
          pageIncl = pageIncl.plus(t.totals.inclVat);
          k++;
        }
        due = due.plus(pageDue);
        inclVat = inclVat.plus(pageIncl);
        if (text) await lines.write(text);
        opts.onProgress?.(k);
      }
    } catch (e) {
      // Close the scratch file before it is removed; the first error is the one to tell.
      await lines.end().catch(() => undefined);
      throw e;
    }
    const { sha256: linesSha } = await lines.end();
    if (k !== opts.count) throw new TillsyncError('count-mismatch', `${k} tickets came, ${opts.count} were announced`, { hint: 'extract again', ref: { till: opts.till } });
    if (lines.size > ZIP32_MAX) throw new TillsyncError('package-too-large', `${k} tickets make ${lines.size} bytes of lines, over what one package holds`, { hint: 'extract in smaller packages' });

    const header: Record<string, unknown> = {
      format: PACKAGE_FORMAT,
      version: opts.signer ? PACKAGE_VERSION : LEGACY_HMAC_VERSION,
      store: opts.store,
      till: opts.till,
      kind: opts.kind,
      created: created.toISOString(),
      count: k,
      firstNumber: first,
      lastNumber: last,
      totals: { due: fmt(due, decimals as Decimals), inclVat: fmt(inclVat, decimals as Decimals) },
      ...signerFields(opts.signer, `${opts.store}-${opts.till}`),
    };
    const manifest = signedManifest(
      header,
      [
        { name: HASHES_ENTRY, size: hashes.length, sha256: createHash('sha256').update(hashes).digest('hex') },
        { name: TICKETS_ENTRY, size: lines.size, sha256: linesSha },
      ],
      signWith({ ...opts, tickets: [] }),
    );
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
    const inMemory = (name: string, data: Buffer): WrittenEntry => {
      const deflated = deflateRawSync(data);
      return { name, size: data.length, compressedSize: deflated.length, crc: crc32(data), data: deflated };
    };
    const entries: WrittenEntry[] = [
      inMemory(HASHES_ENTRY, hashes),
      inMemory(MANIFEST_ENTRY, manifestBytes),
      { name: TICKETS_ENTRY, size: lines.size, compressedSize: (await stat(scratch)).size, crc: lines.crc, file: scratch },
    ];
    const bytes = await writeZip(part, entries);
    const placed = await publishPartFile(outDir, fileName, part, 'extract again');
    await fsyncDir(outDir);
    return { path: placed.path, fileName: placed.fileName, manifest: manifest as unknown as PackageManifest, bytes };
  } catch (e) {
    await rm(part, { force: true }).catch(() => undefined);
    throw asWriteError(e, join(outDir, fileName), outDir, 'extract again');
  } finally {
    await rm(scratch, { force: true }).catch(() => undefined);
  }
}

/** Local headers and data, then the central directory; fsynced. Returns the file's size. */
async function writeZip(path: string, entries: WrittenEntry[]): Promise<number> {
  const fh = await open(path, 'w', 0o644);
  let offset = 0;
  const put = async (b: Buffer) => {
    await fh.write(b, 0, b.length, offset);
    offset += b.length;
  };
  try {
    const central: Buffer[] = [];
    for (const e of entries) {
      if (e.compressedSize > ZIP32_MAX || offset > ZIP32_MAX) throw new TillsyncError('package-too-large', 'the package would pass 4 GiB', { hint: 'extract in smaller packages' });
      const name = Buffer.from(e.name, 'utf8');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(e.crc >>> 0, 14);
      local.writeUInt32LE(e.compressedSize, 18);
      local.writeUInt32LE(e.size, 22);
      local.writeUInt16LE(name.length, 26);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4);
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(0x0800, 8);
      cd.writeUInt16LE(8, 10);
      cd.writeUInt32LE(e.crc >>> 0, 16);
      cd.writeUInt32LE(e.compressedSize, 20);
      cd.writeUInt32LE(e.size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, name);
      await put(local);
      await put(name);
      if (e.data) await put(e.data);
      else {
        for await (const chunk of createReadStream(e.file!, { highWaterMark: 1 << 20 })) await put(chunk as Buffer);
      }
    }
    const cdStart = offset;
    for (const b of central) await put(b);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(offset - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    await put(end);
    await fh.sync();
    return offset;
  } finally {
    await fh.close();
  }
}
