/**
 * The server keeps only closures it can verify: signed with the till's key (the registered one, or
 * before registration the one the till sends), unaltered, chained to the previous one of their kind.
 * `server status` then shows each till's closure state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, type ServerContext } from '../context.ts';
import { enrollTill } from '../intake/till-registry.ts';
import { storeClosures } from '../replication/closures.ts';
import { serverStatus, statusText } from '../intake/status.ts';
import { buildClosure, buildPeriodClosure } from '../../client/closure.ts';
import { generateTillKeyPair, keyFingerprint } from '../../sync/till-keys.ts';
import { seal } from '../../sync/seal.ts';
import { TillsyncError } from '../../sync/errors.ts';

const till = { id: 'S1-01', store: 'S1', till: '01' };
const key = generateTillKeyPair();

for (const engine of TEST_ENGINES) {
  describe(`closures reaching the server (${engine})`, () => {
    let t: TestDb;
    afterEach(async () => t?.cleanup());

    it('stores signed, chained closures; refuses an altered one, another key, a broken link; shows the state', async () => {
      t = await openTestDb(engine);
      const ctx: ServerContext = { data: t.data, config: defaultConfig(t.data), db: t.db };
      await enrollTill(t.db, { store: 'S1', till: '01', data: t.data });
      const at = new Date('2026-11-30T19:00:00Z');
      const z1 = buildClosure([], null, till, at, 2, { key, lastTicketHash: '0'.repeat(64) });
      const z2 = buildClosure([], z1, till, new Date('2026-12-01T19:00:00Z'), 2, { key, lastTicketHash: '0'.repeat(64) });
      const m1 = buildPeriodClosure('month', '2026-11', [z1], null, till, at, 2, { key });
      expect((await storeClosures(ctx, [z1, z2, m1], till, [key.publicKeyPem])).accepted).toEqual([z1.id, z2.id, m1.id]);

      const refusal = async (closures: unknown[], keys: unknown) => {
        const e = await storeClosures(ctx, closures as never, till, keys).then(() => null, (err) => err);
        expect(e).toBeInstanceOf(TillsyncError);
        return (e as TillsyncError).code;
      };
      const z3 = buildClosure([], z2, till, new Date('2026-12-02T19:00:00Z'), 2, { key, lastTicketHash: '0'.repeat(64) });
      expect(await refusal([{ ...z3, total: '5.00' }], [key.publicKeyPem])).toBe('closure-altered');
      const forger = generateTillKeyPair();
      const { hash: _h, signature: _s, ...body } = z3;
      expect(await refusal([seal({ ...body, keyId: forger.keyId }, forger.privateKeyPem)], [key.publicKeyPem])).toBe('closure-unknown-key');
      expect(await refusal([seal({ ...body }, forger.privateKeyPem)], [key.publicKeyPem])).toBe('closure-bad-signature');
      expect(await refusal([seal({ ...body, prevHash: z1.hash }, key.privateKeyPem)], [key.publicKeyPem])).toBe('closure-broken-link');
      expect((await t.db.selectFrom('closures').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([m1.id, z1.id, z2.id]);
      const log = await t.db.selectFrom('log_book').select('message').where('message', 'like', 'closure refused%').execute();
      expect(log).toHaveLength(4);

      const s = await serverStatus(ctx);
      expect(s.tills[0].closures).toMatchObject({ counts: { day: 2, month: 1, year: 0 }, last: { month: { id: 'S1-01-M000001', period: '2026-11' } }, keyFingerprint: keyFingerprint(key.publicKeyPem), chainProblems: [] });
      expect(statusText(s)).toContain(`closures: last Z S1-01-Z000002 (2026-12-01), month S1-01-M000001 (2026-11), year none; signed by ${keyFingerprint(key.publicKeyPem)}; chains whole`);
    });
  });
}
