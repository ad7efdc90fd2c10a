/**
 * Judging a package's lines in worker threads, page by page while the pages before are inserted,
 * must change nothing but speed: the same package through the inline path and through the
 * workers gives the same outcome, the same rows, the same log book — with malformed lines,
 * refused tickets, numbers twice, broken links and known tickets placed across page boundaries.
 */
import { describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { HASHES_ENTRY, PACKAGE_FORMAT, TICKETS_ENTRY } from '../../sync/package-format.ts';
import { encodeTicketLines } from '../../sync/package-lines.ts';
import { openTicketPackage, openTicketPackageStream } from '../../sync/package-reader.ts';
import { writeSignedZip } from '../../sync/signed-zip.ts';
import { canonicalJson, hashTicket } from '../../sync/ticket-chain.ts';
import type { Ticket } from '../../sync/types.ts';
import { fmt, sum } from '../../sync/money.ts';
import { enrollTill } from './till-registry.ts';
import { intakePackage, intakeTickets, type PackageInput, type PackageOutcome } from './intake.ts';
import { inlinePages, LineWorkers, type PackagePage } from './package-pages.ts';
import type { LinesMode } from './package-pages.ts';

const FILE = 'TicDeg01_20261124093000.zip';
const SECRET = 'package-pages-test-secret';
const rehash = (t: Omit<Ticket, 'hash'> & { hash?: string }): Ticket => {
  const { hash: _h, ...rest } = t;
  return { ...rest, hash: hashTicket(rest as Ticket) } as Ticket;
};

/** A package whose tickets.jsonl is exactly `lines`, signed: version 2 with `hashes`, else version 1. */
function signedPackage(secret: string, lines: string[], list: Ticket[], opts: { hashes?: Buffer; lastNumber?: number } = {}): Buffer {
  const entries: { name: string; data: Buffer }[] = [{ name: TICKETS_ENTRY, data: Buffer.from(lines.join('\n') + '\n') }];
  if (opts.hashes) entries.unshift({ name: HASHES_ENTRY, data: opts.hashes });
  const numbers = list.map((t) => t.number);
  const header = {
    format: PACKAGE_FORMAT,
    version: opts.hashes ? 2 : 1,
    store: 'S1',
    till: '01',
    kind: 'degraded',
    created: new Date(Date.UTC(2026, 10, 24, 9, 30)).toISOString(),
    count: lines.filter((l) => l.trim()).length,
    firstNumber: Math.min(...numbers),
    lastNumber: opts.lastNumber ?? Math.max(...numbers),
    totals: { due: fmt(sum(list.map((t) => t.totals.due))), inclVat: fmt(sum(list.map((t) => t.totals.inclVat))) },
  };
  return writeSignedZip({ header, entries, secret });
}

/** Lines per page in these tests: three pages of a 260-ticket package. */
const PAGE = 100;

/**
 * 260 tickets of till 01 (three pages of PAGE lines) as the writer writes them, then spoiled:
 * line 5 not JSON; ticket 98 altered after sale; ticket 101 (first of page 2) chained to the
 * wrong hash; ticket 150 with a day the checks refuse (hashed right); ticket 170 written twice;
 * ticket 200 missing (a gap); ticket 240 without its payments.
 */
function spoiledLines(): { list: Ticket[]; lines: string[]; hashes: Buffer } {
  const list: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 260, seed: 77 })];
  list[100] = rehash({ ...list[100], prevHash: 'e'.repeat(64) });
  list[149] = rehash({ ...list[149], day: '2026-11-2' });
  const written = list.filter((t) => t.number !== 200);
  const { jsonl, hashes } = encodeTicketLines(written, 'S1', '01');
  const lines = jsonl.toString('utf8').trimEnd().split('\n');
  lines[4] = '{"customer": broken';
  lines[97] = lines[97].replace('"customer":"', '"customer":"X');
  const i240 = written.findIndex((t) => t.number === 240);
  const l240 = JSON.parse(lines[i240]);
  delete l240.payments;
  lines[i240] = canonicalJson(l240);
  // The second copy of 170 is a whole line (its own hash and prevHash), right after the first.
  const i170 = written.findIndex((t) => t.number === 170);
  lines.splice(i170 + 1, 0, canonicalJson(list[169]));
  const records = [hashes.subarray(0, (i170 + 1) * 32), Buffer.from(list[169].hash, 'hex'), hashes.subarray((i170 + 1) * 32)];
  return { list, lines, hashes: Buffer.concat(records) };
}

