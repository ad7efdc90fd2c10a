import { describe, expect, it } from 'vitest';
import { COMPANY, CUSTOMERS } from '../../fixtures/store.ts';
import { checkCompany, checkCustomers } from './company-check.ts';
import { frVatKey, frVatNumber, luhnValid, sirenProblem, siretProblem, vatNumberProblem } from './identifiers.ts';
import { runInvoiceDate, serverDay } from './invoice-dates.ts';

describe('French identifiers', () => {
  it('checks SIREN and SIRET with Luhn (La Poste apart)', () => {
    expect(luhnValid('552100554')).toBe(true);
    expect(sirenProblem('552 100 554')).toBeNull();
    expect(sirenProblem('552100555')).toMatch(/fails its check digit/);
    expect(sirenProblem('55210055')).toMatch(/not 9 digits/);
    expect(siretProblem('55210055400013', '552100554')).toBeNull();
    expect(siretProblem('55210055400014')).toMatch(/check digit/);
    expect(siretProblem('90100001800019', '552100554')).toMatch(/does not start with the SIREN 552100554/);
    // La Poste establishments: sum of digits a multiple of 5.
    expect(siretProblem('35600000000010')).toBeNull();
    expect(siretProblem('35600000000011')).toMatch(/check digit/);
  });

  it('computes the French VAT key: 96 for SIREN 552100554, so FR40 is refused', () => {
    expect(frVatKey('552100554')).toBe('96');
    expect(frVatNumber('552100554')).toBe('FR96552100554');
    expect(vatNumberProblem('FR96552100554', '552100554')).toBeNull();
    expect(vatNumberProblem('FR40552100554')).toBe('VAT number FR40552100554 has the wrong key 40: the key of SIREN 552100554 is 96 (FR96552100554)');
    expect(vatNumberProblem('FR06901000018', '552100554')).toMatch(/not that of SIREN 552100554/);
    expect(vatNumberProblem('DE123456789')).toBeNull();
    expect(vatNumberProblem('552100554')).toMatch(/not an intra-EU VAT number/);
  });
});

describe('company and customer identities (config check)', () => {
  it('accepts the demo company and customers', () => {
    expect(checkCompany(COMPANY)).toEqual([]);
    expect(checkCustomers(CUSTOMERS)).toEqual([]);
  });

  it('names every missing or wrong mention of the company, with where to fix it', () => {
    const issues = checkCompany({ name: 'X', siren: '552100554', address: '1 rue A', vatNumber: 'FR40552100554', currency: 'EUR', siret: '55210055400014', legalForm: '', shareCapital: 'dix mille', rcsCity: 'RCS 75' });
    expect(issues.map((i) => [i.severity, i.path])).toEqual([
      ['error', '(base data) company.siret'],
      ['error', '(base data) company.vatNumber'],
      ['error', '(base data) company.legalForm'],
      ['error', '(base data) company.shareCapital'],
      ['error', '(base data) company.rcsCity'],
    ]);
    expect(issues[1].message).toMatch(/key of SIREN 552100554 is 96/);
    // A sole trader has no capital.
    expect(checkCompany({ ...COMPANY, legalForm: 'EI', shareCapital: undefined }).map((i) => i.path)).toEqual([]);
  });

  it('flags wrong customer numbers', () => {
    const issues = checkCustomers([{ code: 'C1', name: 'A', account: '411000', thirdParty: 'C1', siren: '901000019', vatNumber: 'FR07901000018' }]);
    expect(issues.map((i) => [i.severity, i.path])).toEqual([
      ['error', '(base data) customer C1.siren'],
      ['error', '(base data) customer C1.vatNumber'],
    ]);
  });
});

describe('invoice dates', () => {
  it('is the server day, never before the last date numbered', () => {
    expect(serverDay(new Date(2026, 10, 25, 23, 59))).toBe('2026-11-25');
    expect(runInvoiceDate(undefined, '2026-11-24', new Date(2026, 10, 25, 8))).toBe('2026-11-25');
    expect(runInvoiceDate('2026-11-25', '2026-11-25')).toBe('2026-11-25');
    expect(() => runInvoiceDate('2026-11-23', '2026-11-25')).toThrow(/before 2026-11-25/);
    expect(() => runInvoiceDate('25/11/2026', null)).toThrow(/not a day/);
  });
});
