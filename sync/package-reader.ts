/**
 * Reads ticket packages. The package as a whole is accepted or refused (PackageError: zip,
 * manifest, signature, checksum); once it is accepted, each ticket line is judged on its own so
 * one bad ticket never holds back the good ones around it.
 */
import {
  HASHES_ENTRY,
  HASH_BYTES,
  MAX_COMPRESSION_RATIO,
  MAX_ENTRY_BYTES,
  MAX_LINE_BYTES,
  PACKAGE_FORMAT,
  READABLE_PACKAGE_VERSIONS,
  TICKETS_ENTRY,
  type PackageManifest,
} from './package-format.ts';
import { putBackOmitted, restoreTicketLine } from './package-lines.ts';
import { PackageError, checkHmac, inspectSignedZip, readSignedZip, readSignedZipStreaming } from './signed-zip.ts';
import { verifyText } from './till-keys.ts';
import { canonicalTicketTexts, inCanonicalOrder, sha256Text, ticketId, type CanonicalTicketTexts } from './ticket-chain.ts';
import type { Ticket } from './types.ts';
import { D, type Dec } from './money.ts';

export { PackageError, isPackageError, type PackageErrorReason } from './signed-zip.ts';

const LIMITS = { allowedEntries: [TICKETS_ENTRY, HASHES_ENTRY], maxEntryBytes: MAX_ENTRY_BYTES, maxRatio: MAX_COMPRESSION_RATIO };

const KINDS = new Set(['degraded', 'untransferred']);

/** Refuses anything that is not a ticket package of a version this reader knows, before any secret is looked up. */
function checkPackageHeader(fileName: string) {
  return (m: any): void => {
    if (m.format !== PACKAGE_FORMAT) {
      throw new PackageError('manifest', fileName, `not a tillsync ticket package (format ${JSON.stringify(m.format ?? null)})`);
    }
    if (!READABLE_PACKAGE_VERSIONS.includes(m.version)) {
      const known = `${READABLE_PACKAGE_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_PACKAGE_VERSIONS[READABLE_PACKAGE_VERSIONS.length - 1]}`;
      throw new PackageError('format-version', fileName, `package format version ${JSON.stringify(m.version ?? null)} is not supported (this tillsync reads versions ${known})`);
    }
    const problems: string[] = [];
    if (typeof m.store !== 'string' || !m.store) problems.push('store');
    if (typeof m.till !== 'string' || !m.till) problems.push('till');
    if (!KINDS.has(m.kind)) problems.push('kind');
    if (typeof m.created !== 'string' || Number.isNaN(Date.parse(m.created))) problems.push('created');
    if (!Number.isInteger(m.count) || m.count < 0) problems.push('count');
    if (!(m.firstNumber === null || Number.isInteger(m.firstNumber))) problems.push('firstNumber');
    if (!(m.lastNumber === null || Number.isInteger(m.lastNumber))) problems.push('lastNumber');
    if (!m.totals || typeof m.totals.due !== 'string' || typeof m.totals.inclVat !== 'string') problems.push('totals');
    if (m.version >= 3 && (typeof m.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(m.keyId))) problems.push('keyId');
    if (problems.length) throw new PackageError('manifest', fileName, `the manifest has missing or invalid fields: ${problems.join(', ')}`);
  };
}

/**
 * The manifest as written, UNVERIFIED (zip checks only): the server reads `store`/`till` from it to
 * find the secret to verify with. Never trust anything else in it before readTicketPackage.
 */
export function inspectPackage(bytes: Buffer, fileName: string): PackageManifest {
  return inspectSignedZip(bytes, fileName, { ...LIMITS, checkHeader: checkPackageHeader(fileName) }) as PackageManifest;
}

export interface TicketLineError {
  /** 1-based line of tickets.jsonl. */
  line: number;
  /** Ticket id when the line said which ticket it was. */
  ticket?: string;
  message: string;
}