/**
 * Everything an intake leaves behind, without the clock; packages named by their sha256 rather
 * than their id (a transaction rolled back on PostgreSQL still used up the id it took).
 */
async function footprint(t: TestDb) {
  const shaOf = new Map((await t.db.selectFrom('packages').select(['id', 'sha256']).execute()).map((r) => [Number(r.id), r.sha256]));
  const named = <R extends { package_id: number | null }>(rows: R[]) => rows.map(({ package_id, ...r }) => ({ ...r, package: package_id === null ? null : shaOf.get(Number(package_id)) }));
  const tickets = named(await t.db.selectFrom('tickets').select(['id', 'number', 'status', 'status_reason', 'hash', 'prev_hash', 'content', 'total_incl', 'total_due', 'day', 'sold_at', 'customer', 'degraded', 'channel', 'package_id']).orderBy('number').execute());
  const conflicts = named(await t.db.selectFrom('ticket_conflicts').select(['ticket_id', 'hash', 'content', 'channel', 'package_id']).orderBy('ticket_id').execute());
  const log = await t.db.selectFrom('log_book').select(['severity', 'channel', 'file', 'till', 'ticket', 'message']).orderBy('id').execute();
  const tills = await t.db.selectFrom('tills').select(['id', 'last_number', 'gaps']).orderBy('id').execute();
  const packages = await t.db.selectFrom('packages').select(['sha256', 'status', 'reason', 'ticket_count', 'new_count', 'duplicate_count', 'conflict_count', 'error_count', 'flagged_count']).execute();
  return { tickets, conflicts, log, tills, packages };
}

/**
 * The outcome without its clock, nor the package id: a transaction rolled back on PostgreSQL has
 * still used up the id it took from the sequence.
 */
function withoutIds(o: PackageOutcome) {
  return JSON.parse(JSON.stringify(o, (k, v) => (k === 'receivedAt' || k === 'packageId' ? undefined : v)));
}

