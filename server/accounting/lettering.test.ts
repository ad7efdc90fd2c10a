import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { letterCode, planLettering as letteringPass, type CurrentLettering, type LetterLine } from './lettering.ts';
import { planSettlements as settlementPass, type OpenItem } from './settlements.ts';
import type { Consumption, SettlementDraft } from './ledger-types.ts';

/** The lettering pass's plan (it finds no errors of its own). */
function planLettering(lines: LetterLine[], current: Map<number, CurrentLettering>, nextSeq: Map<string, number>, batchId: number) {
  const r = letteringPass({ lines, current, nextSeq, batchId });
  expect(r.errors).toEqual([]);
  return r.result;
}

/** The settlement pass's plan, its errors (warnings) beside it. */
function planSettlements(existing: OpenItem[], created: SettlementDraft[], consumptions: Consumption[]) {
  const r = settlementPass({ existing, created, consumptions });
  return { ...r.result, warnings: r.errors };
}

/** "D 159.90 #*TPV0142" as a new (local) line on 410000/0000002. */
function lines(...specs: string[]): LetterLine[] {
  return specs.map((s, i) => {
    const [side, amount, key] = s.split(' ');
    return { ref: { local: i }, account: '410000', aux: '0000002', key: key.slice(1), debit: new D(side === 'D' ? amount : 0), credit: new D(side === 'C' ? amount : 0), date: '2026-11-02', letteringId: null };
  });
}

describe('lettering codes', () => {
  it('AAA, AAB … ZZZ, then four letters', () => {
    expect([0, 1, 25, 26, 17575, 17576].map(letterCode)).toEqual(['AAA', 'AAB', 'AAZ', 'ABA', 'ZZZ', 'AAAA']);
  });
});

describe('lettering plan', () => {
  it('seed: 159.90 + 200.00 against 359.90 under one piece → one full group', () => {
    const p = planLettering(lines('D 159.90 #*TPV0142', 'D 200.00 #*TPV0142', 'C 359.90 #*TPV0142'), new Map(), new Map(), 7);
    expect(p.create).toEqual([{ account: '410000', aux: '0000002', key: '*TPV0142', seq: 0, code: 'AAA', partial: false, letteredAt: '2026-11-02', previousId: null }]);
    expect(p.assign.length).toBe(3);
  });

  it('a key with only a debit waits; a partial payment letters it partially', () => {
    const seq = new Map<string, number>([['410000\u00000000002', 4]]);
    expect(planLettering(lines('D 248.69 #F1'), new Map(), seq, 1).create).toEqual([]);
    const p = planLettering(lines('D 248.69 #F1', 'C 100.69 #F1'), new Map(), seq, 1);
    expect(p.create.map((c) => [c.code, c.partial])).toEqual([['AAE', true]]);
    expect(p.groups.map((g) => [g.debit.toFixed(2), g.credit.toFixed(2)])).toEqual([['248.69', '100.69']]);
  });

  it('completing a partial group of an earlier batch supersedes it and keeps its code', () => {
    const old: LetterLine[] = lines('D 248.69 #F1', 'C 100.69 #F1').map((l, i) => ({ ...l, ref: { db: 10 + i }, letteringId: 3 }));
    const current = new Map<number, CurrentLettering>([[3, { id: 3, code: 'AAE', seq: 4, partial: true, batchId: 1 }]]);
    const fresh = lines('C 148.00 #F1');
    const p = planLettering([...old, ...fresh], current, new Map(), 2);
    expect(p.create.map((c) => [c.code, c.partial, c.previousId])).toEqual([['AAE', false, 3]]);
    expect(p.supersede).toEqual([3]);
    expect(p.assign.map((a) => a.line)).toEqual([{ db: 10 }, { db: 11 }, { local: 0 }]);
  });

  it('an unchanged group is left alone', () => {
    const old: LetterLine[] = lines('D 10.00 #F2', 'C 10.00 #F2').map((l, i) => ({ ...l, ref: { db: i + 1 }, letteringId: 9 }));
    const p = planLettering(old, new Map([[9, { id: 9, code: 'AAA', seq: 0, partial: false, batchId: 1 }]]), new Map(), 2);
    expect(p).toMatchObject({ create: [], update: [], supersede: [], assign: [] });
  });
});

describe('settlement items', () => {
  const receivable = { id: 1, kind: 'receivable' as const, customer: 'C0000001', thirdParty: 'C0000001', documentNumber: 'F1', ticketId: 'S1-01-00000007', mode: 'CRED', state: 'C10', amount: 2486900, open: 2486900, day: '2026-11-02' };

  it('seed: 248.69 paid 100.69 → the C10 item closed, a C10 item of 148.00 opened', () => {
    const plan = planSettlements([receivable], [], [{ kind: 'receivable', ref: 'F1', amount: 1006900, ticketId: 'S1-01-00000009', day: '2026-11-03' }]);
    expect(plan.closeIds).toEqual([1]);
    expect(plan.items.map((i) => [i.kind, i.state, i.open, i.parent])).toEqual([['receivable', 'C10', 1480000, { db: 1 }]]);
    expect(plan.warnings).toEqual([]);
  });

  it('paying more than is open warns and names the ticket', () => {
    const plan = planSettlements([receivable], [], [{ kind: 'receivable', ref: 'F1', amount: 3000000, ticketId: 'S1-01-00000009', day: '2026-11-03' }]);
    expect(plan.items).toEqual([]);
    expect(plan.warnings[0].message).toBe("ticket S1-01-00000009: invoice F1 has no open receivable for 51.31; the amount stays on the customer's account");
  });

  it('a deposit made and used in the same run is closed by it', () => {
    const created = [{ kind: 'deposit' as const, customer: 'C0000002', thirdParty: 'C0000002', documentNumber: '10001651', ticketId: 'S1-01-00000001', mode: 'CB', state: 'APV', amount: 1000000, open: 1000000, day: '2026-11-02' }];
    const plan = planSettlements([], created, [{ kind: 'deposit', ref: '10001651', amount: 1000000, ticketId: 'S1-01-00000002', day: '2026-11-02' }]);
    expect(plan.items.map((i) => [i.kind, i.closed])).toEqual([['deposit', true]]);
  });
});