export interface ReadPackage {
  manifest: PackageManifest;
  tickets: Ticket[];
  lineErrors: TicketLineError[];
}

/** A ticket of a package, with its canonical text (canonicalJson(ticket)) whose hash was just verified. */
export interface ReadTicket {
  ticket: Ticket;
  content: string;
}

/**
 * Where the non-blank lines of tickets.jsonl are: the k-th one is line `line[k]` (1-based) and
 * its text is bytes `start[k]`–`end[k]` of the entry, line ending left out. Offsets rather than
 * strings, so that worker threads decode the lines they judge and this thread decodes none of
 * theirs (decoding the whole text here was a tenth of this thread's share of a large intake).
 */
export interface TicketLineIndex {
  count: number;
  line: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

/**
 * A package whose zip, signature and checksums are verified and whose line count agrees with its
 * manifest: everything that refuses a package as a whole before its lines are read.
 */
export interface OpenedPackage {
  manifest: PackageManifest;
  /** tickets.jsonl, as signed. */
  data: Buffer;
  lines: TicketLineIndex;
  /** hashes.bin (version 2 and later). */
  hashes?: Buffer;
}

const isAsciiSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * The lines of tickets.jsonl as splitting its text on "\n", dropping a final "\r" and skipping
 * lines that trim() to nothing would find them. A line break byte is never inside a UTF-8
 * sequence, so decoding each line alone gives the very text splitting the decoded whole gives.
 */
export function indexTicketLines(data: Buffer, maxLineBytes = Infinity, tooLong?: (line: number, bytes: number) => never): TicketLineIndex {
  let capacity = 1024;
  let line = new Int32Array(capacity);
  let start = new Int32Array(capacity);
  let end = new Int32Array(capacity);
  let count = 0;
  let from = 0;
  for (let i = 1; from <= data.length; i++) {
    let to = data.indexOf(10, from);
    if (to < 0) to = data.length;
    let stop = to;
    if (stop > from && data[stop - 1] === 13) stop--;
    if (stop - from > maxLineBytes) {
      if (tooLong) tooLong(i, stop - from);
      throw new RangeError(`line ${i} is ${stop - from} bytes long`);
    }
    // Blank unless a non-space shows; any byte past ASCII is settled by trim() on the decoded line.
    let j = from;
    while (j < stop && isAsciiSpace(data[j])) j++;
    const blank = j === stop || (data[j] >= 0x80 && data.toString('utf8', from, stop).trim() === '');
    if (!blank) {
      if (count === capacity) {
        capacity *= 2;
        const grow = (a: Int32Array) => {
          const b = new Int32Array(capacity);
          b.set(a);
          return b;
        };
        line = grow(line);
        start = grow(start);
        end = grow(end);
      }
      line[count] = i;
      start[count] = from;
      end[count] = stop;
      count++;
    }
    from = to + 1;
  }
  return { count, line: line.subarray(0, count), start: start.subarray(0, count), end: end.subarray(0, count) };
}

/** The text of the k-th non-blank line. */
export function lineTextAt(data: Buffer, lines: TicketLineIndex, k: number): string {
  return data.toString('utf8', lines.start[k], lines.end[k]);
}

/** A legacy verifier: the HMAC secret of a till (version 1–2 packages only). */
export type SecretFor = (store: string, till: string) => string | undefined;

/** Who may have signed a package: the keys the receiving side registered for each till. */
export interface PackageVerifier {
  /** The public key (PEM) registered for the till under this key id, retired ones included. */
  publicKey(store: string, till: string, keyId: string): string | undefined;
  /** The HMAC secret of a till allowed to send version 1–2 packages, if any. */
  legacySecret?(store: string, till: string): string | undefined;
  /** Whether the till is known at all (refusals then say "unknown till" rather than "unknown key"). */
  enrolled?(store: string, till: string): boolean;
}

/**
 * The one place a ticket package's signature is judged: version 3 by the till's Ed25519 key named
 * in the manifest (a retired key still verifies the packages it signed), versions 1–2 by the HMAC
 * secret of a till enrolled before version 3 (undefined for any other till: refused).
 */
function checkPackageSignature(fileName: string, verifier: PackageVerifier | SecretFor) {
  const v: PackageVerifier = typeof verifier === 'function' ? { publicKey: () => undefined, legacySecret: verifier } : verifier;
  return (m: any, signedText: string): void => {
    if (v.enrolled && !v.enrolled(m.store, m.till)) checkHmac(m, fileName, undefined);
    if (m.version < 3) {
      const secret = v.legacySecret?.(m.store, m.till);
      if (!secret && v.enrolled) {
        throw new PackageError('signature', fileName, `a version ${m.version} package is HMAC-signed, which till ${m.store}-${m.till} (enrolled for format 3 signatures) may no longer send`, { hint: 'extract the tickets again on the till with the current tillsync: its packages are signed with its own key' });
      }
      checkHmac(m, fileName, secret);
      return;
    }
    const pub = v.publicKey(m.store, m.till, m.keyId);
    if (!pub) throw new PackageError('unknown-key', fileName, `signed by key ${m.keyId}, which is not registered for till ${m.store}-${m.till}`, { till: `${m.store}-${m.till}` });
    if (typeof m.signature !== 'string' || !verifyText(pub, signedText, m.signature)) {
      throw new PackageError('signature', fileName, `the signature does not match key ${m.keyId} of till ${m.store}-${m.till} (signed by another key, or the manifest was modified)`);
    }
  };
}

export function openTicketPackage(bytes: Buffer, fileName: string, verifier: PackageVerifier | SecretFor): OpenedPackage {
  const { manifest, entries } = readSignedZip(bytes, fileName, {
    ...LIMITS,
    checkHeader: checkPackageHeader(fileName),
    verifySignature: checkPackageSignature(fileName, verifier),
  });
  const m = manifest as PackageManifest;
  const data = entries.get(TICKETS_ENTRY);
  if (!data) throw new PackageError('manifest', fileName, `the manifest does not list ${TICKETS_ENTRY}`);
  const hashes = entries.get(HASHES_ENTRY);
  if (m.version === 1 && hashes) throw new PackageError('unexpected-entry', fileName, `entry ${HASHES_ENTRY} has no place in a version-1 package`, { entry: HASHES_ENTRY });
  if (m.version >= 2 && !hashes) throw new PackageError('manifest', fileName, `the manifest does not list ${HASHES_ENTRY}`);

  // Blank lines are tolerated; the k-th non-blank line owns the k-th record of hashes.bin.
  const lines = indexTicketLines(data, MAX_LINE_BYTES, (line, bytes) => {
    throw new PackageError('too-large', fileName, `line ${line} of ${TICKETS_ENTRY} is ${bytes} bytes, over the ${MAX_LINE_BYTES}-byte cap of a ticket line`, { entry: TICKETS_ENTRY });
  });
  const lineCount = lines.count;
  if (hashes && hashes.length !== lineCount * HASH_BYTES) {
    throw new PackageError('manifest', fileName, `${HASHES_ENTRY} holds ${hashes.length} bytes, not ${HASH_BYTES} for each of the ${lineCount} lines of ${TICKETS_ENTRY}`);
  }
  if (lineCount !== m.count) {
    throw new PackageError('manifest', fileName, `the manifest announces ${m.count} tickets but ${TICKETS_ENTRY} holds ${lineCount} lines`);
  }
  return { manifest: m, data, lines, hashes };
}

/** A page of the non-blank lines of tickets.jsonl: the `k0`-th one on, their bytes in `data` (TicketLineIndex offsets into it). */
export interface TicketLinePage extends TicketLineIndex {
  k0: number;
  data: Buffer;
}

/**
 * A package whose zip, manifest, signature and hashes.bin are verified, and whose tickets.jsonl
 * is read page by page as it is inflated: memory holds one page of lines, never the entry.
 * Its checksum, CRC and line count are known only after the last page: `pages` then throws the
 * PackageError that refuses the package, so whoever stores what the pages hold does it in one
 * transaction and rolls it back on that error.
 */
export interface StreamedPackage {
  manifest: PackageManifest;
  /** hashes.bin (version 2 and later): 32 bytes a ticket, checked against the manifest already. */
  hashes?: Buffer;
  pages(pageLines: number): AsyncGenerator<TicketLinePage>;
}

export function openTicketPackageStream(bytes: Buffer, fileName: string, verifier: PackageVerifier | SecretFor): StreamedPackage {
  const { manifest, entries, stream } = readSignedZipStreaming(bytes, fileName, {
    ...LIMITS,
    checkHeader: checkPackageHeader(fileName),
    verifySignature: checkPackageSignature(fileName, verifier),
    streamed: TICKETS_ENTRY,
  });
  const m = manifest as PackageManifest;
  if (!stream) throw new PackageError('manifest', fileName, `the manifest does not list ${TICKETS_ENTRY}`);
  const hashes = entries.get(HASHES_ENTRY);
  if (m.version === 1 && hashes) throw new PackageError('unexpected-entry', fileName, `entry ${HASHES_ENTRY} has no place in a version-1 package`, { entry: HASHES_ENTRY });
  if (m.version >= 2 && !hashes) throw new PackageError('manifest', fileName, `the manifest does not list ${HASHES_ENTRY}`);
  if (hashes && hashes.length !== m.count * HASH_BYTES) {
    throw new PackageError('manifest', fileName, `${HASHES_ENTRY} holds ${hashes.length} bytes, not ${HASH_BYTES} for each of the ${m.count} tickets the manifest announces`);
  }
  return { manifest: m, hashes, pages: (pageLines) => ticketLinePages(stream(), pageLines, fileName, m) };
}

/**
 * indexTicketLines over chunks: the same lines (split on "\n", a final "\r" dropped, blank ones
 * skipped), in pages of `pageLines`. The line cap is enforced on the bytes of a line still coming,
 * before they are buffered; after the last chunk, the count against the manifest's.
 */
export async function* ticketLinePages(chunks: AsyncIterable<Buffer>, pageLines: number, fileName: string, m: PackageManifest): AsyncGenerator<TicketLinePage> {
  const tooLong = (line: number, bytes: number, more = false): never => {
    throw new PackageError('too-large', fileName, `line ${line} of ${TICKETS_ENTRY} is ${bytes}${more ? ' bytes or more' : ' bytes'}, over the ${MAX_LINE_BYTES}-byte cap of a ticket line`, { entry: TICKETS_ENTRY });
  };
  let lineNo = 0;
  let k = 0;
  let page: { k0: number; parts: Buffer[]; line: Int32Array } = { k0: 0, parts: [], line: new Int32Array(pageLines) };
  const add = (bytes: Buffer) => {
    lineNo++;
    let stop = bytes.length;
    if (stop > 0 && bytes[stop - 1] === 13) stop--;
    if (stop > MAX_LINE_BYTES) tooLong(lineNo, stop);
    let j = 0;
    while (j < stop && isAsciiSpace(bytes[j])) j++;
    if (j === stop || (bytes[j] >= 0x80 && bytes.toString('utf8', 0, stop).trim() === '')) return;
    page.line[page.parts.length] = lineNo;
    page.parts.push(bytes.subarray(0, stop));
    k++;
  };
  const flush = (): TicketLinePage => {
    const n = page.parts.length;
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      start[i] = at;
      at += page.parts[i].length;
      end[i] = at;
    }
    const out: TicketLinePage = { k0: page.k0, count: n, data: Buffer.concat(page.parts, at), line: page.line.subarray(0, n), start, end };
    page = { k0: k, parts: [], line: new Int32Array(pageLines) };
    return out;
  };
  let tail: Buffer[] = [];
  let tailBytes = 0;
  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) {
        if (from < chunk.length) {
          tail.push(chunk.subarray(from));
          tailBytes += chunk.length - from;
          // One byte of slack for a "\r" before the line break.
          if (tailBytes > MAX_LINE_BYTES + 1) tooLong(lineNo + 1, tailBytes, true);
        }
        break;
      }
      let bytes = chunk.subarray(from, nl);
      if (tailBytes) {
        if (tailBytes + bytes.length > MAX_LINE_BYTES + 1) tooLong(lineNo + 1, tailBytes + bytes.length);
        bytes = Buffer.concat([...tail, bytes]);
        tail = [];
        tailBytes = 0;
      }
      add(bytes);
      if (page.parts.length === pageLines) yield flush();
      from = nl + 1;
    }
  }
  // The text after the last line break (blank when the entry ends with one).
  add(tailBytes ? Buffer.concat(tail) : Buffer.alloc(0));
  if (page.parts.length) yield flush();
  // The chunks are all out: the entry matched its checksum (else the loop above threw).
  if (k !== m.count) throw new PackageError('manifest', fileName, `the manifest announces ${m.count} tickets but ${TICKETS_ENTRY} holds ${k} lines`);
}