for (const engine of TEST_ENGINES) {
  describe(`package lines judged in worker threads (${engine})`, () => {
    /** The same package, with tickets stored beforehand (`before`), through one path. */
    async function intakeVia(lines: LinesMode, bytes: Buffer, before: Ticket[] = []) {
      const t = await openTestDb(engine);
      await enrollTill(t.db, { data: t.data, store: 'S1', till: '01' });
      // One secret on both sides of a comparison, so that both take the very same bytes: a till
      // enrolled before format 3 (legacy HMAC packages, its secret stored in clear back then).
      await t.db.updateTable('tills').set({ secret: SECRET, legacy_hmac: 1 }).where('id', '=', 'S1-01').execute();
      const ctx = { db: t.db, data: t.data };
      if (before.length) await intakeTickets(ctx, { channel: 'replication', tickets: before });
      const timings: PackageInput['timings'] = {};
      const outcome = await intakePackage(ctx, { bytes, fileName: FILE, channel: 'lan', lines, pageLines: PAGE, timings });
      return { t, outcome, footprint: await footprint(t), judgedBy: timings!.lines, judged: timings!.judged };
    }

    it('gives the inline verdicts, rows and log book, with problems across page boundaries', async () => {
      const { list, lines, hashes } = spoiledLines();
      // 100 stored with the same content (a duplicate), 201 with other content (a conflict).
      const before = [list[99], rehash({ ...list[200], customer: 'SOMEONE-ELSE' })];
      const bytes = signedPackage(SECRET, lines, list, { hashes });
      const inline = await intakeVia('inline', bytes, before);
      const workers = await intakeVia('workers-only', bytes, before);
      try {
        expect(inline.judgedBy).toBe('inline');
        expect(workers.judgedBy).toBe('workers');
        expect(workers.judged).toEqual({ here: 0, workers: 3 });
        const o = inline.outcome;
        expect(o).toMatchObject({ status: 'accepted', counts: { tickets: 260, accepted: 253, duplicates: 2, conflicts: 1, errors: 5, flagged: 3 } });
        if (o.status !== 'accepted') return;
        expect(o.lineErrors.map((e) => e.line)).toEqual([5, 98, 171, 240]);
        expect(o.result.rejected.map((r) => r.id)).toEqual(['S1-01-00000150']);
        // 101 chained to a wrong hash; 102 to 101 as it was before; 202 to the stored 201, not to the one this package brings.
        expect(o.result.flagged.map((r) => r.id)).toEqual(['S1-01-00000101', 'S1-01-00000102', 'S1-01-00000202']);
        expect(o.result.conflicts).toEqual(['S1-01-00000201']);
        // 170 twice in the package with the same content: the second copy is a duplicate of the first (and a line error).
        expect(o.result.duplicates).toEqual(['S1-01-00000100', 'S1-01-00000170']);
        expect(o.result.gaps['S1-01']).toEqual([[5, 5], [98, 98], [150, 150], [200, 200], [240, 240]]);
        expect(withoutIds(workers.outcome)).toEqual(withoutIds(o));
        expect(workers.footprint).toEqual(inline.footprint);
        expect(inline.footprint.tickets).toHaveLength(255);
        expect(inline.footprint.log.length).toBeGreaterThan(5);
      } finally {
        await inline.t.cleanup();
        await workers.t.cleanup();
      }
    });

    it('a number twice in one package with other content: the second copy is kept in ticket_conflicts (issue 14), inline and in workers', async () => {
      const list = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 210, seed: 80 })];
      const other = rehash({ ...list[4], customer: 'SOMEONE-ELSE' });
      const lines = list.map((t) => canonicalJson(t));
      lines.splice(5, 0, canonicalJson(other));
      const bytes = signedPackage(SECRET, lines, list);
      const inline = await intakeVia('inline', bytes);
      const workers = await intakeVia('workers-only', bytes);
      try {
        expect(inline.outcome).toMatchObject({ status: 'accepted', counts: { accepted: 210, conflicts: 1, duplicates: 0, errors: 1 } });
        expect(inline.footprint.conflicts).toEqual([{ ticket_id: other.id, hash: other.hash, content: canonicalJson(other), channel: 'lan', package: expect.any(String) }]);
        expect(inline.footprint.log.some((l) => l.ticket === other.id && /recorded in ticket_conflicts/.test(l.message))).toBe(true);
        expect(withoutIds(workers.outcome)).toEqual(withoutIds(inline.outcome));
        expect(workers.footprint).toEqual(inline.footprint);
      } finally {
        await inline.t.cleanup();
        await workers.t.cleanup();
      }
    });

    it('lines out of number order: the transaction rolls back and the lines are judged again in one piece', async () => {
      const list = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 210, seed: 78 })];
      const order = list.map((t) => canonicalJson(t));
      [order[98], order[103]] = [order[103], order[98]];
      const bytes = signedPackage(SECRET, order, list);
      const inline = await intakeVia('inline', bytes);
      const workers = await intakeVia('workers-only', bytes);
      try {
        expect(inline.outcome).toMatchObject({ status: 'accepted', counts: { accepted: 210, flagged: 0 } });
        expect(workers.judgedBy).toBe('inline');
        expect(withoutIds(workers.outcome)).toEqual(withoutIds(inline.outcome));
        expect(workers.footprint).toEqual(inline.footprint);
      } finally {
        await inline.t.cleanup();
        await workers.t.cleanup();
      }
    });

    it('a number outside the manifest range, found after the last page: refused, nothing stored', async () => {
      const list = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 210, seed: 79 })];
      const { jsonl, hashes } = encodeTicketLines(list, 'S1', '01');
      const lines = jsonl.toString('utf8').trimEnd().split('\n');
      const bytes = signedPackage(SECRET, lines, list, { hashes, lastNumber: 209 });
      const inline = await intakeVia('inline', bytes);
      const workers = await intakeVia('workers-only', bytes);
      try {
        expect(inline.outcome).toMatchObject({ status: 'refused', reason: 'manifest', message: `${FILE}: ticket number 210 lies outside the manifest's range 1–209` });
        expect(withoutIds(workers.outcome)).toEqual(withoutIds(inline.outcome));
        expect(workers.footprint).toEqual(inline.footprint);
        expect(workers.footprint.tickets).toEqual([]);
        expect(workers.footprint.packages).toMatchObject([{ status: 'rejected' }]);
      } finally {
        await inline.t.cleanup();
        await workers.t.cleanup();
      }
    });
  });
}

