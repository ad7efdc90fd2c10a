import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { rng, shuffle } from '../fixtures/random.ts';
// These tests read HMAC-signed packages (versions 1–2); format 3 (the till's key) is tested in package-signature.test.ts.
import { HASHES_ENTRY, PACKAGE_FORMAT, LEGACY_HMAC_VERSION as PACKAGE_VERSION, TICKETS_ENTRY, type PackageManifest } from './package-format.ts';
import { encodeTicketLines, restoreTicketLine } from './package-lines.ts';
import { PackageError, indexTicketLines, inspectPackage, isLineError, lineTextAt, readTicketLine, readTicketPackage, ticketLinePages, type TicketLineError } from './package-reader.ts';
import { buildTicketPackage } from './package-writer.ts';
import { writeSignedZip } from './signed-zip.ts';
import { GENESIS_HASH, canonicalJson, hashTicket, ticketId, verifyChain } from './ticket-chain.ts';
import { D, fmt, sum } from './money.ts';
import type { Ticket } from './types.ts';

const SECRET = 'secret-S1-01';
const secrets: Record<string, string> = { 'S1-01': SECRET, 'S1-02': 'secret-S1-02' };
const secretFor = (store: string, till: string) => secrets[`${store}-${till}`];
const tickets: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 12, seed: 9 })];
const created = new Date(2026, 10, 24, 9, 30, 0);
const FILE = 'TicDeg01_20261124093000.zip';

/** What the writer announces for these tickets (the reader checks it against the lines). */
function totalsOf(list: Ticket[]): { due: string; inclVat: string } {
  return { due: fmt(sum(list.map((t) => t.totals.due))), inclVat: fmt(sum(list.map((t) => t.totals.inclVat))) };
}

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
    totals: totalsOf(tickets),
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
    const v3 = packageWithLines(linesFor(2), { over: { version: 4 } });
    const e = refused(() => readTicketPackage(v3, FILE, secretFor));
    expect(e.reason).toBe('format-version');
    expect(e.message).toBe(`${FILE}: package format version 4 is not supported (this tillsync reads versions 1, 2 and 3)`);
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

  it('a line over the 1 MiB cap refuses the package before any line is decoded (issue 14: a 262 MB line took intake to 1.2 GB)', () => {
    const lines = linesFor(PACKAGE_VERSION);
    // Random text: a run of one letter would be refused earlier as a zip bomb (compression ratio).
    const noise = randomBytes(600 * 1024).toString('hex');
    lines[3] = `{"customer":"${noise}"}`;
    const e = refused(() => readTicketPackage(packageWithLines(lines), FILE, secretFor));
    expect(e.reason).toBe('too-large');
    expect(e.message).toBe(`${FILE}: line 4 of tickets.jsonl is ${lines[3].length} bytes, over the 1048576-byte cap of a ticket line`);
    // Just under the cap: the line is judged (and refused) on its own, the package goes on.
    lines[3] = `{"customer":"${noise.slice(0, 1024 * 1024 - 20)}"}`;
    expect(readTicketPackage(packageWithLines(lines), FILE, secretFor).lineErrors.map((l) => l.line)).toContain(4);
  });

  it('manifest totals are checked against the tickets: a claim of 999999.99 refuses the package (issue 14)', () => {
    const lines = linesFor(PACKAGE_VERSION);
    const real = totalsOf(tickets);
    const e = refused(() => readTicketPackage(packageWithLines(lines, { over: { totals: { due: '999999.99', inclVat: '999999.99' } } }), FILE, secretFor));
    expect(e.reason).toBe('manifest');
    expect(e.message).toBe(`${FILE}: the manifest announces totals.due 999999.99 but the tickets sum to ${new D(real.due).toFixed()}`);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { over: { totals: { due: real.due, inclVat: '0.01' } } }), FILE, secretFor)).message).toMatch(/announces totals\.inclVat 0\.01 but the tickets sum to/);
    // The same value written with other decimals is the same total.
    expect(readTicketPackage(packageWithLines(lines, { over: { totals: { due: `${real.due}00`, inclVat: real.inclVat } } }), FILE, secretFor).tickets).toHaveLength(12);
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

/**
 * How the reader judged one line before it judged lines one by one with a single serialisation
 * (copied from the version it replaced): restore into a key-sorted copy, check, hashTicket, and
 * canonicalJson again for the stored text. The reader must give exactly these verdicts.
 */
