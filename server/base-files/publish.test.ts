import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, readServerConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { readBaseBundle } from '../../sync/base-bundle.ts';
import { ensureBaseKey } from './base-key.ts';
import { publishBase, nextVersion } from './publish.ts';
import { isTillsyncError } from '../../sync/errors.ts';

for (const engine of TEST_ENGINES) {
  describe(`publish-base (${engine})`, () => {
    let t: TestDb;
    let lan: string;
    afterEach(async () => {
      await t?.cleanup();
      rmSync(lan, { recursive: true, force: true });
    });

    async function setup(): Promise<ServerContext> {
      t = await openTestDb(engine);
      lan = mkdtempSync(join(tmpdir(), 'tillsync-lan-'));
      writeServerConfig(t.data, defaultConfig(t.data, 'S1'));
      await saveBaseData(t.db, demoBaseData(30));
      return { data: t.data, config: readServerConfig(t.data), db: t.db };
    }

    it('writes a signed bundle with every part to the LAN folder, versions increasing, acks of LAN tickets included', async () => {
      const ctx = await setup();
      const ticket = (id: string, channel: string) => ({
        id, store: 'S1', till: '01', number: Number(id.slice(-8)), day: '2026-03-01', sold_at: '2026-03-01T10:00:00Z', customer: 'COMPTOIR', total_incl: '1.00', total_due: '1.00',
        hash: 'h', prev_hash: 'p', degraded: 1, content: '{}', channel, package_id: null, received_at: new Date().toISOString(), status: 'received',
        document_id: null, document_number: channel === 'lan' ? 'F000001' : null, integration_batch: null, updated_at: new Date().toISOString(),
      });
      await t.db.insertInto('tickets').values([ticket('S1-01-00000001', 'lan'), ticket('S1-01-00000002', 'replication')] as any).execute();
      const first = await publishBase(ctx, { lan });
      const second = await publishBase(ctx, { lan });
      expect([first.version, second.version]).toEqual([1, 2]);
      expect(first.baseKeyCreated).toBe(true);
      expect(second.baseKeyCreated).toBe(false);
      expect(readdirSync(lan).sort()).toEqual([first.fileName, second.fileName].sort());
      expect(existsSync(first.file)).toBe(true);
      const key = ensureBaseKey(t.data).key; // stored wrapped in server.json: unwrapped with DATA/secrets.key
      expect(JSON.stringify(readServerConfig(t.data))).not.toContain(key);
      const b = readBaseBundle(readFileSync(second.delivered!), second.fileName, (s) => (s === 'S1' ? key : undefined));
      expect(b.version).toBe(2);
      expect(b.base.articles).toHaveLength(30);
      expect(b.base.customers!.map((c) => c.code)).toContain('COMPTOIR');
      expect(b.base.ticketTables).toEqual({ rounding: { decimals: 2, vatOn: 'line' } });
      expect(b.acks).toEqual([expect.objectContaining({ id: 'S1-01-00000001', till: 'S1-01', documentNumber: 'F000001' })]);
      const logged = await t.db.selectFrom('log_book').select('message').execute();
      expect(logged.some((l) => l.message.includes('base bundle v2 published'))).toBe(true);
    });

    it('takes the parts and specific files pvpplstfic.txt names', async () => {
      const ctx = await setup();
      writeFileSync(join(t.data, 'promo.txt'), 'soldes -20 %');
      const list = join(t.data, 'pvpplstfic.txt');
      writeFileSync(list, 'DEBUT LISTE\ntarif article\ntiers\npromo.txt\nFIN LISTE\n');
      const r = await publishBase(ctx, { lan, files: list });
      expect(r.parts).toEqual(['articles', 'customers', 'vatRates']);
      const key = ensureBaseKey(t.data).key; // stored wrapped in server.json: unwrapped with DATA/secrets.key
      const b = readBaseBundle(readFileSync(r.file), r.fileName, () => key);
      expect(b.base.paymentModes).toBeUndefined();
      expect(b.files.map((f) => [f.name, f.data.toString()])).toEqual([['promo.txt', 'soldes -20 %']]);
    });

    it('refuses a list file without FIN LISTE before spending a version or writing a file', async () => {
      const ctx = await setup();
      const list = join(t.data, 'pvpplstmail.txt');
      writeFileSync(list, 'DEBUT LISTE\ncaisse01@magasin.example\n');
      let err: unknown;
      try {
        await publishBase(ctx, { mailList: list, smtp: 'smtp://127.0.0.1:1' });
      } catch (e) {
        err = e;
      }
      expect(isTillsyncError(err) && err.message).toBe(`${list} line 2: "FIN LISTE" is missing at the end of the list`);
      expect(existsSync(join(t.data, 'base-files'))).toBe(false);
      expect(await nextVersion(t.db)).toBe(1);
    });
  });
}