/** What judging one line needs to know of its package. */
export interface LineContext {
  fileName: string;
  manifest: PackageManifest;
  /** hashes.bin (version 2 and later). */
  hashes?: Buffer;
}

/**
 * Judges one line on its own: JSON, restored fields (version 2), every field, identity, hash.
 * `k` is its 0-based position among the non-blank lines, `line` its 1-based line number. What
 * needs the lines before it (a number seen twice) is TicketSequence's job. Pure, so that worker
 * threads can judge pages of lines side by side.
 */
export function readTicketLine(ctx: LineContext, k: number, line: number, text: string): ReadTicket | TicketLineError {
  const where = `${ctx.fileName} ${TICKETS_ENTRY}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, message: `${where} line ${line}: not valid JSON` };
  }
  let texts: CanonicalTicketTexts | null = null;
  if (ctx.hashes && isObject(value)) {
    const written = restoreWrittenLine(value, k, ctx.hashes, ctx.manifest);
    if (written) ({ ticket: value, texts } = written);
    else value = restoreLine(value, k, ctx.hashes, ctx.manifest);
  }
  const ticketRef = isObject(value) && typeof value.id === 'string' ? value.id : undefined;
  const problem = ticketFieldProblem(value, ctx.manifest);
  if (problem) return lineError(ctx, line, ticketRef, problem);
  const t = value as unknown as Ticket;
  texts ??= canonicalTicketTexts(t);
  // A hash equal to the sha256 just computed is 64 hex digits: only the other one needs the test.
  if (sha256Text(texts.withoutHash) !== t.hash || !HEX64.test(t.prevHash)) {
    if (!HEX64.test(t.hash) || !HEX64.test(t.prevHash)) return lineError(ctx, line, ticketRef, 'hash or prevHash is not a sha256');
    return lineError(ctx, line, ticketRef, 'content does not match its hash (altered after sale)');
  }
  return { ticket: t, content: texts.withHash };
}

function lineError(ctx: { fileName: string }, line: number, ticketRef: string | undefined, why: string): TicketLineError {
  return { line, ...(ticketRef ? { ticket: ticketRef } : {}), message: `${ctx.fileName} ${TICKETS_ENTRY} line ${line}${ticketRef ? ` (ticket ${ticketRef})` : ''}: ${why}` };
}

export function isLineError(r: ReadTicket | TicketLineError): r is TicketLineError {
  return (r as ReadTicket).content === undefined;
}

/**
 * The checks that need every line before: lines go through `admit` (tickets judged sound on
 * their own) or `refused` (line errors) in line order; `finish` after the last line checks the
 * numbers against the manifest's range. Holds only numbers, so tickets can stream on meanwhile.
 */
export class TicketSequence {
  private readonly numbers = new Set<number>();
  private errors = 0;
  private lo: number | null = null;
  private hi: number | null = null;
  private outside: number | undefined;
  /** Every ticket so far came in ascending number order (as the writer writes them). */
  ascending = true;
  private readonly due = new TotalSum();
  private readonly inclVat = new TotalSum();

  constructor(private readonly ctx: { fileName: string; manifest: PackageManifest }) {}

  /** A line error of its own. */
  refused(): void {
    this.errors++;
  }

  /** A ticket sound on its own: null when it is taken, the line error when its number came before. */
  admit(number: number, line: number, id: string, totals?: { due: string; inclVat: string }): TicketLineError | null {
    if (this.numbers.has(number)) {
      this.errors++;
      return lineError(this.ctx, line, id, `number ${number} appears twice in the package`);
    }
    this.numbers.add(number);
    if (totals) {
      this.due.add(totals.due);
      this.inclVat.add(totals.inclVat);
    } else this.due.unknown = true;
    if (this.hi !== null && number < this.hi) this.ascending = false;
    if (this.lo === null || number < this.lo) this.lo = number;
    if (this.hi === null || number > this.hi) this.hi = number;
    const m = this.ctx.manifest;
    if (this.outside === undefined && (m.firstNumber === null || m.lastNumber === null || number < m.firstNumber || number > m.lastNumber)) this.outside = number;
    return null;
  }

  /** After the last line: refuses the package when its numbers disagree with the manifest. */
  finish(): void {
    const m = this.ctx.manifest;
    if (this.outside !== undefined) {
      throw new PackageError('manifest', this.ctx.fileName, `ticket number ${this.outside} lies outside the manifest's range ${m.firstNumber}–${m.lastNumber}`);
    }
    // Lines in error may hide their number: check what can be checked, exactly when all lines are good.
    if (this.errors === 0 && (this.lo !== m.firstNumber || this.hi !== m.lastNumber)) {
      throw new PackageError('manifest', this.ctx.fileName, `the manifest announces tickets ${m.firstNumber}–${m.lastNumber} but the package holds ${this.lo}–${this.hi}`);
    }
    // The totals too: a manifest claiming 999999.99 for tickets worth 12.50 is not this package's.
    if (this.errors === 0 && !this.due.unknown && !this.inclVat.unknown) {
      for (const [field, total] of [['due', this.due], ['inclVat', this.inclVat]] as const) {
        if (!total.equals(m.totals[field])) {
          throw new PackageError('manifest', this.ctx.fileName, `the manifest announces totals.${field} ${m.totals[field]} but the tickets sum to ${total.text()}`);
        }
      }
    }
  }
}