function referenceLine(text: string, k: number, line: number, hashes: Buffer | undefined, m: { store: string; till: string }): { content: string } | TicketLineError {
  const where = `${FILE} tickets.jsonl`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, message: `${where} line ${line}: not valid JSON` };
  }
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (hashes && isObj(value)) value = restoreTicketLine(value, k, hashes, m);
  const ref = typeof (value as { id?: unknown } | null)?.id === 'string' ? ((value as { id: string }).id) : undefined;
  const HEX = /^[0-9a-f]{64}$/;
  const problem = ((): string | null => {
    if (!isObj(value)) return 'not a JSON object';
    const t = value as Record<string, any>;
    const missing: string[] = [];
    for (const f of ['id', 'store', 'till', 'soldAt', 'day', 'customer', 'prevHash', 'hash']) if (typeof t[f] !== 'string') missing.push(f);
    if (!Number.isInteger(t.number) || t.number < 1) missing.push('number');
    for (const f of ['lines', 'settlements', 'payments']) if (!Array.isArray(t[f])) missing.push(f);
    if (!t.totals || typeof t.totals !== 'object' || typeof t.totals.due !== 'string' || typeof t.totals.inclVat !== 'string') missing.push('totals');
    if (typeof t.degraded !== 'boolean') missing.push('degraded');
    if (!t.rounding || typeof t.rounding !== 'object') missing.push('rounding');
    if (missing.length) return `missing or invalid fields: ${missing.join(', ')}`;
    if (t.store !== m.store || t.till !== m.till) return `belongs to ${t.store} till ${t.till}, but the package is from ${m.store} till ${m.till}`;
    const id = ticketId(t.store, t.till, t.number);
    if (t.id !== id) return `id does not match its store, till and number (expected ${id})`;
    if (!HEX.test(t.hash) || !HEX.test(t.prevHash)) return 'hash or prevHash is not a sha256';
    if (hashTicket(t as Ticket) !== t.hash) return 'content does not match its hash (altered after sale)';
    return null;
  })();
  if (problem) return { line, ...(ref ? { ticket: ref } : {}), message: `${where} line ${line}${ref ? ` (ticket ${ref})` : ''}: ${problem}` };
  return { content: canonicalJson(value) };
}

