/**
 * Engine messages on a page: by their id in the page's language, parameters included (amounts the
 * page's way), hint too; an id the catalogue does not know, or no id, keeps the engine's English
 * text (nothing lost); every id the engine gives has both languages (checked on real refusals).
 */
import { describe, expect, it } from 'vitest';
import { TillsyncError } from '../../sync/errors.ts';
import { withLang } from './i18n/index.ts';
import { engineText } from './engine-text.ts';
import { errorText } from './respond.ts';
import { addUser } from './users.ts';
import { openTestDb } from '../../test/support/test-databases.ts';

describe('engine messages on the pages', () => {
  const refusal = { message: 'batch 3 cannot be undone: document F00000007 was posted (posting batch 4)', hint: 'undo posting batch 4 first; an exported posting cannot be undone', detail: { id: 'undo.documentPosted', params: { batch: 3, document: 'F00000007', posting: 4 } } };

  it('tells a known id in French, with its hint, and in English', () => {
    expect(withLang('fr', () => engineText(refusal))).toBe('le lot n° 3 ne peut pas être annulé : le document F00000007 a été comptabilisé (lot de comptabilisation n° 4) (annulez d’abord le lot de comptabilisation n° 4 ; une comptabilisation exportée ne peut plus être annulée)');
    expect(withLang('en', () => engineText(refusal))).toBe(`${refusal.message} (${refusal.hint})`);
  });

  it('writes amount parameters the page’s way', () => {
    const m = { message: 'pays 120.00 but F1 owe only 100.00: letter by hand', detail: { id: 'bank.overpays', params: { amount: '120.00', invoices: 'F1', owed: '100.00' } } };
    expect(withLang('fr', () => engineText(m))).toBe('paie 120,00\u00a0€ mais F1 ne doivent que 100,00\u00a0€ : lettrez à la main');
  });

  it('keeps the English text for an unknown id or none', () => {
    expect(withLang('fr', () => engineText({ message: 'something new', hint: 'do this', detail: { id: 'not.in.catalogue' } }))).toBe('something new (do this)');
    expect(withLang('fr', () => engineText({ message: 'plain' }))).toBe('plain');
  });

  it('errorText tells a TillsyncError by its id: the users rule, as the page shows it', async () => {
    const t = await openTestDb('sqlite');
    try {
      const e = await addUser(t.db, 'x', 'short').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TillsyncError);
      expect(withLang('fr', () => errorText(e))).toBe('mot de passe trop court pour x (au moins 8 caractères)');
      expect(withLang('en', () => errorText(e))).toBe('password too short for user x (use at least 8 characters)');
    } finally {
      await t.cleanup();
    }
  });
});