/** Every ticket of a package with its canonical text, in number order, and the lines refused. */
export function readPackageTickets(
  bytes: Buffer,
  fileName: string,
  verifier: PackageVerifier | SecretFor,
): { manifest: PackageManifest; read: ReadTicket[]; lineErrors: TicketLineError[] } {
  const opened = openTicketPackage(bytes, fileName, verifier);
  return { manifest: opened.manifest, ...readOpenedPackage(opened, fileName) };
}

/**
 * readPackageTickets of a package already opened. `copies`: lines sound on their own whose number
 * came before in the package (each also a line error): the server keeps them for review.
 */
export function readOpenedPackage(opened: OpenedPackage, fileName: string): { read: ReadTicket[]; lineErrors: TicketLineError[]; copies: ReadTicket[] } {
  const ctx: LineContext = { fileName, manifest: opened.manifest, hashes: opened.hashes };
  const sequence = new TicketSequence(ctx);
  const read: ReadTicket[] = [];
  const lineErrors: TicketLineError[] = [];
  const copies: ReadTicket[] = [];
  for (let k = 0; k < opened.lines.count; k++) {
    const line = opened.lines.line[k];
    const r = readTicketLine(ctx, k, line, lineTextAt(opened.data, opened.lines, k));
    if (isLineError(r)) {
      sequence.refused();
      lineErrors.push(r);
      continue;
    }
    const twice = sequence.admit(r.ticket.number, line, r.ticket.id, r.ticket.totals);
    if (twice) {
      lineErrors.push(twice);
      copies.push(r);
    } else read.push(r);
  }
  sequence.finish();
  if (!sequence.ascending) read.sort((a, b) => a.ticket.number - b.ticket.number);
  return { read, lineErrors, copies };
}