describe('readTicketLine gives the verdicts of the reader it replaced', () => {
  const ODD = ['Câble éà', '€ — 🧾', 'lone \ud800', 'q " b \\ /', 'ctl \u0000\u001f\n', '\u2028\u2029\ufeff', ',"prevHash":"x"'];

  /** The line text with its keys in a random order at every level: the same data, not the canonical text. */
  function reorderedText(r: () => number, text: string): string {
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(shuffle(r, Object.entries(v)).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return JSON.stringify(walk(JSON.parse(text)));
  }

  /** One of many ways a line can differ from what the writer wrote, chosen by `r`. */
  function mutate(r: () => number, text: string, t: Ticket): string {
    const obj = () => JSON.parse(text) as Record<string, any>;
    switch (Math.floor(r() * 19)) {
      case 0: return text;
      case 1: return reorderedText(r, text);
      case 2: return text.replace(/,"/g, ', "').replace(/":/g, '": ');
      case 3: return text.replace(/"label":"(.)/, '"label":"#');
      case 4: { const o = obj(); delete o.payments; return JSON.stringify(o); }
      case 5: { const o = obj(); o.number = String(o.number); return JSON.stringify(o); }
      case 6: { const o = obj(); o.zzz = ODD[Math.floor(r() * ODD.length)]; return JSON.stringify(o); }
      case 7: return `{"__proto__":{"x":1},${text.slice(1)}`;
      case 8: { const o = obj(); o.hash = 'not-a-hash'; return JSON.stringify(o); }
      case 9: { const o = obj(); o.prevHash = 'F'.repeat(64); return JSON.stringify(o); }
      case 10: { const o = obj(); o.id = 'S1-01-99999999'; return JSON.stringify(o); }
      case 11: { const o = obj(); o.store = 'S2'; return JSON.stringify(o); }
      case 12: return ['[1,2]', '"text"', 'null', '5', '{}', '{"id":"S1-01-00000001"'][Math.floor(r() * 6)];
      case 13: {
        // Odd content, hashed right: a whole line a till could have written from odd data.
        const { hash: _h, ...rest } = t;
        const odd = { ...rest, customer: ODD[Math.floor(r() * ODD.length)], lines: t.lines.map((l) => ({ ...l, label: ODD[Math.floor(r() * ODD.length)] })) };
        return canonicalJson({ ...odd, hash: hashTicket(odd as Ticket) });
      }
      case 14: { const o = obj(); o.lines = [{ ...(o.lines[0] ?? {}), '10': 'ten', '9': 'nine' }]; return JSON.stringify(o); }
      case 15: return JSON.stringify(obj(), null, 0).replace('"customer":', '"customer" :');
      case 16: { const o = obj(); o.rounding = { vatOn: 'line', decimals: 2 }; return JSON.stringify(o); }
      case 17: { const o = obj(); o.lines = o.lines.map((l: object) => Object.fromEntries(Object.entries(l).reverse())); return JSON.stringify(o); }
      default: return canonicalJson(t);
    }
  }

  it('odd but honest tickets (strange text, big numbers) as the writer writes them: accepted, same text', () => {
    const r = rng(777);
    const list: Ticket[] = [];
    let prevHash = GENESIS_HASH;
    for (const t of generateTillTickets('01', { tills: 1, ticketsPerTill: 400, seed: 41 })) {
      const { hash: _h, ...rest } = t;
      const odd = {
        ...rest,
        prevHash,
        customer: r() < 0.5 ? ODD[Math.floor(r() * ODD.length)] : rest.customer,
        lines: rest.lines.map((l) => (r() < 0.5 ? { ...l, label: ODD[Math.floor(r() * ODD.length)], qty: String(2 ** 53 - Math.floor(r() * 9)) } : l)),
      };
      const ticket = { ...odd, hash: hashTicket(odd as Ticket) } as Ticket;
      list.push(ticket);
      prevHash = ticket.hash;
    }
    const m = { store: 'S1', till: '01' } as PackageManifest;
    const hashes = hashesOf(list);
    const texts = encodeTicketLines(list, 'S1', '01').jsonl.toString('utf8').trimEnd().split('\n');
    for (let k = 0; k < texts.length; k++) {
      const want = referenceLine(texts[k], k, k + 1, hashes, m);
      const got = readTicketLine({ fileName: FILE, manifest: m, hashes }, k, k + 1, texts[k]);
      expect(want).toEqual({ content: canonicalJson(list[k]) });
      expect(isLineError(got) ? got : got.content).toBe(canonicalJson(list[k]));
    }
  });

  it.each([1, 2])('format version %i: same verdict, same stored text, over many mutated lines', (version) => {
    const r = rng(4242 + version);
    const list = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 600, seed: 31 })];
    const m = { store: 'S1', till: '01' } as PackageManifest;
    const hashes = version >= 2 ? hashesOf(list) : undefined;
    const texts = version >= 2 ? encodeTicketLines(list, 'S1', '01').jsonl.toString('utf8').trimEnd().split('\n') : list.map((t) => canonicalJson(t));
    const ctx = { fileName: FILE, manifest: m, hashes };
    const seen = new Set<string>();
    for (let k = 0; k < texts.length; k++) {
      const text = mutate(r, texts[k], list[k]);
      const want = referenceLine(text, k, k + 1, hashes, m);
      const got = readTicketLine(ctx, k, k + 1, text);
      if ('message' in want) {
        expect(isLineError(got)).toBe(true);
        expect(got).toEqual(want);
        seen.add(want.message.replace(/^.*?: /, '').replace(/\(.*/, ''));
      } else {
        expect(isLineError(got)).toBe(false);
        if (isLineError(got)) continue;
        expect(got.content).toBe(want.content);
        expect(canonicalJson(got.ticket)).toBe(want.content);
        seen.add('accepted');
      }
    }
    // The mutations reached every kind of verdict, not only the happy path.
    expect(seen.size).toBeGreaterThanOrEqual(7);
  });
});

describe('indexTicketLines', () => {
  /** The lines as the reader first found them: decode all, split on \n, drop a final \r, skip what trims to nothing. */
  function referenceLines(data: Buffer): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    data
      .toString('utf8')
      .split('\n')
      .forEach((raw, i) => {
        const text = raw.replace(/\r$/, '');
        if (text.trim() !== '') out.push({ line: i + 1, text });
      });
    return out;
  }

  it('finds the same lines, with the same text, as splitting the decoded text', () => {
    const r = rng(99);
    const pieces = ['{"a":1}', '', ' ', '\t', '\r', '  {"b":"é"}  ', '\u00a0', '\u2028', '\ufeff', '\u3000x', 'é', '🧾', '{"c":"\u00a0"}', '\u2029\u00a0 '];
    const samples: Buffer[] = [Buffer.alloc(0), Buffer.from('\n'), Buffer.from('{"x":1}'), Buffer.from('{"x":1}\r\n\r\n')];
    for (let n = 0; n < 300; n++) {
      const parts = Array.from({ length: Math.floor(r() * 8) }, () => pieces[Math.floor(r() * pieces.length)] + (r() < 0.3 ? '\r' : ''));
      let bytes = Buffer.from(parts.join('\n') + (r() < 0.5 ? '\n' : ''));
      // Broken UTF-8 next to line breaks: a truncated sequence, a stray continuation byte.
      if (r() < 0.3) bytes = Buffer.concat([bytes, Buffer.from([0xe2, 0x0a, 0x80, 0x7b, 0x0a, 0xc3])]);
      samples.push(bytes);
    }
    for (const data of samples) {
      const index = indexTicketLines(data);
      const got = Array.from({ length: index.count }, (_, k) => ({ line: index.line[k], text: lineTextAt(data, index, k) }));
      expect(got).toEqual(referenceLines(data));
    }
  });
});

