import { readFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { HASHES_ENTRY, PACKAGE_FORMAT, PACKAGE_VERSION, TICKETS_ENTRY, type PackageManifest } from './package-format.ts';
import { encodeTicketLines } from './package-lines.ts';
import { PackageError, inspectPackage, readTicketPackage } from './package-reader.ts';
import { buildTicketPackage } from './package-writer.ts';
import { writeSignedZip } from './signed-zip.ts';
import { GENESIS_HASH, canonicalJson, hashTicket, verifyChain } from './ticket-chain.ts';
import type { Ticket } from './types.ts';

const SECRET = 'secret-S1-01';
const secrets: Record<string, string> = { 'S1-01': SECRET, 'S1-02': 'secret-S1-02' };
const secretFor = (store: string, till: string) => secrets[`${store}-${till}`];
const tickets: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 12, seed: 9 })];
const created = new Date(2026, 10, 24, 9, 30, 0);
const FILE = 'TicDeg01_20261124093000.zip';

function header(over: Partial<PackageManifest> = {}): Record<string, unknown> {
  return {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    store: 'S1',
    till: '01',
    kind: 'degraded',
    created: created.toISOString(),
    count: tickets.length,
    firstNumber: 1,
    lastNumber: tickets.length,
    totals: { due: '0.00', inclVat: '0.00' },
    ...over,
  };
}

const hashesOf = (list: Ticket[]) => Buffer.from(list.map((t) => t.hash).join(''), 'hex');

/** The lines a till writes for `tickets` in a package of `version` (1: whole canonical tickets). */
function linesFor(version: number, list: Ticket[] = tickets): string[] {
  if (version === 1) return list.map((t) => canonicalJson(t));
  return encodeTicketLines(list, 'S1', '01').jsonl.toString('utf8').trimEnd().split('\n');
}

interface LinesOptions {
  over?: Partial<PackageManifest>;
  secret?: string;
  version?: number;
  /** hashes.bin (version 2); by default the hashes of `tickets`, one per line. */
  hashes?: Buffer;
}

/** A package signed with the right secret whose tickets.jsonl is exactly `lines` (as the till wrote them). */
function packageWithLines(lines: string[], { over = {}, secret = SECRET, version = PACKAGE_VERSION, hashes = hashesOf(tickets) }: LinesOptions = {}): Buffer {
  const entries: { name: string; data: Buffer }[] = [{ name: TICKETS_ENTRY, data: Buffer.from(lines.join('\n') + '\n') }];
  if (version >= 2) entries.unshift({ name: HASHES_ENTRY, data: hashes });
  return writeSignedZip({ header: header({ version, count: lines.filter((l) => l.trim()).length, ...over }), entries, secret });
}

function refused(fn: () => unknown): PackageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PackageError);
    return e as PackageError;
  }
  throw new Error('expected a refusal');
}