export function readTicketPackage(
  bytes: Buffer,
  fileName: string,
  verifier: PackageVerifier | SecretFor,
): ReadPackage {
  const { manifest, read, lineErrors } = readPackageTickets(bytes, fileName, verifier);
  return { manifest, tickets: read.map((r) => r.ticket), lineErrors };
}

const HEX64 = /^[0-9a-f]{64}$/;

const AMOUNT = /^(-?)(\d{1,12})(?:\.(\d{1,4}))?$/;

/**
 * An exact sum of decimal texts (ticket totals) in units of 10⁻⁴ as a JS integer — a million
 * additions in a few milliseconds, where decimal.js takes a second — falling back to decimal.js
 * for a text it cannot scale or a sum past 2⁵³. Compared by value ("12.5" equals "12.50").
 */
class TotalSum {
  private units = 0;
  private big: Dec | null = null;
  /** Some ticket's totals were not given: the sum cannot be checked. */
  unknown = false;

  add(text: string): void {
    const m = AMOUNT.exec(text);
    if (this.big === null && m) {
      const u = (Number(m[2]) * 10000 + Number((m[3] ?? '').padEnd(4, '0'))) * (m[1] ? -1 : 1);
      const next = this.units + u;
      if (Number.isSafeInteger(next)) {
        this.units = next;
        return;
      }
    }
    this.big ??= new D(this.units).div(10000);
    try {
      this.big = this.big.plus(text);
    } catch {
      this.unknown = true;
    }
  }

