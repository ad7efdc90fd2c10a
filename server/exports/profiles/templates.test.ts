import { describe, expect, it } from 'vitest';
import { removeAccents, renderTemplate, unknownPlaceholders } from './templates.ts';

describe('label templates', () => {
  const values = { document: 'F00000012', customerName: 'Dupont Bâtiment', customerFirstName: 'Dupont', customerLastName: 'Bâtiment', ticketRange: '12-15', date: '02/11/2026', till: '01' };

  it('fills tillsync placeholders and seed 002 aliases alike', () => {
    expect(renderTemplate('{document} - {customerName} - caisse {till}', values)).toBe('F00000012 - Dupont Bâtiment - caisse 01');
    // Seed 002: "%CF %CL - %IN - %OI" → "John DOE - FA000421 - 187".
    expect(renderTemplate('%CF %CL - %IN - %OI', values)).toBe('Dupont Bâtiment - F00000012 - 12-15');
    expect(renderTemplate('Payment %OI of %OD', values)).toBe('Payment 12-15 of 02/11/2026');
  });

  it('drops a value the line does not have without leaving dangling separators', () => {
    expect(renderTemplate('{document} - {paymentMode}', values)).toBe('F00000012');
  });

  it('names unknown placeholders (checked when the profile loads)', () => {
    expect(unknownPlaceholders('{document} {customer} %XX %IN')).toEqual(['{customer}', '%XX']);
    expect(unknownPlaceholders('WEB%OI {vatRate}')).toEqual([]);
  });

  it('removes accents for ASCII-only software', () => {
    expect(removeAccents('Élodie Lœuvre à Noël, ça va')).toBe('Elodie Loeuvre a Noel, ca va');
  });
});