describe('ticketLinePages (intake reads tickets.jsonl as it is inflated)', () => {
  async function* chunked(data: Buffer, r: () => number): AsyncGenerator<Buffer> {
    for (let at = 0; at < data.length; ) {
      const n = 1 + Math.floor(r() * 12);
      yield data.subarray(at, at + n);
      at += n;
    }
  }
  const manifestOf = (count: number) => ({ count }) as never;

  it('finds the lines indexTicketLines finds, whatever the chunks and page size', async () => {
    const r = rng(7);
    const pieces = ['{"a":1}', '', ' ', '\r', '  {"b":"é"}  ', '\u00a0', '\u2028', '\u3000x', '🧾', '{"c":"\u00a0"}'];
    for (let n = 0; n < 200; n++) {
      const parts = Array.from({ length: Math.floor(r() * 12) }, () => pieces[Math.floor(r() * pieces.length)] + (r() < 0.3 ? '\r' : ''));
      let data = Buffer.from(parts.join('\n') + (r() < 0.5 ? '\n' : ''));
      if (r() < 0.3) data = Buffer.concat([data, Buffer.from([0xe2, 0x0a, 0x80, 0x7b, 0x0a, 0xc3])]);
      const index = indexTicketLines(data);
      const want = Array.from({ length: index.count }, (_, k) => ({ k, line: index.line[k], text: lineTextAt(data, index, k) }));
      const pageLines = 1 + Math.floor(r() * 4);
      const got: typeof want = [];
      for await (const page of ticketLinePages(chunked(data, r), pageLines, FILE, manifestOf(index.count))) {
        expect(page.count).toBeLessThanOrEqual(pageLines);
        for (let i = 0; i < page.count; i++) got.push({ k: page.k0 + i, line: page.line[i], text: page.data.toString('utf8', page.start[i], page.end[i]) });
      }
      expect(got).toEqual(want);
    }
  });

  it('refuses a line over the cap while it is still coming in, before it is buffered whole', async () => {
    const long = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const data = Buffer.concat([Buffer.from('{"a":1}\n{"b":2}\n'), long, Buffer.from('\n{"c":3}\n')]);
    let handed = 0;
    async function* big(): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += 64 * 1024) {
        handed += 64 * 1024;
        yield data.subarray(at, at + 64 * 1024);
      }
    }
    const pages = ticketLinePages(big(), 1000, FILE, manifestOf(3));
    const e = await (async () => {
      try {
        for await (const _ of pages);
      } catch (x) {
        return x as PackageError;
      }
      throw new Error('not refused');
    })();
    expect(e.reason).toBe('too-large');
    expect(e.message).toMatch(/^TicDeg01_20261124093000\.zip: line 3 of tickets\.jsonl is 11\d{5} bytes or more, over the 1048576-byte cap of a ticket line$/);
    // Refused about one chunk past the cap: the 3 MB line was never read whole.
    expect(handed).toBeLessThan(1.2 * 1024 * 1024);
  });

  it('after the last line, the count against the manifest', async () => {
    async function* one(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n{"b":2}\n');
    }
    await expect(async () => {
      for await (const _ of ticketLinePages(one(), 10, FILE, manifestOf(3)));
    }).rejects.toThrow(/announces 3 tickets but tickets\.jsonl holds 2 lines/);
  });
});
