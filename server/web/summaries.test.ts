/**
 * The nightly books-check step as a page tells it: its scope (the night's days or the whole books),
 * and a night that made nothing says so instead of "all 0 checks passed".
 */
import { describe, expect, it } from 'vitest';
import { withLang } from './i18n/index.ts';
import { stepSentence } from './summaries.ts';

describe('books-check step sentence', () => {
  const checks = [{ check: 'balance', ok: true }, { check: 'vat', ok: false }];

  it('names the period checked, in French dates', () => {
    const s = withLang('fr', () => stepSentence('check', { mode: 'period', period: { from: '2026-11-02', to: '2026-11-03' }, checks }));
    expect(s).toBe('1 contrôle sur 2 en échec (du 02/11/2026 au 03/11/2026)');
  });

  it('says when the whole books were checked', () => {
    expect(withLang('en', () => stepSentence('check', { mode: 'whole', period: null, checks: [checks[0]] }))).toBe('all 1 books checks passed (whole books)');
  });

  it('a night with nothing new ran no check, and says so', () => {
    expect(withLang('fr', () => stepSentence('check', { mode: 'period', period: null, checks: [] }))).toBe('rien de nouveau cette nuit : aucun contrôle des comptes à faire');
  });
});
