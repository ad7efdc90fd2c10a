/**
 * The realistic night generator (fixtures/realistic-night.ts) makes tickets a store takes whole:
 * intake accepts every one, the nightly chain integrates, posts and letters them leaving nothing out,
 * and the books pass every check; on both engines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES, type TestDb } from '../support/test-databases.ts';
import { intakeAll } from '../support/chain-stores.ts';
import { emptyCounts, realisticBaseData, realisticNight } from '../../fixtures/realistic-night.ts';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { paymentsTotal } from '../../sync/ticket-math.ts';
import { cli, integrityProblems } from './integration-fixture.ts';

describe('a realistic night', () => {
  it('has the mix asked for, every ticket balanced, all four VAT rates, discounts and split payments', () => {
    const counts = emptyCounts();
    const tickets = [...realisticNight({ store: 'S7', tills: 4, ticketsPerTill: 2500, day: '2026-11-02', customers: 5000 }, counts)];
    const n = tickets.length;
    expect(n).toBe(10_000);
    const share = (x: number) => x / n;
    expect(share(counts.counter)).toBeGreaterThan(0.78);
    expect(share(counts.counter)).toBeLessThan(0.83);
    expect(share(counts.account)).toBeGreaterThan(0.13);
    expect(share(counts.account)).toBeLessThan(0.17);
    expect(share(counts.deposits + counts.depositUses)).toBeGreaterThan(0.02);
    expect(share(counts.returns)).toBeGreaterThan(0.01);
    expect(counts.depositUses).toBeGreaterThan(0);
    expect(counts.splitPayments).toBeGreaterThan(0);
    expect(counts.discountedLines).toBeGreaterThan(0);
    for (const t of tickets) expect([t.id, paymentsTotal(t.payments)]).toEqual([t.id, t.totals.due]);
    expect(new Set(tickets.flatMap((t) => t.lines.map((l) => l.vatRate)))).toEqual(new Set(['20', '10', '5.5', '2.1']));
    expect(new Set(tickets.filter((t) => t.customer !== 'COMPTOIR').map((t) => t.customer)).size).toBeGreaterThan(1000);
    expect(tickets.filter((t) => t.payments.length > 1).length).toBeGreaterThan(counts.splitPayments * 0.8);
    expect(tickets.some((t) => t.payments.some((p) => p.mode === 'ACP' && p.ref))).toBe(true);
    expect(tickets.some((t) => t.lines.some((l) => l.returnOf && Number(l.qty) < 0))).toBe(true);
  });

  for (const engine of TEST_ENGINES) {
    describe(engine, () => {
      let t: TestDb;
      afterEach(async () => t.cleanup());
      it('is taken whole: intake, nightly (integrate, post, letter) with nothing left out, server check passes', async () => {
        t = await openTestDb(engine);
        writeServerConfig(t.data, { ...defaultConfig(t.data, 'S7'), ...(t.url ? { db: t.url } : {}) });
        await saveBaseData(t.db, realisticBaseData(500));
        const taken = await intakeAll(t, realisticNight({ store: 'S7', tills: 2, ticketsPerTill: 400, day: '2026-11-02', customers: 500, seed: 3 }));
        expect(taken).toBe(800);
        const flags = ['--data', t.data, ...(t.url ? ['--db', t.url] : [])];
        const night = await cli(['--json', 'server', 'nightly', ...flags, '--until', '2026-11-02']);
        expect([night.code, night.json?.failed, night.json?.leftOut]).toEqual([0, null, 0]);
        const kinds = await t.db.selectFrom('documents').select(['kind', (eb) => eb.fn.countAll().as('n')]).groupBy('kind').orderBy('kind').execute();
        expect(kinds.map((k) => k.kind)).toEqual(['credit-note', 'invoice']);
        expect(Number((await t.db.selectFrom('documents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThan(100);
        expect(await integrityProblems(t.db)).toEqual([]);
        const check = await cli(['server', 'check', ...flags]);
        expect([check.code, check.stderr.trim()]).toEqual([0, '']);
      }, 180_000);
    });
  }
});
