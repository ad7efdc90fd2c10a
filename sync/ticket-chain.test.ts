import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { rng, shuffle } from '../fixtures/random.ts';
import { canonicalJson, canonicalTicketTexts, hashTicket, sha256Text } from './ticket-chain.ts';

/** canonicalJson as first written (sort at every level, no shortcut): what every stored hash was made with. */
function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceCanonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

const referenceSha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Text no till would print, but a hostile or broken one could send. */
const ODD_STRINGS = [
  '',
  'Câble inox éèà',
  '€ 12,50 — « déjà »',
  'emoji 🧾🛒 and astral 𝔘',
  'lone \ud800 high',
  'lone \udc00 low',
  'reversed \udc00\ud800 pair',
  'quote " and backslash \\ and slash /',
  'controls \u0000\u0001\u001f\t\n\r\b\f',
  'separators \u2028\u2029 and BOM \ufeff',
  '{"looks":"like json"}',
  ',"prevHash":"0000"',
  'del \u007f and nbsp \u00a0',
];

const ODD_KEYS = ['10', '9', '0', '', 'zzz', 'Ä', 'a b', '"quoted"', 'hash2', 'has', 'hasi', 'id0'];

/** A random plain value, nested a little, with odd strings, numbers, undefined and non-plain objects. */
function oddValue(r: () => number, depth: number): unknown {
  const x = r();
  if (depth <= 0 || x < 0.3) return ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
  if (x < 0.4) return [0, -0, 1e21, 1.5e-7, -12.5, 2 ** 53, NaN][Math.floor(r() * 7)];
  if (x < 0.45) return r() < 0.5;
  if (x < 0.5) return null;
  if (x < 0.55) return undefined;
  if (x < 0.58) return new Date(Math.floor(r() * 2e12));
  if (x < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => oddValue(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (const k of shuffle(r, ODD_KEYS).slice(0, 1 + Math.floor(r() * 4))) o[k] = oddValue(r, depth - 1);
  return o;
}

/** The same data with its keys in a random order at every level (as a JSON store might hand it back). */
function reordered(r: () => number, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => reordered(r, x));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(shuffle(r, Object.entries(v)).map(([k, x]) => [k, reordered(r, x)]));
  }
  return v;
}

/** A generated ticket, sometimes made odd: strange text, extra keys at any level, undefined members, other key orders. */
function oddTicket(r: () => number, t: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(t));
  const lines = out.lines as Record<string, unknown>[];
  if (r() < 0.5) out.customer = ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
  if (r() < 0.5 && lines.length) lines[0].label = ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
  if (r() < 0.3) out[ODD_KEYS[Math.floor(r() * ODD_KEYS.length)]] = oddValue(r, 3);
  if (r() < 0.3 && lines.length) lines[0][ODD_KEYS[Math.floor(r() * ODD_KEYS.length)]] = oddValue(r, 2);
  if (r() < 0.2) out.note = undefined;
  if (r() < 0.1) delete out.hash;
  if (r() < 0.1) out.hash = oddValue(r, 1);
  return r() < 0.5 ? (reordered(r, out) as Record<string, unknown>) : out;
}

describe('canonicalTicketTexts (one serialisation for the hash and for storage)', () => {
  it('is byte-identical to the reference canonical JSON with and without the hash, over many odd tickets', () => {
    const r = rng(20261124);
    const tickets = [...generateTillTickets('07', { tills: 1, ticketsPerTill: 1500, seed: 5 })];
    let odd = 0;
    for (const t of tickets) {
      const v = oddTicket(r, t as unknown as Record<string, unknown>);
      const { hash: _h, ...rest } = v;
      const texts = canonicalTicketTexts(v);
      expect(texts.withHash).toBe(referenceCanonical(v));
      expect(texts.withoutHash).toBe(referenceCanonical(rest));
      expect(texts.withHash).toBe(canonicalJson(v));
      expect(hashTicket(v as never)).toBe(referenceSha(referenceCanonical(rest)));
      if (texts.withHash !== JSON.stringify(t)) odd++;
    }
    // Most tickets were made odd in some way: the fast paths were not the only ones exercised.
    expect(odd).toBeGreaterThan(1000);
  });

  it('keeps the hash of every generated ticket (they were hashed by hashTicket as first written)', () => {
    for (const t of generateTillTickets('03', { tills: 1, ticketsPerTill: 300, seed: 17 })) {
      const { hash, ...rest } = t;
      expect(referenceSha(referenceCanonical(rest))).toBe(hash);
      expect(sha256Text(canonicalTicketTexts(t).withoutHash)).toBe(hash);
      expect(hashTicket(t)).toBe(hash);
    }
  });

  it('a parsed __proto__ key is an ordinary member, as in canonicalJson', () => {
    const v = JSON.parse('{"b":1,"__proto__":{"x":1},"a":2,"hash":"h"}');
    const { hash: _h, ...rest } = v;
    expect(canonicalTicketTexts(v)).toEqual({ withHash: referenceCanonical(v), withoutHash: referenceCanonical(rest) });
  });
});

describe('sha256Text', () => {
  it('equals createHash(sha256) of the UTF-8 text, lone surrogates included', () => {
    for (const s of [...ODD_STRINGS, 'x'.repeat(100_000), JSON.stringify(ODD_STRINGS)]) expect(sha256Text(s)).toBe(referenceSha(s));
  });
});
