/**
 * A discounted line from the till to the FEC (issue 16): integration keeps the ticket's net,
 * posting books net sales by default, or gross sales and the discount on its own account (709000)
 * when accounting.json says so (the books invariants count both); the FEC carries what was posted.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { runPosting } from '../../server/accounting/posting-run.ts';
import { ensureMapping, loadMapping, writeMapping } from '../../server/accounting/mapping.ts';
import { runExport } from '../../server/exports/export-run.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { articleCodes, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const DAY = '2026-11-24';

/** FEC records as objects keyed by the header's field names. */
function fecRecords(file: string): Record<string, string>[] {
  const [head, ...rows] = decodeLatin9(readFileSync(file)).split(/\r?\n/).filter(Boolean);
  const names = head.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [names[i], v])));
}

for (const engine of TEST_ENGINES) {
  describe(`a discounted line through posting to the FEC (${engine})`, () => {
    let s: IntegrationServer;
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      ensureMapping(s.data);
      const [a0, a1] = articleCodes(s.base, 'VN', 2);
      // 50.00 less 10 % (41,67 − 4,17 = 37,50 excl) and 3 × 0.39 less 0.12 (0,98 − 0,10 = 0,88 excl).
      await s.store([s.book.sell({ day: DAY, customer: 'C0000001', lines: [{ article: a0, price: '50.00', discount: { percent: '10' } }, { article: a1, qty: '3', price: '0.39', discount: { amount: '0.12' } }], payments: [{ mode: 'CB' }] })]);
      await runIntegration(s.db, s.data, { until: DAY });
    });
    afterEach(async () => s.cleanup());

    it('posts net sales by default', async () => {
      await runPosting(s.db, s.data, { until: DAY });
      const o = await runExport({ db: s.db, data: s.data }, { format: 'fec', from: DAY, to: DAY });
      expect(o.problems).toEqual([]);
      const recs = fecRecords(o.file!);
      const sales = recs.filter((r) => r.CompteNum === '707000');
      expect(sales.map((r) => [r.Debit, r.Credit])).toEqual([['0,00', '38,38']]);
      expect(recs.some((r) => r.CompteNum === '709000')).toBe(false);
      expect(recs.find((r) => r.CompteNum === '411000')?.Debit).toBe('46,05');
    });

    it('posts gross sales and the discount on the configured account', async () => {
      const m = loadMapping(s.data);
      writeMapping(s.data, { ...m, discounts: { account: '709000' }, chart: [...m.chart, { number: '709000', label: 'Rabais, remises et ristournes accordés' }] });
      const r = await runPosting(s.db, s.data, { until: DAY });
      expect(r.batch).not.toBeNull();
      const o = await runExport({ db: s.db, data: s.data }, { format: 'fec', from: DAY, to: DAY });
      expect(o.problems).toEqual([]);
      const recs = fecRecords(o.file!);
      expect(recs.filter((r) => r.CompteNum === '707000').map((r) => [r.Debit, r.Credit])).toEqual([['0,00', '42,65']]);
      expect(recs.filter((r) => r.CompteNum === '709000').map((r) => [r.Debit, r.Credit, r.EcritureLib])).toEqual([['4,27', '0,00', 'Remises accordées TVA VN 20 %']]);
      expect(recs.find((r) => r.CompteNum === '445711')?.Credit).toBe('7,67');
      // The entry still balances: 46,05 = 42,65 − 4,27 + 7,67.
      const sum = (k: 'Debit' | 'Credit') => recs.reduce((a, r) => a + Math.round(Number(r[k].replace(',', '.')) * 100), 0);
      expect(sum('Debit')).toBe(sum('Credit'));
    });
  });
}
