import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openTestDb, TEST_ENGINES } from '../../test/support/test-databases.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { canonicalJson, hashTicket } from '../../sync/ticket-chain.ts';
import { dayLogPath } from '../log-book.ts';
import type { Ticket } from '../../sync/types.ts';
import { enrollTill } from './till-registry.ts';
import { enrolSigningTill } from '../../test/support/signing-till.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { intakePackage, intakeTickets } from './intake.ts';

const tickets = (n: number, till = '01', seed = 5): Ticket[] => [...generateTillTickets(till, { tills: 1, ticketsPerTill: n, seed })];
const rehash = (t: Ticket): Ticket => {
  const { hash: _h, ...rest } = t;
  return { ...rest, hash: hashTicket(rest) };
};

for (const engine of TEST_ENGINES) {
  describe(`intake on ${engine}`, () => {
    it('stores each ticket once whatever the channel, keeping the channel of first arrival', async () => {
      const t = await openTestDb(engine);
      try {
        const { signer } = await enrolSigningTill(t.db, t.data, 'S1', '01');
        const ts = tickets(30);
        const ctx = { db: t.db, data: t.data };
        const first = await intakeTickets(ctx, { channel: 'replication', tickets: ts.slice(0, 10), expectTill: 'S1-01' });
        expect(first.accepted).toHaveLength(10);
        expect(first.gaps['S1-01']).toEqual([]);
        const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: ts, signer });
        const out = await intakePackage(ctx, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'lan' });
        expect(out).toMatchObject({ status: 'accepted', counts: { tickets: 30, accepted: 20, duplicates: 10, conflicts: 0, errors: 0, flagged: 0 } });
        const again = await intakePackage(ctx, { bytes: pkg.bytes, fileName: 'renamed.zip', channel: 'mail' });
        expect(again).toMatchObject({ status: 'already', channel: 'lan', counts: { accepted: 20, duplicates: 10 } });
        // Every run is in the day's log (seed 000), not only the problems.
        const dayLog = readFileSync(dayLogPath(t.data), 'utf8');
        expect(dayLog).toContain(`[lan ${pkg.fileName} S1-01] package accepted: 30 ticket(s), 20 new, 10 already known, 0 conflict(s), 0 refused`);
        expect(dayLog).toContain('[mail renamed.zip] package already received (lan,');
        const loose = await intakeTickets(ctx, { channel: 'http', tickets: ts });
        expect(loose.duplicates).toHaveLength(30);
        expect(loose.accepted).toHaveLength(0);
        const rows = await t.db.selectFrom('tickets').select(['id', 'channel', 'status', 'package_id']).orderBy('number').execute();
        expect(rows).toHaveLength(30);
        expect(rows.filter((r) => r.channel === 'replication').map((r) => r.id)).toEqual(ts.slice(0, 10).map((x) => x.id));
        expect(rows.filter((r) => r.channel === 'lan')).toHaveLength(20);
        expect(rows.every((r) => r.status === 'received')).toBe(true);
        const till = await t.db.selectFrom('tills').selectAll().where('id', '=', 'S1-01').executeTakeFirstOrThrow();
        expect(Number(till.last_number)).toBe(30);
        expect(till.last_contact_at).not.toBeNull();
        const packages = await t.db.selectFrom('packages').selectAll().execute();
        expect(packages).toHaveLength(1);
        expect(packages[0]).toMatchObject({ status: 'accepted', till_id: 'S1-01', kind: 'degraded' });
        const stored = await t.db.selectFrom('tickets').select('content').where('id', 'in', [ts[4].id, ts[15].id]).orderBy('id').execute();
        // Stored as canonical JSON whichever the path (replication: checked and hashed here; package: hashed by the reader).
        expect(stored.map((r) => r.content)).toEqual([canonicalJson(ts[4]), canonicalJson(ts[15])]);
      } finally {
        await t.cleanup();
      }
    });

    it('records a ticket with the same id and other content as a conflict, never overwriting', async () => {
      const t = await openTestDb(engine);
      try {
        await enrollTill(t.db, { data: t.data, store: 'S1', till: '01' });
        const ctx = { db: t.db, data: t.data };
        const ts = tickets(3);
        await intakeTickets(ctx, { channel: 'lan', tickets: ts });
        const other = rehash({ ...ts[1], customer: 'ALTERED4' });
        const r = await intakeTickets(ctx, { channel: 'mail', tickets: [other, other] });
        // The second copy in the batch is the same content as the first: a duplicate of it.
        expect(r.conflicts).toEqual([ts[1].id]);
        expect(r.duplicates).toEqual([ts[1].id]);
        expect(r.accepted).toEqual([]);
        const kept = await t.db.selectFrom('tickets').select(['hash', 'channel', 'content']).where('id', '=', ts[1].id).executeTakeFirstOrThrow();
        expect(kept.hash).toBe(ts[1].hash);
        expect(JSON.parse(kept.content).customer).toBe(ts[1].customer);
        const conflicts = await t.db.selectFrom('ticket_conflicts').selectAll().execute();
        expect(conflicts).toHaveLength(1);
        expect(conflicts[0]).toMatchObject({ ticket_id: ts[1].id, hash: other.hash, channel: 'mail', resolved: 0 });
        const log = await t.db.selectFrom('log_book').selectAll().where('severity', '=', 'warning').execute();
        expect(log.some((l) => l.ticket === ts[1].id && /different content/.test(l.message))).toBe(true);
        expect(readFileSync(dayLogPath(t.data), 'utf8')).toContain(`WARNING [mail S1-01 ${ts[1].id}]`);
        // The same other copy again (another channel, a retry): still a conflict, not a second review item.
        expect((await intakeTickets(ctx, { channel: 'lan', tickets: [other] })).conflicts).toEqual([ts[1].id]);
        expect(await t.db.selectFrom('ticket_conflicts').select('id').execute()).toHaveLength(1);
        expect(await t.db.selectFrom('log_book').select('id').where('severity', '=', 'warning').execute()).toHaveLength(1);
        // Two copies of one id in one batch with different content: the first is stored, the second is a conflict.
        const fresh = tickets(5).slice(3);
        const twin = rehash({ ...fresh[0], customer: 'ALTERED5' });
        const r2 = await intakeTickets(ctx, { channel: 'http', tickets: [fresh[0], twin, fresh[1]] });
        expect(r2).toMatchObject({ accepted: [fresh[0].id, fresh[1].id], conflicts: [fresh[0].id] });
      } finally {
        await t.cleanup();
      }
    });

    it('refuses altered and unknown-till tickets alone, flags a broken chain, reports gaps until filled', async () => {
      const t = await openTestDb(engine);
      try {
        await enrollTill(t.db, { data: t.data, store: 'S1', till: '01' });
        const ctx = { db: t.db, data: t.data };
        const ts = tickets(10);
        const altered = { ...ts[0], customer: 'ALTERED2' };
        const stranger = tickets(1, '07')[0];
        const r = await intakeTickets(ctx, { channel: 'lan', tickets: [altered, stranger, ts[1], ts[2], ts[5], ts[6]] });
        expect(r.rejected.map((x) => x.id)).toEqual([ts[0].id, stranger.id]);
        expect(r.rejected[0].reason).toContain('altered');
        expect(r.rejected[1].reason).toContain('not enrolled');
        expect(r.accepted).toEqual([ts[1].id, ts[2].id, ts[5].id, ts[6].id]);
        expect(r.gaps['S1-01']).toEqual([[1, 1], [4, 5]]);
        // Ticket 4 forged: its own hash is right but it does not chain to ticket 3.
        const forged = rehash({ ...ts[3], prevHash: ts[0].hash });
        const r2 = await intakeTickets(ctx, { channel: 'mail', tickets: [ts[0], forged] });
        expect(r2.accepted).toEqual([ts[0].id, ts[3].id]);
        expect(r2.flagged).toEqual([{ id: ts[3].id, reason: expect.stringContaining('does not match ticket 3') }]);
        expect(r2.gaps['S1-01']).toEqual([[5, 5]]);
        const row = await t.db.selectFrom('tickets').select(['status', 'status_reason']).where('id', '=', ts[3].id).executeTakeFirstOrThrow();
        expect(row.status).toBe('error');
        expect(row.status_reason).toContain('broken chain');
        const r3 = await intakeTickets(ctx, { channel: 'lan', tickets: [ts[4]] });
        expect(r3.gaps['S1-01']).toEqual([]);
        const till = await t.db.selectFrom('tills').select(['gaps', 'last_number']).executeTakeFirstOrThrow();
        expect(JSON.parse(till.gaps)).toEqual([]);
        const messages = (await t.db.selectFrom('log_book').select(['message', 'severity']).orderBy('id').execute()).map((l) => `${l.severity} ${l.message}`);
        expect(messages).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^error ticket refused: .*altered/),
            expect.stringMatching(/^warning till S1-01: tickets 1 missing/),
            expect.stringMatching(/^warning till S1-01: tickets 4–5 missing/),
            expect.stringMatching(/^info till S1-01: gap 1 filled/),
            expect.stringMatching(/^warning till S1-01: gap 4–5 partly filled, still missing 5/),
            expect.stringMatching(/^error ticket S1-01-00000004: previous hash does not match ticket 3/),
            expect.stringMatching(/^info till S1-01: gap 5 filled/),
          ]),
        );
        expect(await t.db.selectFrom('tickets').select('id').execute()).toHaveLength(7);
      } finally {
        await t.cleanup();
      }
    });

    it('logs refused tickets one by one up to a cap, then sums up the rest in one line', async () => {
      const t = await openTestDb(engine);
      try {
        await enrollTill(t.db, { data: t.data, store: 'S1', till: '01' });
        const altered = tickets(60).map((x) => ({ ...x, customer: 'ALTERED' }));
        const r = await intakeTickets({ db: t.db, data: t.data }, { channel: 'lan', file: 'bulk.zip', tickets: altered });
        expect(r.rejected).toHaveLength(60);
        const log = await t.db.selectFrom('log_book').select(['message', 'ticket', 'file']).orderBy('id').execute();
        expect(log).toHaveLength(51);
        expect(log[49]).toMatchObject({ ticket: altered[49].id, file: 'bulk.zip' });
        expect(log[50]).toMatchObject({ ticket: null, message: '…and 10 more tickets refused in this batch' });
        expect(await t.db.selectFrom('tickets').select('id').execute()).toEqual([]);
      } finally {
        await t.cleanup();
      }
    });

    it('takes a package with a malformed line minus that line, and refuses a package of an unknown till in its own transaction', async () => {
      const t = await openTestDb(engine);
      try {
        const { signer } = await enrolSigningTill(t.db, t.data, 'S1', '01');
        const ctx = { db: t.db, data: t.data };
        const ts = tickets(8);
        ts[3] = { ...ts[3], customer: 'ALTERED1' }; // altered after its hash was taken
        const pkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: ts, signer });
        const out = await intakePackage(ctx, { bytes: pkg.bytes, fileName: pkg.fileName, channel: 'manual' });
        expect(out).toMatchObject({ status: 'accepted', counts: { tickets: 8, accepted: 7, errors: 1 } });
        const log = await t.db.selectFrom('log_book').selectAll().where('severity', '=', 'error').execute();
        expect(log).toHaveLength(1);
        expect(log[0]).toMatchObject({ file: pkg.fileName, ticket: ts[3].id, channel: 'manual' });
        expect(log[0].message).toContain('line 4');
        expect(log[0].message).toContain('altered');
        expect((await t.db.selectFrom('tills').select('gaps').executeTakeFirstOrThrow()).gaps).toBe('[[4,4]]');

        const foreign = buildTicketPackage({ store: 'S1', till: '09', kind: 'degraded', tickets: tickets(3, '09'), signer: { key: generateTillKeyPair(), authSecret: 'whatever' } });
        const refused = await intakePackage(ctx, { bytes: foreign.bytes, fileName: foreign.fileName, channel: 'lan', refusedStatus: 'quarantined' });
        expect(refused).toMatchObject({ status: 'refused', reason: 'unknown-till', till: 'S1-09' });
        // Signed by a key the server does not know for till 01 (no key change chains it): refused.
        const resigned = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets(3), signer: { key: generateTillKeyPair(), authSecret: 'not-the-secret' } });
        const bad = await intakePackage(ctx, { bytes: resigned.bytes, fileName: 'x.zip', channel: 'http' });
        expect(bad).toMatchObject({ status: 'refused', reason: 'unknown-key' });
        // A version-2 (HMAC) package of a till enrolled for format 3: refused whatever the secret.
        const hmac = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets(3), secret: 'not-the-secret' });
        expect(await intakePackage(ctx, { bytes: hmac.bytes, fileName: 'y.zip', channel: 'http' })).toMatchObject({ status: 'refused', reason: 'signature', message: expect.stringContaining('HMAC-signed') });
        const wrongSender = await intakePackage(ctx, { bytes: pkg.bytes.subarray(0, 100), fileName: 'cut.zip', channel: 'http' });
        expect(wrongSender).toMatchObject({ status: 'refused', reason: 'zip-corrupt' });
        const rows = await t.db.selectFrom('packages').select(['file_name', 'status', 'reason']).orderBy('id').execute();
        expect(rows.map((r) => r.status)).toEqual(['accepted', 'quarantined', 'rejected', 'rejected', 'rejected']);
        expect(rows[1].reason).toMatch(/^unknown-till: /);
        // Enrolled afterwards, the same file goes through: the refused row becomes accepted.
        const { signer: s9 } = await enrolSigningTill(t.db, t.data, 'S1', '09');
        const signed9 = buildTicketPackage({ store: 'S1', till: '09', kind: 'degraded', tickets: tickets(3, '09'), signer: s9 });
        expect(await intakePackage(ctx, { bytes: signed9.bytes, fileName: signed9.fileName, channel: 'lan' })).toMatchObject({ status: 'accepted', counts: { accepted: 3 } });
        expect(await t.db.selectFrom('tickets').select('id').execute()).toHaveLength(10);
      } finally {
        await t.cleanup();
      }
    });
  });
}