describe('LineWorkers pages', () => {
  /** A page's content, whoever judged it: the worker path hands over ticket heads, the inline one whole tickets. */
  const plain = (p: PackagePage) => ({
    candidates: p.candidates.map((c) => ({ id: c.ticket.id, number: c.ticket.number, day: c.ticket.day, soldAt: c.ticket.soldAt, customer: c.ticket.customer, totals: [c.ticket.totals.inclVat, c.ticket.totals.due], degraded: c.ticket.degraded, hash: c.ticket.hash, prevHash: c.ticket.prevHash, content: c.content })),
    rejected: p.rejected,
    lineErrors: p.lineErrors,
  });
  const all = async (pages: AsyncGenerator<PackagePage>) => {
    const out = { candidates: [] as unknown[], rejected: [] as unknown[], lineErrors: [] as unknown[] };
    for await (const p of pages) {
      const x = plain(p);
      out.candidates.push(...x.candidates);
      out.rejected.push(...x.rejected);
      out.lineErrors.push(...x.lineErrors);
    }
    return out;
  };

  it('a worker lost in the middle: the pages it held are judged here, the same way', async () => {
    const { list, lines, hashes } = spoiledLines();
    const bytes = signedPackage('s', lines, list, { hashes });
    const opened = openTicketPackage(bytes, FILE, () => 's');
    const want = await all(inlinePages(opened, FILE, 'S1-01').pages());
    const workers = LineWorkers.spawn(2);
    try {
      await workers.ready;
      const source = workers.judge(openTicketPackageStream(bytes, FILE, () => 's'), FILE, 'S1-01', { pageLines: PAGE });
      const got = { candidates: [] as unknown[], rejected: [] as unknown[], lineErrors: [] as unknown[] };
      let n = 0;
      for await (const p of source.pages()) {
        // After the first page, one worker dies with pages in hand.
        if (n++ === 0) await (workers as unknown as { workers: { terminate(): Promise<number> }[] }).workers[1].terminate();
        const x = plain(p);
        got.candidates.push(...x.candidates);
        got.rejected.push(...x.rejected);
        got.lineErrors.push(...x.lineErrors);
      }
      expect(n).toBe(Math.ceil(lines.length / PAGE));
      expect(got).toEqual(want);
      expect(want.candidates.length).toBeGreaterThan(250);
    } finally {
      await workers.close();
    }
  });

  it('rather than wait for a late page, this thread judges the next page nobody has: each page judged once', async () => {
    const { list, lines, hashes } = spoiledLines();
    const bytes = signedPackage('s', lines, list, { hashes });
    const opened = openTicketPackage(bytes, FILE, () => 's');
    const want = await all(inlinePages(opened, FILE, 'S1-01').pages());
    const workers = LineWorkers.spawn(1);
    try {
      await workers.ready;
      // Eleven pages: the worker holds the first few, this thread takes the next ones.
      const source = workers.judge(openTicketPackageStream(bytes, FILE, () => 's'), FILE, 'S1-01', { pageLines: 25 });
      expect(await all(source.pages())).toEqual(want);
      // Page 0 was not back the moment it was wanted: a later page was judged here meanwhile.
      expect(source.judged.here).toBeGreaterThanOrEqual(1);
      expect(source.judged.workers).toBeGreaterThanOrEqual(1);
      expect(source.judged.here + source.judged.workers).toBe(11);
    } finally {
      await workers.close();
    }
  });

  it('while the workers load, this thread judges the first pages; the verdicts do not depend on who judged', async () => {
    const { list, lines, hashes } = spoiledLines();
    const bytes = signedPackage('s', lines, list, { hashes });
    const opened = openTicketPackage(bytes, FILE, () => 's');
    const want = await all(inlinePages(opened, FILE, 'S1-01').pages());
    const workers = LineWorkers.spawn(1);
    try {
      expect(workers.isReady).toBe(false);
      expect(await all(workers.judge(openTicketPackageStream(bytes, FILE, () => 's'), FILE, 'S1-01', { pageLines: PAGE }).pages())).toEqual(want);
    } finally {
      await workers.close();
    }
  });
});
