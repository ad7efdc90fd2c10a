/**
 * The catalogues agree: French (the default) and English have the same keys, each message uses
 * the same parameters in both, and every message formats (ICU plurals with an "other" case,
 * selects) in its language. Same for the register's catalogues (client/web/i18n/).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatMessage, formatAmount, formatDate, formatNumber, chooseLang, messageParams } from '../../../sync/i18n.js';
import { fr } from './fr.ts';
import { en } from './en.ts';

/** The parameter names a message uses ({x}, {x, plural, …}, {x, select, …}). */
function params(msg: string): string[] {
  return Object.keys(messageParams(msg)).sort();
}

function checkPair(a: Record<string, string>, b: Record<string, string>) {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  const problems: string[] = [];
  for (const [key, msg] of Object.entries(a)) {
    if (JSON.stringify(params(msg)) !== JSON.stringify(params(b[key]))) problems.push(`${key}: fr ${params(msg)} / en ${params(b[key])}`);
    // Every message formats with its parameters (numbers for plurals, strings elsewhere).
    for (const [lang, m] of [['fr', msg], ['en', b[key]]] as const) {
      let p: Record<string, unknown> = {};
      try {
        p = Object.fromEntries(Object.entries(messageParams(m)).map(([n, kind]) => [n, kind === 'plural' ? 2 : 'x']));
        formatMessage(m, p, lang);
      } catch (e) {
        problems.push(`${lang} ${key}: ${(e as Error).message}`);
      }
    }
  }
  expect(problems).toEqual([]);
}

describe('message catalogues', () => {
  it('back office: fr and en have the same keys and parameters, and every message formats', () => {
    expect(Object.keys(fr).length).toBeGreaterThan(200);
    checkPair(fr, en);
  });

  it('register: fr and en have the same keys and parameters, and every message formats', () => {
    const read = (l: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../client/web/i18n/${l}.json`, import.meta.url)), 'utf8')) as Record<string, string>;
    const rfr = read('fr');
    expect(Object.keys(rfr).length).toBeGreaterThan(50);
    checkPair(rfr, read('en'));
  });

  it('every key the register script asks for is in its catalogue', () => {
    const js = readFileSync(fileURLToPath(new URL('../../../client/web/register.js', import.meta.url)), 'utf8');
    const html = readFileSync(fileURLToPath(new URL('../../../client/web/index.html', import.meta.url)), 'utf8');
    const rfr = JSON.parse(readFileSync(fileURLToPath(new URL('../../../client/web/i18n/fr.json', import.meta.url)), 'utf8')) as Record<string, string>;
    const used = new Set([...js.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]).concat([...html.matchAll(/\{\{([\w.-]+)\}\}/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((k) => !(k in rfr))).toEqual([]);
  });
});

describe('formats', () => {
  it('plurals and selects follow the language', () => {
    const m = '{n, plural, =0 {aucun écarté} one {# écarté} other {# écartés}}';
    expect([0, 1, 2, 1234].map((n) => formatMessage(m, { n }, 'fr'))).toEqual(['aucun écarté', '1 écarté', '2 écartés', '1\u202f234 écartés']);
    expect(formatMessage('{n, plural, one {# ticket} other {# tickets}}', { n: 0 }, 'fr')).toBe('0 ticket');
    expect(formatMessage('{n, plural, one {# ticket} other {# tickets}}', { n: 0 }, 'en')).toBe('0 tickets');
    expect(formatMessage("{k, select, invoice {Facture} other {l'autre {k}}}", { k: 'x' }, 'fr')).toBe("l'autre x");
    expect(() => formatMessage('{n, plural, one {#}}', { n: 1 }, 'fr')).toThrow(/other/);
    expect(() => formatMessage('{missing}', {}, 'fr')).toThrow(/missing/);
  });

  it('amounts are exact from their decimal text: 1 234,56 € in French, €1,234.56 in English', () => {
    expect(formatAmount('1234.56', 'fr')).toBe('1\u202f234,56\u00a0€');
    expect(formatAmount('-0.5', 'fr')).toBe('-0,50\u00a0€');
    expect(formatAmount('1234.56', 'en')).toBe('€1,234.56');
    // Past a double's precision: a float would print 90071992547409.92 as …409,92 only by luck; 17 digits never.
    expect(formatAmount('12345678901234567.89', 'fr', { currency: null })).toBe('12\u202f345\u202f678\u202f901\u202f234\u202f567,89');
    expect(formatAmount('0.1', 'en', { decimals: 2 })).toBe('€0.10');
    expect(formatAmount('not a number', 'fr')).toBe('not a number');
  });

  it('plain numbers drop trailing zeros unless asked to keep them (durations keep two decimals, even at zero)', () => {
    expect(formatNumber('5.50', 'fr')).toBe('5,5');
    expect(formatNumber('1234.5', 'en')).toBe('1,234.5');
    expect(formatNumber('0.00', 'fr', 2)).toBe('0,00');
    expect(formatNumber('12.30', 'en', 2)).toBe('12.30');
  });

  it('dates are dd/mm/yyyy in both languages, never mm/dd', () => {
    expect(formatDate('2024-03-05', 'fr')).toBe('05/03/2024');
    expect(formatDate('2024-03-05', 'en')).toBe('05/03/2024');
    expect(formatDate('2024-03-05T14:02:00', 'fr', { time: true })).toBe('05/03/2024 14:02');
  });

  it('the language: switch cookie, then Accept-Language, then configuration, else French', () => {
    expect(chooseLang({})).toBe('fr');
    expect(chooseLang({ configured: 'en' })).toBe('en');
    expect(chooseLang({ acceptLanguage: 'de-DE,en;q=0.8,fr;q=0.9', configured: 'en' })).toBe('fr');
    expect(chooseLang({ acceptLanguage: 'de-DE', configured: 'en' })).toBe('en');
    expect(chooseLang({ cookie: 'en', acceptLanguage: 'fr-FR' })).toBe('en');
    expect(chooseLang({ cookie: 'xx', acceptLanguage: 'en-US' })).toBe('en');
  });
});
