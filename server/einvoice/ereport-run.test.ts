/**
 * B2C e-reporting from the store: the counter customer's documents of a period become a Flux 10
 * file that passes the official XSD and schematron, only when the books tie out; reported once,
 * corrective (RE) after a reset; periods by VAT regime.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { insertDocument, insertLedger, simpleTicket } from '../../test/support/ledger-sql-fixture.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import { defaultConfig } from '../context.ts';
import { resetEreports, runEreport } from './ereport-run.ts';
import { parsePeriod, periodOf } from './ereport-period.ts';
import { checkFlux10 } from '../../test/support/einvoice-validators.ts';

describe('e-reporting periods', () => {
  it('follows the VAT regime: decades, months, two months', () => {
    expect(periodOf('2026-11-02', 'decade')).toEqual({ from: '2026-11-01', to: '2026-11-10', label: '2026-11-D1' });
    expect(periodOf('2026-02-25', 'decade')).toEqual({ from: '2026-02-21', to: '2026-02-28', label: '2026-02-D3' });
    expect(periodOf('2028-02-25', 'month').to).toBe('2028-02-29');
    expect(periodOf('2026-12-31', 'bimonth')).toEqual({ from: '2026-11-01', to: '2026-12-31', label: '2026-B6' });
    expect(parsePeriod('last', 'decade', '2026-11-03')).toMatchObject({ from: '2026-10-21', to: '2026-10-31' });
    expect(parsePeriod('2026-11-D2', 'month', '2026-12-01')).toMatchObject({ from: '2026-11-11', to: '2026-11-20' });
    expect(() => parsePeriod('2026-11-02..2026-11-02', 'decade', '2026-12-01')).toThrow(/ends on the day it starts/);
    expect(() => parsePeriod('2026-13', 'decade', '2026-12-01')).toThrow(/not a period/);
  });
});

for (const engine of TEST_ENGINES) {
  describe(`e-reporting on ${engine}`, () => {
    let t: TestDb;
    const env = () => ({ db: t.db, data: t.data, config: { ...defaultConfig(t.data), ereporting: { regime: 'decade', platform: { id: 'P042', name: 'PDP Exemple' } } } });
    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData(5));
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse', '159.90', '133.25', '26.65')] });
      await insertDocument(t.db, { number: '10001433', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '166.67', '33.33']], tickets: [simpleTicket(45, 'C0000001', 'Scie', '200.00', '166.67', '33.33')] });
      await insertDocument(t.db, { number: '10001434', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '403.00', '80.60']], tickets: [simpleTicket(43, 'COMPTOIR', 'Établi pliant', '483.60', '403.00', '80.60', 'ESP')] });
      await insertDocument(t.db, { number: '10001435', customer: 'C0000002', day: '2026-11-03', vat: [['VN', '20', '11.22', '2.24']], tickets: [simpleTicket(44, 'C0000002', 'Vis inox', '13.46', '11.22', '2.24', 'CRED', '2026-11-03')] });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('writes the consumers\' sales of a decade, valid Flux 10, tied out to the books, once', async () => {
      await insertLedger(t.db, sampleLedger());
      const o = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect(o.status).toBe('written');
      expect(o.typeCode).toBe('IN');
      expect(o.days.map((d) => [d.day, d.category, d.count, d.rates.map((r) => `${r.rate} ${r.base.toFixed(2)} ${r.vat.toFixed(2)}`)])).toEqual([['2026-11-02', 'TLB1', 1, ['20 403.00 80.60']]]);
      expect(o.tieOut).toEqual({ ledgerSales: '714.14', ledgerVat: '142.82', documentsExcl: '714.14', documentsVat: '142.82', b2cExcl: '403.00', b2cVat: '80.60', b2bExcl: '311.14', b2bVat: '62.22', reportedExcl: '403.00', reportedVat: '80.60', collected: '0.00' });
      const xml = readFileSync(o.file!, 'utf8');
      const v = checkFlux10(xml);
      expect(v.xsd).toBeNull();
      expect(v.messages).toEqual([]);
      expect(xml).toContain('<Sender><Id schemeId="0238">P042</Id>');
      const again = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect(again.status).toBe('already');
      expect(await resetEreports(t.db, [o.id!])).toBe(1);
      const re = await runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' });
      expect([re.status, re.typeCode]).toEqual(['written', 'RE']);
      expect(re.file).not.toBe(o.file);
      expect(readFileSync(re.file!, 'utf8')).toContain('<TypeCode>RE</TypeCode>');
    });

    it('fails loudly and writes nothing when the books do not tie out', async () => {
      // The 10001435 sale is not in the ledger: its document is, so sales accounts and documents disagree.
      await insertLedger(t.db, sampleLedger().filter((e) => e.piece !== '10001435'));
      await expect(runEreport(env(), { period: '2026-11-D1', today: '2026-11-15' })).rejects.toThrow(/does not tie out.*sales accounts \(70\) 702\.92 ≠ documents excl\. VAT 714\.14/);
      expect(existsSync(join(t.data, 'ereporting')) ? readdirSync(join(t.data, 'ereporting')) : []).toEqual([]);
      expect(await t.db.selectFrom('ereports').selectAll().execute()).toEqual([]);
    });

    it('refuses a period that is not over, unless asked', async () => {
      await insertLedger(t.db, sampleLedger());
      await expect(runEreport(env(), { period: '2026-11-D1', today: '2026-11-05' })).rejects.toThrow(/not over/);
      expect((await runEreport(env(), { period: '2026-11-D1', today: '2026-11-05', open: true })).status).toBe('written');
    });
  });
}
