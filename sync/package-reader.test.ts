import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { PACKAGE_FORMAT, PACKAGE_VERSION, type PackageManifest } from './package-format.ts';
import { PackageError, inspectPackage, readTicketPackage } from './package-reader.ts';
import { buildTicketPackage } from './package-writer.ts';
import { writeSignedZip } from './signed-zip.ts';
import { canonicalJson, hashTicket } from './ticket-chain.ts';
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

/** A package signed with the right secret whose tickets.jsonl is exactly `lines` (as the till wrote them). */
function packageWithLines(lines: string[], over: Partial<PackageManifest> = {}, secret = SECRET): Buffer {
  return writeSignedZip({ header: header({ count: lines.filter((l) => l.trim()).length, ...over }), entries: [{ name: 'tickets.jsonl', data: Buffer.from(lines.join('\n') + '\n') }], secret });
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
    const v2 = packageWithLines(tickets.map((t) => canonicalJson(t)), { version: 2 } as Partial<PackageManifest>);
    const e = refused(() => readTicketPackage(v2, FILE, secretFor));
    expect(e.reason).toBe('format-version');
    expect(e.message).toBe(`${FILE}: package format version 2 is not supported (this tillsync reads version 1)`);
    const bundle = writeSignedZip({ header: { format: 'tillsync-base', version: 1, store: 'S1', till: '01' }, entries: [], secret: SECRET });
    expect(refused(() => readTicketPackage(bundle, FILE, secretFor)).message).toMatch(/not a tillsync ticket package \(format "tillsync-base"\)/);
    expect(refused(() => inspectPackage(v2, FILE)).reason).toBe('format-version');
  });

  it('manifest fields missing or count not matching the lines', () => {
    const lines = tickets.map((t) => canonicalJson(t));
    expect(refused(() => readTicketPackage(packageWithLines(lines, { kind: 'weekly' as never }), FILE, secretFor)).message).toMatch(/invalid fields: kind/);
    const e = refused(() => readTicketPackage(packageWithLines(lines, { count: 99 }), FILE, secretFor));
    expect(e.reason).toBe('manifest');
    expect(e.message).toMatch(/announces 99 tickets but tickets\.jsonl holds 12 lines/);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { lastNumber: 11 }), FILE, secretFor)).message).toMatch(/number 12 lies outside the manifest's range 1–11/);
    expect(refused(() => readTicketPackage(packageWithLines(lines, { firstNumber: 0, lastNumber: 13 }), FILE, secretFor)).message).toMatch(/announces tickets 0–13 but the package holds 1–12/);
  });

  describe('malformed lines: only the tickets in error are left out', () => {
    const good = tickets.map((t) => canonicalJson(t));

    function withLine(index: number, replacement: string) {
      const lines = [...good];
      lines[index] = replacement;
      return readTicketPackage(packageWithLines(lines), FILE, secretFor);
    }

    function expectOnlyLine(r: ReturnType<typeof readTicketPackage>, index: number, fragment: RegExp) {
      expect(r.lineErrors).toHaveLength(1);
      expect(r.lineErrors[0].line).toBe(index + 1);
      expect(r.lineErrors[0].message).toMatch(new RegExp(`^${FILE} tickets\\.jsonl line ${index + 1}`));
      expect(r.lineErrors[0].message).toMatch(fragment);
      expect(r.tickets.map((t) => t.number)).toEqual(tickets.filter((_, i) => i !== index).map((t) => t.number));
    }

    it('not JSON', () => {
      expectOnlyLine(withLine(4, '{"id": "S1-01-00000005", broken'), 4, /line 5: not valid JSON/);
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
      expectOnlyLine(withLine(11, good[10]), 11, /number 11 appears twice/);
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
      const r = readTicketPackage(packageWithLines(crlf), FILE, secretFor);
      expect(r.lineErrors.map((e) => e.line)).toEqual([1, 7]);
      expect(r.tickets).toHaveLength(10);
    });
  });
});
