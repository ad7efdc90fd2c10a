/**
 * Reads ticket packages. The package as a whole is accepted or refused (PackageError: zip,
 * manifest, signature, checksum); once it is accepted, each ticket line is judged on its own so
 * one bad ticket never holds back the good ones around it.
 */
import {
  MAX_COMPRESSION_RATIO,
  MAX_ENTRY_BYTES,
  PACKAGE_FORMAT,
  PACKAGE_VERSION,
  TICKETS_ENTRY,
  type PackageManifest,
} from './package-format.ts';
import { PackageError, inspectSignedZip, readSignedZip } from './signed-zip.ts';
import { hashTicket, ticketId } from './ticket-chain.ts';
import type { Ticket } from './types.ts';

export { PackageError, isPackageError, type PackageErrorReason } from './signed-zip.ts';

const LIMITS = { allowedEntries: [TICKETS_ENTRY], maxEntryBytes: MAX_ENTRY_BYTES, maxRatio: MAX_COMPRESSION_RATIO };

const KINDS = new Set(['degraded', 'untransferred']);

/** Refuses anything that is not a version-1 ticket package, before any secret is looked up. */
function checkPackageHeader(fileName: string) {
  return (m: any): void => {
    if (m.format !== PACKAGE_FORMAT) {
      throw new PackageError('manifest', fileName, `not a tillsync ticket package (format ${JSON.stringify(m.format ?? null)})`);
    }
    if (m.version !== PACKAGE_VERSION) {
      throw new PackageError('format-version', fileName, `package format version ${JSON.stringify(m.version ?? null)} is not supported (this tillsync reads version ${PACKAGE_VERSION})`);
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

  const tickets: Ticket[] = [];
  const lineErrors: TicketLineError[] = [];
  const numbers = new Set<number>();
  const where = `${fileName} ${TICKETS_ENTRY}`;
  let lineCount = 0;
  const lines = data.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text.trim() === '') continue;
    lineCount++;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      lineErrors.push({ line, message: `${where} line ${line}: not valid JSON` });
      continue;
    }
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
  const lo = nums.length ? Math.min(...nums) : null;
  const hi = nums.length ? Math.max(...nums) : null;
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

/** Why one parsed line cannot be taken as a ticket of this package, or null. */
function ticketProblem(v: unknown, m: PackageManifest): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
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
