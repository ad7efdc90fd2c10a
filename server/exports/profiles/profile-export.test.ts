/**
 * Export profiles against the database, on SQLite and PostgreSQL: each profile writes its own view
 * of the same books, and "export once" holds per profile (seed 002): what profile A exported,
 * profile B still exports once; a reset of A leaves B and exports without a profile alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../../test/support/test-databases.ts';
import { saveBaseData } from '../../base-data.ts';
import { demoBaseData } from '../../../fixtures/store.ts';
import { ensureMapping } from '../../accounting/mapping.ts';
import { sampleLedger } from '../../../test/support/sample-ledger.ts';
import { insertLedger } from '../../../test/support/ledger-sql-fixture.ts';
import { validateExactFile } from '../../../test/support/exact-xsd.ts';
import { decodeLatin9 } from '../latin9.ts';
import { runExport } from '../export-run.ts';
import { resetExports } from '../export-reset.ts';
import { addProfile, loadProfile } from './profile-store.ts';
import type { ExportProfile } from './profile-schema.ts';

const CABINET: ExportProfile = {
  version: 1,
  format: 'sage',
  customers: { account: { mode: 'generated', prefix: '411', length: 11 } },
  text: { removeAccents: true, upperCase: true },
  analytics: { axis: 'till' },
};

for (const engine of TEST_ENGINES) {
  describe(`export profiles on ${engine}`, () => {
    let t: TestDb;
    let env: { db: TestDb['db']; data: string };
    const period = { from: '2026-11-01', to: '2026-11-30' };
    const profile = (name: string) => ({ name, profile: loadProfile(t.data, name) });
    beforeEach(async () => {
      t = await openTestDb(engine);
      env = { db: t.db, data: t.data };
      await saveBaseData(t.db, demoBaseData(5));
      ensureMapping(t.data);
      await insertLedger(t.db, sampleLedger());
      addProfile(t.data, 'cabinet-sage', CABINET);
      addProfile(t.data, 'exact', { version: 1, format: 'exact' });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('exports once per profile: A then A again (nothing new), B still once, no-profile exports untouched; a reset of A only concerns A', async () => {
      const a = await runExport(env, { format: 'sage', ...period, profile: profile('cabinet-sage') });
      expect(a).toMatchObject({ status: 'written', entryCount: 6, lineCount: 16, profile: 'cabinet-sage' });
      expect(a.file).toMatch(/cabinet-sage-sage-20261101-20261130\.pnm$/);
      const text = decodeLatin9(readFileSync(a.file!));
      expect(text).toMatch(/^70 021126FA411C0000001  XC0000001/m);
      expect(a.customersFile && existsSync(a.customersFile)).toBe(true);
      expect(decodeLatin9(readFileSync(a.customersFile!))).toMatch(/^C0000001;[^;]*;411C0000001;/m);
      expect(await t.db.selectFrom('export_marks').select('entry_id').where('profile', '=', 'cabinet-sage').execute()).toHaveLength(6);
      expect((await t.db.selectFrom('entries').select('export_id').execute()).every((r) => r.export_id === null)).toBe(true);

      const again = await runExport(env, { format: 'sage', ...period, profile: profile('cabinet-sage') });
      expect(again.status).toBe('empty');
      expect(again.message).toMatch(/its 6 entries were already exported/);

      const b = await runExport(env, { format: 'exact', ...period, profile: profile('exact') });
      expect(b).toMatchObject({ status: 'written', entryCount: 6, profile: 'exact' });
      expect(validateExactFile(b.file!).errors).toEqual([]);

      const plain = await runExport(env, { format: 'csv', ...period });
      expect(plain).toMatchObject({ status: 'written', entryCount: 6, profile: null });

      expect(await resetExports(env, { ids: 'ALL', profile: 'cabinet-sage' })).toEqual({ reset: 6 });
      expect((await runExport(env, { format: 'sage', ...period, profile: profile('cabinet-sage') })).entryCount).toBe(6);
      expect((await runExport(env, { format: 'exact', ...period, profile: profile('exact') })).status).toBe('empty');
      const rows = await t.db.selectFrom('exports').select(['format', 'profile']).orderBy('id').execute();
      expect(rows.map((r) => `${r.format}:${r.profile ?? '-'}`)).toEqual(['sage:cabinet-sage', 'exact:exact', 'csv:-', 'sage:cabinet-sage']);
    });

    it('writes the software formats without a profile too (the books as posted), with the customers file', async () => {
      for (const format of ['ebp', 'ciel', 'quadratus', 'cegid'] as const) {
        const o = await runExport(env, { format, ...period, includeExported: true });
        expect(o.status).toBe('written');
        expect(o.lineCount).toBe(16);
        expect(o.totalDebit).toBe(o.totalCredit);
        expect(Boolean(o.customersFile)).toBe(format !== 'quadratus');
      }
    });
  });
}