  value(): Dec {
    return this.big ?? new D(this.units).div(10000);
  }

  equals(text: string): boolean {
    try {
      return this.value().equals(new D(text));
    } catch {
      return false;
    }
  }

  text(): string {
    return this.value().toFixed();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The keys of a line as the writer writes it, in canonical order: within an unbroken chain, and where it is broken. */
const WRITTEN_KEYS = ['customer', 'day', 'degraded', 'lines', 'number', 'payments', 'rounding', 'settlements', 'soldAt', 'totals'];
const WRITTEN_KEYS_WITH_PREV = ['customer', 'day', 'degraded', 'lines', 'number', 'payments', 'prevHash', 'rounding', 'settlements', 'soldAt', 'totals'];

function sameKeys(keys: string[], expected: string[]): boolean {
  if (keys.length !== expected.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== expected[i]) return false;
  return true;
}

/**
 * restoreLine for a line exactly as the writer writes it, the case of nearly every line: the
 * ticket is built with its keys already in canonical order, so its canonical text is ONE
 * JSON.stringify (a member-by-member serialisation is ~40 % slower on a ticket), and the text
 * without the hash is that text less the hash member. Null for any other line, which then goes
 * the general way; both give the same ticket and texts (tested on odd and mutated lines).
 */
function restoreWrittenLine(line: Record<string, unknown>, k: number, hashes: Buffer, m: { store: string; till: string }): { ticket: Record<string, unknown>; texts: CanonicalTicketTexts } | null {
  const keys = Object.keys(line);
  let prevHash: unknown;
  if (sameKeys(keys, WRITTEN_KEYS) && k > 0) prevHash = hexHashAt(hashes, k - 1);
  else if (sameKeys(keys, WRITTEN_KEYS_WITH_PREV)) prevHash = line.prevHash;
  else return null;
  // The members before the hash's must be strings and a boolean for the hash member to be found
  // by its text below: a `,"` never occurs inside a JSON string, so the first one is that member.
  if (typeof line.customer !== 'string' || typeof line.day !== 'string' || typeof line.degraded !== 'boolean' || !Number.isInteger(line.number)) return null;
  const hash = hexHashAt(hashes, k);
  // prettier-ignore
  const ticket = {
    customer: line.customer, day: line.day, degraded: line.degraded, hash, id: ticketId(m.store, m.till, line.number as number),
    lines: line.lines, number: line.number, payments: line.payments, prevHash, rounding: line.rounding,
    settlements: line.settlements, soldAt: line.soldAt, store: m.store, till: m.till, totals: line.totals,
  };
  if (!inCanonicalOrder(ticket)) return null;
  const withHash = JSON.stringify(ticket);
  const member = `,"hash":"${hash}"`;
  const at = withHash.indexOf(',"hash":');
  return { ticket, texts: { withHash, withoutHash: withHash.slice(0, at) + withHash.slice(at + member.length) } };
}

const hexOfHashes = new WeakMap<Buffer, string>();

/** hashAt from hashes.bin turned into hex once (one conversion, not two per line). */
function hexHashAt(hashes: Buffer, k: number): string {
  let hex = hexOfHashes.get(hashes);
  if (hex === undefined) {
    hex = hashes.toString('hex');
    hexOfHashes.set(hashes, hex);
  }
  return hex.slice(k * 2 * HASH_BYTES, (k + 1) * 2 * HASH_BYTES);
}

/**
 * restoreTicketLine, putting the left-out fields back into the parsed line itself rather than
 * into a key-sorted copy: the canonical texts sort keys anyway, and copying 100,000 tickets cost
 * a fifth of reading them. A line with its own `__proto__` key keeps the copying path, whose
 * assignment of that key (it sets the copy's prototype) decides what such a line hashes to.
 */
function restoreLine(line: Record<string, unknown>, k: number, hashes: Buffer, manifest: { store: string; till: string }): Record<string, unknown> {
  if (Object.hasOwn(line, '__proto__')) return restoreTicketLine(line, k, hashes, manifest);
  return putBackOmitted(line, k, (i) => hexHashAt(hashes, i), manifest);
}

/** Why one parsed (and, from version 2, restored) line cannot be taken as a ticket of this package, or null; its hashes are the caller's. */
function ticketFieldProblem(v: unknown, m: PackageManifest): string | null {
  if (!isObject(v)) return 'not a JSON object';
  const t = v as Record<string, any>;
  const missing: string[] = [];
  for (const k of ['id', 'store', 'till', 'soldAt', 'day', 'customer', 'prevHash', 'hash']) if (typeof t[k] !== 'string') missing.push(k);
  if (!Number.isInteger(t.number) || t.number < 1) missing.push('number');
  for (const k of ['lines', 'settlements', 'payments']) if (!Array.isArray(t[k])) missing.push(k);
  if (!t.totals || typeof t.totals !== 'object' || typeof t.totals.due !== 'string' || typeof t.totals.inclVat !== 'string') missing.push('totals');
  if (typeof t.degraded !== 'boolean') missing.push('degraded');
  if (!t.rounding || typeof t.rounding !== 'object') missing.push('rounding');
  if (missing.length) return `missing or invalid fields: ${missing.join(', ')}`;
  if (t.store !== m.store || t.till !== m.till) return `belongs to ${t.store} till ${t.till}, but the package is from ${m.store} till ${m.till}`;
  const id = ticketId(t.store, t.till, t.number);
  if (t.id !== id) return `id does not match its store, till and number (expected ${id})`;
  // Then, checked by readTicketLine: hash and prevHash are sha256 (hex), and the hash matches.
  return null;
}
