/**
 * The cash-register law on the till (docs/nf525.md): signed, chained day/month/year closures with
 * their ordering rules, the technical-event journal, training mode kept apart, and the archive that
 * `tillsync audit verify` accepts — with nothing but the archive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { verifyArchive } from '../sync/archive-verify.ts';
import { verifyJetChain } from '../sync/jet.ts';
import { checkSeal } from '../sync/seal.ts';
import { TillsyncError } from '../sync/errors.ts';
import { closePeriod } from './period-closing.ts';
import { setTraining, trainingTickets } from './training.ts';
import { writeTillArchive } from './till-archive.ts';
import { cashSale, openTestTill, type TestTill } from '../test/support/test-till.ts';

const tills: TestTill[] = [];
afterEach(async () => {
  while (tills.length) await tills.pop()!.close();
});
async function till(): Promise<TestTill> {
  const t = await openTestTill({ disk: true });
  tills.push(t);
  return t;
}
async function refusal(p: Promise<unknown>): Promise<TillsyncError> {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(TillsyncError);
  return e as TillsyncError;
}
const thisMonth = () => new Date().toISOString().slice(0, 7);

describe('closures of the cash-register law', () => {
  it('signs each closure with the till key, chains it to the previous of its kind, and sums days into the month', async () => {
    const { svc } = await till();
    await cashSale(svc, 1, 'A000001');
    await cashSale(svc, 2, 'A000002');
    const z1 = await svc.close();
    await cashSale(svc, 1, 'A000003');
    const z2 = await svc.close();
    const key = svc.journal.key;
    expect(checkSeal(z1, key.publicKeyPem)).toBeNull();
    expect(z2.prevHash).toBe(z1.hash);
    expect(z2.keyFingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    expect(z2.lastTicketHash).toBe(svc.store.last.hash);

    const m = await closePeriod(svc, 'month');
    expect(m.closure).toMatchObject({ id: 'S1-01-M000001', kind: 'month', period: thisMonth(), ticketCount: 3, firstNumber: 1, lastNumber: 3, covers: { kind: 'day', fromSeq: 1, toSeq: 2 }, grandTotal: z2.grandTotal, yearTotal: z2.yearTotal });
    expect(m.closure.total).toBe(z2.grandTotal);
    expect(checkSeal(m.closure, key.publicKeyPem)).toBeNull();
    // Tampering with a figure breaks the seal.
    expect(checkSeal({ ...m.closure, total: '0.01' } as typeof m.closure, key.publicKeyPem)).toBe('altered');

    const again = await refusal(closePeriod(svc, 'month', thisMonth()));
    expect([again.code, again.message]).toEqual(['already-closed', `month ${thisMonth()} is already closed by S1-01-M000001`]);
  });

  it('refuses a month while the day is open, a later month while an earlier one is missing, and a month not begun', async () => {
    const { svc } = await till();
    await cashSale(svc);
    const open = await refusal(closePeriod(svc, 'month'));
    expect(open.code).toBe('day-open');
    expect(open.hint).toContain('tillsync till close --period day');
    const future = await refusal(closePeriod(svc, 'month', '2999-01'));
    expect(future.code).toBe('period-not-begun');
    await svc.close();
    const year = await refusal(closePeriod(svc, 'year'));
    expect(year.code).toBe('earlier-period-open');
    expect(year.hint).toContain(`--period month --month ${thisMonth()}`);
    const dayAgain = await refusal(svc.close());
    expect(dayAgain.code).toBe('already-closed');
  });

  it('journals what happens on the till in one signed chain, and archives it all so that audit verify accepts it', async () => {
    const { svc, dir } = await till();
    await cashSale(svc);
    const a = svc.store.base.article('A000002')!;
    await svc.sell({ lines: [{ article: a.code, qty: 1, unitPrice: '1.00' }], payments: [{ mode: 'ESP', amount: '1.00' }] });
    await svc.close();
    await closePeriod(svc, 'month');
    await svc.journal.idle();
    const events = await svc.store.journal();
    expect(events.map((e) => e.type)).toEqual(['discount', 'closure', 'closure']);
    expect(verifyJetChain(events, new Map([[svc.journal.key.keyId, svc.journal.key.publicKeyPem]]))).toEqual([]);

    const arch = await writeTillArchive(svc, { out: `${dir}/out` });
    const report = verifyArchive(readFileSync(arch.path), arch.path);
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ ok: true, origin: 'S1-01', counts: { tickets: 2, closures: { day: 1, month: 1, year: 0 }, journalEvents: 3 } });
    expect(report.keys[0].keyId).toBe(svc.journal.key.keyId);
    expect((await svc.store.journal()).at(-1)).toMatchObject({ type: 'archive', data: { tickets: 2, events: 3 } });
  });
});

describe('training mode', () => {
  it('numbers training tickets in their own series, outside the tickets that closures and packages read', async () => {
    const { svc } = await till();
    await cashSale(svc);
    await setTraining(svc, true, 'Alice');
    const t = await cashSale(svc, 3);
    expect([t.id, t.training]).toEqual(['S1-01-F00000001', true]);
    await setTraining(svc, false);
    const real = await cashSale(svc);
    expect(real.number).toBe(2);
    const z = await svc.close();
    expect(z.ticketCount).toBe(2);
    expect((await trainingTickets(svc)).map((x) => x.id)).toEqual(['S1-01-F00000001']);
    expect((await svc.store.journal()).map((e) => e.type)).toEqual(['training-on', 'training-off', 'closure']);
  });
});
