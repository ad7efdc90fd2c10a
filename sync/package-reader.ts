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
  PACKAGE_FORMAT,
  READABLE_PACKAGE_VERSIONS,
  TICKETS_ENTRY,
  type PackageManifest,
} from './package-format.ts';
import { restoreTicketLine } from './package-lines.ts';
import { PackageError, inspectSignedZip, readSignedZip } from './signed-zip.ts';
import { hashTicket, ticketId } from './ticket-chain.ts';
import type { Ticket } from './types.ts';

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
      const known = READABLE_PACKAGE_VERSIONS.join(' and ');
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

export function readTicketPackage(
  bytes: Buffer,
  fileName: string,
  secretFor: (store: string, till: string) => string | undefined,
): ReadPackage {
  const { manifest, entries } = readSignedZip(bytes, fileName, {
    ...LIMITS,
    checkHeader: checkPackageHeader(fileName),
    secretFor: (m) => secretFor(m.store, m.till),
  });
  const m = manifest as PackageManifest;
  const data = entries.get(TICKETS_ENTRY);
  if (!data) throw new PackageError('manifest', fileName, `the manifest does not list ${TICKETS_ENTRY}`);
  const hashes = entries.get(HASHES_ENTRY);
  if (m.version === 1 && hashes) throw new PackageError('unexpected-entry', fileName, `entry ${HASHES_ENTRY} has no place in a version-1 package`, { entry: HASHES_ENTRY });
  if (m.version >= 2 && !hashes) throw new PackageError('manifest', fileName, `the manifest does not list ${HASHES_ENTRY}`);

  const tickets: Ticket[] = [];
  const lineErrors: TicketLineError[] = [];
  const numbers = new Set<number>();
  const where = `${fileName} ${TICKETS_ENTRY}`;
  // Blank lines are tolerated; the k-th non-blank line owns the k-th record of hashes.bin.
  const lines: { line: number; text: string }[] = [];
  data
    .toString('utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.replace(/\r$/, '');
      if (text.trim() !== '') lines.push({ line: i + 1, text });
    });
  const lineCount = lines.length;
  if (hashes && hashes.length !== lineCount * HASH_BYTES) {
    throw new PackageError('manifest', fileName, `${HASHES_ENTRY} holds ${hashes.length} bytes, not ${HASH_BYTES} for each of the ${lineCount} lines of ${TICKETS_ENTRY}`);
  }
  for (let k = 0; k < lines.length; k++) {
    const { line, text } = lines[k];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      lineErrors.push({ line, message: `${where} line ${line}: not valid JSON` });
      continue;
    }
    if (hashes && isObject(value)) value = restoreTicketLine(value, k, hashes, m);
    const idOf = (v: any) => (typeof v?.id === 'string' ? v.id : undefined);
    const ticketRef = idOf(value);
    const fail = (why: string) => lineErrors.push({ line, ...(ticketRef ? { ticket: ticketRef } : {}), message: `${where} line ${line}${ticketRef ? ` (ticket ${ticketRef})` : ''}: ${why}` });

    const problem = ticketProblem(value, m);
    if (problem) {
      fail(problem);
      continue;
    }
    const t = value as Ticket;
    if (numbers.has(t.number)) {
      fail(`number ${t.number} appears twice in the package`);
      continue;
    }
    numbers.add(t.number);
    tickets.push(t);
  }

  if (lineCount !== m.count) {
    throw new PackageError('manifest', fileName, `the manifest announces ${m.count} tickets but ${TICKETS_ENTRY} holds ${lineCount} lines`);
  }
  // Lines in error may hide their number: check what can be checked, exactly when all lines are good.
  const nums = tickets.map((t) => t.number);
  // A reduce, not Math.min(...nums): spreading a 200,000-ticket package overflows the call stack.
  const lo = nums.length ? nums.reduce((a, b) => (b < a ? b : a)) : null;
  const hi = nums.length ? nums.reduce((a, b) => (b > a ? b : a)) : null;
  const outside = nums.find((n) => m.firstNumber === null || m.lastNumber === null || n < m.firstNumber || n > m.lastNumber);
  if (outside !== undefined) {
    throw new PackageError('manifest', fileName, `ticket number ${outside} lies outside the manifest's range ${m.firstNumber}–${m.lastNumber}`);
  }
  if (lineErrors.length === 0 && (lo !== m.firstNumber || hi !== m.lastNumber)) {
    throw new PackageError('manifest', fileName, `the manifest announces tickets ${m.firstNumber}–${m.lastNumber} but the package holds ${lo}–${hi}`);
  }
  tickets.sort((a, b) => a.number - b.number);
  return { manifest: m, tickets, lineErrors };
}

const HEX64 = /^[0-9a-f]{64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Why one parsed (and, from version 2, restored) line cannot be taken as a ticket of this package, or null. */
function ticketProblem(v: unknown, m: PackageManifest): string | null {
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
  if (!HEX64.test(t.hash) || !HEX64.test(t.prevHash)) return 'hash or prevHash is not a sha256';
  if (hashTicket(t as Ticket) !== t.hash) return 'content does not match its hash (altered after sale)';
  return null;
}