describe('readTicketPackage', () => {
  it('returns the verified manifest and every ticket of a package built by the writer', () => {
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET, created });
    const r = readTicketPackage(p.bytes, p.fileName, secretFor);
    expect(r.lineErrors).toEqual([]);
    expect(r.tickets).toEqual(tickets);
    expect(r.manifest).toEqual(p.manifest);
  });

  it('inspectPackage gives the manifest without any secret (to find the till), but still vets the zip', () => {
    const p = buildTicketPackage({ store: 'S1', till: '02', kind: 'untransferred', tickets: [], secret: 'whatever', created });
    expect(inspectPackage(p.bytes, p.fileName)).toMatchObject({ store: 'S1', till: '02', kind: 'untransferred', count: 0 });
    const zip = new AdmZip(p.bytes);
    zip.addFile('evil.js', Buffer.from('x'));
    expect(refused(() => inspectPackage(zip.toBuffer(), p.fileName)).reason).toBe('unexpected-entry');
  });

  it('unknown till: refused before anything is trusted', () => {
    const p = buildTicketPackage({ store: 'S9', till: '01', kind: 'degraded', tickets: [], secret: SECRET, created });
    const e = refused(() => readTicketPackage(p.bytes, p.fileName, secretFor));
    expect(e.reason).toBe('unknown-till');
    expect(e.message).toBe(`${p.fileName}: signed by S9 till 01, which this side does not know`);
    expect(e.hint).toMatch(/enroll-till/);
  });

  it('signed with another till\'s secret', () => {
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret: 'secret-S1-02', created });
    expect(refused(() => readTicketPackage(p.bytes, p.fileName, secretFor)).reason).toBe('signature');
  });

  it('tampered ticket line: checksum refuses the whole package', () => {
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET, created });
    const zip = new AdmZip(p.bytes);
    const text = zip.readAsText('tickets.jsonl');
    const due = tickets[3].totals.due;
    zip.updateFile('tickets.jsonl', Buffer.from(text.replace(`"due":"${due}"`, `"due":"${(Number(due) + 1).toFixed(2)}"`)));
    const e = refused(() => readTicketPackage(zip.toBuffer(), p.fileName, secretFor));
    expect(e.reason).toBe('checksum');
    expect(e.message).toMatch(/tickets\.jsonl does not match its checksum/);
  });

  it('unknown format version, and a signed zip that is not a ticket package', () => {
    const v3 = packageWithLines(linesFor(2), { over: { version: 3 } });
    const e = refused(() => readTicketPackage(v3, FILE, secretFor));
    expect(e.reason).toBe('format-version');
    expect(e.message).toBe(`${FILE}: package format version 3 is not supported (this tillsync reads versions 1 and 2)`);
    const bundle = writeSignedZip({ header: { format: 'tillsync-base', version: 1, store: 'S1', till: '01' }, entries: [], secret: SECRET });
    expect(refused(() => readTicketPackage(bundle, FILE, secretFor)).message).toMatch(/not a tillsync ticket package \(format "tillsync-base"\)/);
    expect(refused(() => inspectPackage(v3, FILE)).reason).toBe('format-version');
  });

  it('manifest fields missing or count not matching the lines', () => {
    const lines = linesFor(PACKAGE_VERSION);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { over: { kind: 'weekly' as never } }), FILE, secretFor)).message).toMatch(/invalid fields: kind/);
    const e = refused(() => readTicketPackage(packageWithLines(lines, { over: { count: 99 } }), FILE, secretFor));
    expect(e.reason).toBe('manifest');
    expect(e.message).toMatch(/announces 99 tickets but tickets\.jsonl holds 12 lines/);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { over: { lastNumber: 11 } }), FILE, secretFor)).message).toMatch(/number 12 lies outside the manifest's range 1–11/);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { over: { firstNumber: 0, lastNumber: 13 } }), FILE, secretFor)).message).toMatch(/announces tickets 0–13 but the package holds 1–12/);
  });

  describe.each([1, 2])('malformed lines, format version %i: only the tickets in error are left out', (version) => {
    const good = linesFor(version);

    function withLine(index: number, replacement: string) {
      const lines = [...good];
      lines[index] = replacement;
      return readTicketPackage(packageWithLines(lines, { version }), FILE, secretFor);
    }

    function expectOnlyLine(r: ReturnType<typeof readTicketPackage>, index: number, fragment: RegExp) {
      expect(r.lineErrors).toHaveLength(1);
      expect(r.lineErrors[0].line).toBe(index + 1);
      expect(r.lineErrors[0].message).toMatch(new RegExp(`^${FILE} tickets\\.jsonl line ${index + 1}`));
      expect(r.lineErrors[0].message).toMatch(fragment);
      expect(r.tickets.map((t) => t.number)).toEqual(tickets.filter((_, i) => i !== index).map((t) => t.number));
    }

    it('not JSON; the next line still comes back whole (its prevHash, when left out, comes from hashes.bin)', () => {
      const r = withLine(4, '{"id": "S1-01-00000005", broken');
      expectOnlyLine(r, 4, /line 5: not valid JSON/);
      expect(good[5].includes('"prevHash"')).toBe(version === 1);
      expect(r.tickets.find((t) => t.number === 6)).toEqual(tickets[5]);
    });

    it('altered after sale (hash no longer matches), naming the ticket', () => {
      const t = { ...tickets[6], customer: 'SOMEONE-ELSE' };
      const r = withLine(6, canonicalJson(t));
      expectOnlyLine(r, 6, /\(ticket S1-01-00000007\): content does not match its hash/);
      expect(r.lineErrors[0].ticket).toBe('S1-01-00000007');
    });

    it('missing fields', () => {
      const { payments: _p, ...t } = tickets[2];
      expectOnlyLine(withLine(2, canonicalJson(t)), 2, /missing or invalid fields: payments/);
    });

    it('ticket of another till', () => {
      const base = { ...tickets[8], till: '02', id: 'S1-02-00000009' };
      const t = { ...base, hash: hashTicket(base) };
      expectOnlyLine(withLine(8, canonicalJson(t)), 8, /belongs to S1 till 02, but the package is from S1 till 01/);
    });

    it('id not matching store, till and number', () => {
      const base = { ...tickets[1], id: 'S1-01-00000099' };
      expectOnlyLine(withLine(1, canonicalJson({ ...base, hash: hashTicket(base) })), 1, /id does not match .*expected S1-01-00000002/);
    });

    it('the same number twice: the second is refused', () => {
      // A whole ticket: its own hash and prevHash make it verify wherever it stands.
      expectOnlyLine(withLine(11, canonicalJson(tickets[10])), 11, /number 11 appears twice/);
    });

    it('a JSON value that is not an object', () => {
      expectOnlyLine(withLine(0, '[1,2,3]'), 0, /not a JSON object/);
    });

    it('several bad lines are each reported; blank lines and CRLF are tolerated', () => {
      const lines = [...good];
      lines[0] = 'garbage';
      lines[5] = 'null';
      const crlf = lines.map((l) => l + '\r');
      crlf.splice(3, 0, '');
      const r = readTicketPackage(packageWithLines(crlf, { version }), FILE, secretFor);
      expect(r.lineErrors.map((e) => e.line)).toEqual([1, 7]);
      expect(r.tickets).toEqual(tickets.filter((_, i) => i !== 0 && i !== 5));
    });
  });

  describe('version 2: what a line leaves out is put back and verified', () => {
    it('every ticket comes back identical to what was sold, hash verified', () => {
      const r = readTicketPackage(packageWithLines(linesFor(2)), FILE, secretFor);
      expect(r.lineErrors).toEqual([]);
      expect(r.tickets).toEqual(tickets);
      for (const [i, t] of r.tickets.entries()) {
        expect(canonicalJson(t)).toBe(canonicalJson(tickets[i]));
        expect(hashTicket(t)).toBe(t.hash);
      }
    });

    it('a ticket altered in the till store after sale fails alone; the one after it still verifies', () => {
      const altered = tickets.map((t, i) => (i === 3 ? { ...t, customer: 'SOMEONE-ELSE' } : t));
      const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: altered, secret: SECRET, created });
      const r = readTicketPackage(p.bytes, p.fileName, secretFor);
      expect(r.lineErrors).toEqual([{ line: 4, ticket: 'S1-01-00000004', message: `${p.fileName} tickets.jsonl line 4 (ticket S1-01-00000004): content does not match its hash (altered after sale)` }]);
      expect(r.tickets).toEqual(tickets.filter((_, i) => i !== 3));
    });

    it('a wrong record in hashes.bin is caught by the hash check, never taken as the ticket\'s hash', () => {
      const hashes = hashesOf(tickets);
      hashes[2 * 32] ^= 1; // ticket 3's record: also the prevHash put back into ticket 4's line
      const r = readTicketPackage(packageWithLines(linesFor(2), { hashes }), FILE, secretFor);
      expect(r.lineErrors.map((e) => [e.line, e.ticket])).toEqual([[3, 'S1-01-00000003'], [4, 'S1-01-00000004']]);
      expect(r.lineErrors.every((e) => e.message.endsWith('content does not match its hash (altered after sale)'))).toBe(true);
      expect(r.tickets.map((t) => t.number)).toEqual([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
    });

    it('the first line must carry its prevHash: its predecessor is not in the package', () => {
      const lines = linesFor(2);
      const first = JSON.parse(lines[0]);
      expect(first.prevHash).toBe(GENESIS_HASH);
      delete first.prevHash;
      lines[0] = canonicalJson(first);
      const r = readTicketPackage(packageWithLines(lines), FILE, secretFor);
      expect(r.lineErrors).toHaveLength(1);
      expect(r.lineErrors[0].message).toBe(`${FILE} tickets.jsonl line 1 (ticket S1-01-00000001): missing or invalid fields: prevHash`);
      expect(r.tickets).toEqual(tickets.slice(1));
    });

    it('hashes.bin not holding exactly one hash per line refuses the package', () => {
      for (const hashes of [hashesOf(tickets.slice(1)), Buffer.concat([hashesOf(tickets), Buffer.alloc(5)])]) {
        const e = refused(() => readTicketPackage(packageWithLines(linesFor(2), { hashes }), FILE, secretFor));
        expect(e.reason).toBe('manifest');
        expect(e.message).toBe(`${FILE}: hashes.bin holds ${hashes.length} bytes, not 32 for each of the 12 lines of tickets.jsonl`);
      }
    });

    it('a version-2 package without hashes.bin, or a version-1 package with one, is refused', () => {
      const noHashes = writeSignedZip({ header: header(), entries: [{ name: TICKETS_ENTRY, data: Buffer.from(linesFor(2).join('\n') + '\n') }], secret: SECRET });
      const e = refused(() => readTicketPackage(noHashes, FILE, secretFor));
      expect(e.reason).toBe('manifest');
      expect(e.message).toBe(`${FILE}: the manifest does not list hashes.bin`);
      const v1WithHashes = packageWithLines(linesFor(1), { over: { version: 1 }, version: 2 });
      const u = refused(() => readTicketPackage(v1WithHashes, FILE, secretFor));
      expect(u.reason).toBe('unexpected-entry');
      expect(u.message).toBe(`${FILE}: entry hashes.bin has no place in a version-1 package`);
    });

    it('what cannot be left out stays in the line and reads back as stored: broken chain, gap, bad hash', () => {
      const broken = { ...tickets[5], prevHash: 'f'.repeat(64) };
      const brokenTicket = { ...broken, hash: hashTicket(broken) };
      const badHash = { ...tickets[9], hash: 'not-a-sha256' };
      // A gap (4–5 missing), a link that does not match its predecessor, and a hash no till writes.
      const list = [tickets[0], tickets[1], tickets[2], brokenTicket, tickets[6], badHash, tickets[10]];
      const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: list, secret: SECRET, created });
      const lines = new AdmZip(p.bytes).readAsText(TICKETS_ENTRY).trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => 'prevHash' in l)).toEqual([true, false, false, true, true, true, true]);
      expect(lines.map((l) => 'hash' in l)).toEqual([false, false, false, false, false, true, false]);
      const r = readTicketPackage(p.bytes, p.fileName, secretFor);
      expect(r.lineErrors.map((e) => e.message)).toEqual([`${p.fileName} tickets.jsonl line 6 (ticket S1-01-00000010): hash or prevHash is not a sha256`]);
      expect(r.tickets).toEqual(list.filter((t) => t !== badHash));
      // The chain problems are intact for the server's intake to see.
      expect(verifyChain(r.tickets, null).map((x) => x.kind)).toEqual(['gap', 'broken-link', 'gap']);
    });
  });

  describe('version 1 packages (written before the upgrade) still read', () => {
    it('a package written by the version-1 writer, bytes kept as they were', () => {
      const bytes = readFileSync(new URL('./testdata/ticket-package-v1.zip', import.meta.url));
      const r = readTicketPackage(bytes, FILE, secretFor);
      expect(r.manifest).toMatchObject({ version: 1, store: 'S1', till: '01', kind: 'degraded', count: 12, firstNumber: 1, lastNumber: 12 });
      expect(r.manifest.entries.map((e) => e.name)).toEqual([TICKETS_ENTRY]);
      expect(r.lineErrors).toEqual([]);
      expect(r.tickets.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (const t of r.tickets) expect(hashTicket(t)).toBe(t.hash);
      expect(verifyChain(r.tickets, null)).toEqual([]);
      expect(refused(() => readTicketPackage(bytes, FILE, () => 'another secret')).reason).toBe('signature');
    });

    it('whole canonical tickets, no hashes.bin: every ticket back as written', () => {
      const r = readTicketPackage(packageWithLines(linesFor(1), { version: 1 }), FILE, secretFor);
      expect(r.manifest.version).toBe(1);
      expect(r.lineErrors).toEqual([]);
      expect(r.tickets).toEqual(tickets);
    });
  });
});
