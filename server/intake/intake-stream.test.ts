/**
 * Intake reads a package's tickets.jsonl page by page as it is inflated, inside the one
 * transaction that stores its tickets (issue 14: a million tickets in bounded memory). What is
 * known only after the last page — the entry's checksum, a line over the cap further down, the
 * line count — refuses the package and rolls back every page stored before: nothing committed.
 */
import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES } from '../../test/support/test-databases.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { rng } from '../../fixtures/random.ts';
import { HASHES_ENTRY, PACKAGE_FORMAT, TICKETS_ENTRY } from '../../sync/package-format.ts';
import { encodeTicketLines } from '../../sync/package-lines.ts';
import { MANIFEST_ENTRY, sha256Hex, signedManifest } from '../../sync/signed-zip.ts';
import { fmt, sum } from '../../sync/money.ts';
import type { Ticket } from '../../sync/types.ts';
import { enrollTill } from './till-registry.ts';
import { intakePackage } from './intake.ts';
import type { LinesMode } from './package-pages.ts';

const FILE = 'TicDeg01_20261124093000.zip';
const SECRET = 'intake-stream-test-secret';
/** Small pages: a refusal found at the end comes after many pages were inserted. */
const PAGE = 25;

/**
 * A version-2 package of `list`, HMAC-signed over `signedLines`' size and sha256 but holding
 * `lines` (the same unless a test tampers with the entry after signing).
 */
function pkg(list: Ticket[], lines: Buffer, opts: { signedLines?: Buffer; hashes: Buffer; count?: number }): Buffer {
  const signed = opts.signedLines ?? lines;
  const header = {
    format: PACKAGE_FORMAT,
    version: 2,
    store: 'S1',
    till: '01',
    kind: 'degraded',
    created: new Date(Date.UTC(2026, 10, 24, 9, 30)).toISOString(),
    count: opts.count ?? list.length,
    firstNumber: list[0].number,
    lastNumber: list[list.length - 1].number,
    totals: { due: fmt(sum(list.map((t) => t.totals.due))), inclVat: fmt(sum(list.map((t) => t.totals.inclVat))) },
  };
  const manifest = signedManifest(header, [{ name: HASHES_ENTRY, size: opts.hashes.length, sha256: sha256Hex(opts.hashes) }, { name: TICKETS_ENTRY, size: signed.length, sha256: sha256Hex(signed) }], { secret: SECRET });
  const zip = new AdmZip();
  zip.addFile(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)));
  zip.addFile(HASHES_ENTRY, opts.hashes);
  zip.addFile(TICKETS_ENTRY, lines);
  return zip.toBuffer();
}

function tickets(n: number): { list: Ticket[]; jsonl: Buffer; hashes: Buffer } {
  const list = [...generateTillTickets('01', { tills: 1, ticketsPerTill: n, seed: 41 })];
  const { jsonl, hashes } = encodeTicketLines(list, 'S1', '01');
  return { list, jsonl, hashes };
}

for (const engine of TEST_ENGINES) {
  describe(`intake streams tickets.jsonl inside its transaction (${engine})`, () => {
    async function intake(bytes: Buffer, lines: LinesMode) {
      const t = await openTestDb(engine);
      await enrollTill(t.db, { data: t.data, store: 'S1', till: '01' });
      await t.db.updateTable('tills').set({ secret: SECRET, legacy_hmac: 1 }).where('id', '=', 'S1-01').execute();
      const outcome = await intakePackage({ db: t.db, data: t.data }, { bytes, fileName: FILE, channel: 'lan', lines, pageLines: PAGE });
      const stored = Number((await t.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const packages = await t.db.selectFrom('packages').select(['status', 'reason', 'new_count']).execute();
      const log = (await t.db.selectFrom('log_book').select(['message']).execute()).map((r) => r.message);
      const till = await t.db.selectFrom('tills').select(['last_number', 'gaps']).where('id', '=', 'S1-01').executeTakeFirstOrThrow();
      await t.cleanup();
      return { outcome, stored, packages, log, till };
    }

    for (const lines of ['inline', 'workers-only'] as const) {
      it(`a line altered after signing, near the end: refused as checksum after every page was read, nothing stored (${lines})`, async () => {
        const { list, jsonl, hashes } = tickets(300);
        // Ticket 290's customer changed in the entry: the signed manifest still holds the old sha256.
        const text = jsonl.toString('utf8').split('\n');
        text[289] = text[289].replace('"customer":"', '"customer":"Z');
        const r = await intake(pkg(list, Buffer.from(text.join('\n')), { signedLines: jsonl, hashes }), lines);
        expect(r.outcome).toMatchObject({ status: 'refused', reason: 'checksum' });
        if (r.outcome.status === 'refused') expect(r.outcome.message).toBe(`${FILE}: entry tickets.jsonl does not match its checksum in the manifest (modified after signing)`);
        expect(r.stored).toBe(0);
        expect(r.packages).toEqual([expect.objectContaining({ status: 'rejected', new_count: 0 })]);
        // The line error of ticket 290 (its hash no longer matches) was journaled in the rolled-back transaction only.
        expect(r.log).toHaveLength(1);
        expect(r.log[0]).toMatch(/package refused \(checksum\)/);
        expect(r.till).toEqual({ last_number: null, gaps: '[]' });
      });

      it(`a line over the 1 MiB cap after 200 good ones: refused as too-large, nothing stored (${lines})`, async () => {
        const { list, jsonl, hashes } = tickets(300);
        const text = jsonl.toString('utf8').split('\n');
        // Random letters: deflate cannot squeeze them past the ratio cap, so the line cap is what refuses.
        const r0 = rng(3);
        const junk = Array.from({ length: 1_200_000 }, () => String.fromCharCode(97 + Math.floor(r0() * 26))).join('');
        text[200] = `{"customer":"${junk}"}`;
        const entry = Buffer.from(text.join('\n'));
        const r = await intake(pkg(list, entry, { hashes }), lines);
        expect(r.outcome).toMatchObject({ status: 'refused', reason: 'too-large' });
        if (r.outcome.status === 'refused') expect(r.outcome.message).toMatch(/line 201 of tickets\.jsonl is \d+ bytes( or more)?, over the 1048576-byte cap of a ticket line/);
        expect(r.stored).toBe(0);
        expect(r.till).toEqual({ last_number: null, gaps: '[]' });
      });
    }

    it('a truncated package is refused before any transaction: nothing stored', async () => {
      const { list, jsonl, hashes } = tickets(100);
      const bytes = pkg(list, jsonl, { hashes });
      const r = await intake(bytes.subarray(0, Math.floor(bytes.length * 0.7)), 'inline');
      expect(r.outcome).toMatchObject({ status: 'refused', reason: 'zip-corrupt' });
      expect(r.stored).toBe(0);
    });

    it('an honest package of 300 tickets read in 12 pages: every ticket stored once', async () => {
      const { list, jsonl, hashes } = tickets(300);
      const r = await intake(pkg(list, jsonl, { hashes }), 'inline');
      expect(r.outcome).toMatchObject({ status: 'accepted', counts: { tickets: 300, accepted: 300, errors: 0 } });
      expect(r.stored).toBe(300);
      expect(r.till.last_number).toBe(list[299].number);
    });
  });
}
