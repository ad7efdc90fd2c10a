import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashTicket } from '../../sync/ticket-chain.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import type { Ticket } from '../../sync/types.ts';
import { canonicalPair, checkIncomingTicket } from './ticket-check.ts';
import { checkLinks } from './chain-check.ts';
import { updateGaps } from './gaps.ts';

const tickets = (n: number): Ticket[] => [...generateTillTickets('01', { tills: 1, ticketsPerTill: n, seed: 3 })];

/** Same ticket with its keys in another order at every level (as a JSON store might hand it back). */
function shuffled(t: Ticket): Ticket {
  const rev = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rev);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, rev(x)]));
    return v;
  };
  return rev(t) as Ticket;
}

/** canonicalJson as first written (sort at every level, no shortcut): the reference for its fast path. */
function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceCanonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

describe('canonical JSON fast path (sync/ticket-chain.ts)', () => {
  it('gives exactly the reference text on sorted, unsorted and odd values', () => {
    const samples: unknown[] = [
      ...tickets(20),
      ...tickets(20).map(shuffled),
      ...tickets(5).map((t) => JSON.parse(canonicalJson(t))),
      { b: 1, a: [3, { d: 'x', c: null }], e: undefined },
      { a: 1, b: { c: [1, 2, undefined], d: 2 } },
      { '10': 'ten', '9': 'nine', a: 'x' },
      { a: new Date(0), b: 'x' },
      { a: 'é\u2028"\\', b: -0, c: 1e21, d: NaN, e: [] , f: {} },
      [{ z: 1, y: 2 }, 'x', 3, true, null],
      'plain', 42, null, true,
    ];
    for (const v of samples) expect(canonicalJson(v)).toBe(referenceCanonical(v));
  });
});

describe('ticket check', () => {
  it('builds the canonical text once, equal to canonicalJson with and without the hash', () => {
    for (const t of tickets(5)) {
      const { hash: _h, ...rest } = t;
      const pair = canonicalPair(shuffled(t));
      expect(pair.withHash).toBe(canonicalJson(t));
      expect(pair.withoutHash).toBe(canonicalJson(rest));
    }
  });

  it('accepts sound tickets whatever their key order and stores canonical content', () => {
    for (const t of tickets(3)) {
      for (const form of [t, shuffled(t), JSON.parse(canonicalJson(t))]) {
        const v = checkIncomingTicket(form);
        expect(v.ok).toBe(true);
        if (v.ok) expect(v.checked.content).toBe(canonicalJson(t));
      }
    }
  });

  it('refuses an altered ticket, a wrong id, another till and a malformed object, saying why', () => {
    const [t] = tickets(1);
    const altered = { ...t, customer: 'ALTERED1' };
    expect(checkIncomingTicket(altered)).toMatchObject({ ok: false, id: t.id, reason: expect.stringContaining('altered after sale') });
    const wrongId = { ...t, id: 'S1-01-00000099' };
    expect(checkIncomingTicket({ ...wrongId, hash: hashTicket(wrongId) })).toMatchObject({ ok: false, reason: expect.stringContaining('expected S1-01-00000001') });
    expect(checkIncomingTicket(t, 'S1-02')).toMatchObject({ ok: false, reason: expect.stringContaining('sent as till S1-02') });
    expect(checkIncomingTicket({ ...t, totals: { ...t.totals, due: 12.5 } })).toMatchObject({ ok: false, reason: expect.stringContaining('totals.due') });
    expect(checkIncomingTicket('nope')).toMatchObject({ ok: false, id: '?' });
  });
});

describe('chain links', () => {
  const link = (t: Ticket) => ({ id: t.id, number: t.number, hash: t.hash, prevHash: t.prevHash });

  it('passes a sound run against its stored predecessor and successor', () => {
    const ts = tickets(6);
    const stored = new Map([ts[1], ts[5]].map((t) => [t.number, { hash: t.hash, prevHash: t.prevHash }]));
    expect(checkLinks([ts[2], ts[3], ts[4]].map(link), stored)).toEqual([]);
    expect(checkLinks([ts[0]].map(link), new Map())).toEqual([]);
  });

  it('flags the arriving ticket whose link to a neighbour is broken, never a stored one', () => {
    const ts = tickets(4);
    const forged = { ...ts[2], prevHash: 'f'.repeat(64) };
    const stored = new Map([ts[1], ts[3]].map((t) => [t.number, { hash: t.hash, prevHash: t.prevHash }]));
    const broken = checkLinks([link({ ...forged, hash: hashTicket(forged) })], stored);
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ id: ts[2].id, reason: expect.stringContaining('does not match ticket 2') });
    // Own link fine, but the stored successor chains to another ticket 3.
    const replaced = { ...ts[2], customer: 'ALTERED3' };
    const r = checkLinks([link({ ...replaced, hash: hashTicket(replaced) })], stored);
    expect(r[0].reason).toContain('ticket 4 already stored does not chain to it');
    expect(checkLinks([link({ ...ts[0], prevHash: ts[1].hash })], new Map())[0].reason).toContain('genesis');
    expect(ts[0].prevHash).toBe(GENESIS_HASH);
  });
});

describe('gaps', () => {
  it('opens gaps past the last number, narrows and fills them as tickets arrive', () => {
    let s = updateGaps({ lastNumber: null, gaps: [] }, [1, 2, 3, 6, 7, 10]);
    expect(s).toMatchObject({ lastNumber: 10, gaps: [[4, 5], [8, 9]], opened: [[4, 5], [8, 9]], filled: [], narrowed: [] });
    s = updateGaps(s, [4, 9]);
    expect(s).toMatchObject({ lastNumber: 10, gaps: [[5, 5], [8, 8]], opened: [], narrowed: [[4, 5], [8, 9]] });
    s = updateGaps(s, [8, 5, 11]);
    expect(s).toMatchObject({ lastNumber: 11, gaps: [], filled: [[5, 5], [8, 8]] });
    expect(updateGaps({ lastNumber: null, gaps: [] }, [3])).toMatchObject({ gaps: [[1, 2]], opened: [[1, 2]] });
    expect(updateGaps({ lastNumber: 20, gaps: [[5, 15]] }, [10])).toMatchObject({ gaps: [[5, 9], [11, 15]], narrowed: [[5, 15]] });
    expect(updateGaps({ lastNumber: 4, gaps: [] }, [])).toMatchObject({ lastNumber: 4, gaps: [] });
  });
});
