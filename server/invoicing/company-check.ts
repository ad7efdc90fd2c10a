/**
 * The company and customer identities invoices print, checked before anything is invoiced or
 * posted (`tillsync server config check`). Pure: the base data in, every problem out as config
 * issues with the place to fix it. References: Code de commerce R123-237 (RCS + registry city,
 * legal form, share capital), L441-9; CGI ann. II 242 nonies A (SIREN, VAT numbers); décret
 * 2022-1299 (customer SIREN).
 */
import type { Company, Customer } from '../../sync/types.ts';
import { sirenProblem, siretProblem, vatNumberProblem } from './identifiers.ts';

export interface IdentityIssue {
  severity: 'error' | 'warning';
  path: string;
  message: string;
  fix: string;
}

const FIX_COMPANY = 'correct the company in the base data (company), then publish it: tillsync server publish-base';
const CAPITAL = /^\d{1,15}(\.\d{1,2})?$/;
/** Forms with no share capital (entreprise individuelle, micro-entrepreneur, association). */
const NO_CAPITAL = new Set(['EI', 'EIRL', 'ME', 'MICRO-ENTREPRENEUR', 'ASSOCIATION']);

export function checkCompany(c: Company): IdentityIssue[] {
  const out: IdentityIssue[] = [];
  const err = (field: string, message: string, fix = FIX_COMPANY) => out.push({ severity: 'error', path: `(base data) company.${field}`, message, fix });
  if (!c.name?.trim()) err('name', 'the company has no name');
  if (!c.address?.trim()) err('address', 'the company has no address');
  const siren = sirenProblem(c.siren ?? '');
  if (siren) err('siren', siren);
  if (c.siret) {
    const p = siretProblem(c.siret, siren ? undefined : c.siren);
    if (p) err('siret', p);
  } else out.push({ severity: 'warning', path: '(base data) company.siret', message: 'no SIRET for the store (the SIREN alone is printed)', fix: 'set "siret" (SIREN + 5-digit establishment number)' });
  const vat = vatNumberProblem(c.vatNumber ?? '', siren ? undefined : c.siren);
  if (vat) err('vatNumber', vat);
  if (!c.legalForm?.trim()) err('legalForm', 'the legal form (SARL, SAS…) is missing: invoices must print it (Code de commerce R123-237)');
  const sole = NO_CAPITAL.has((c.legalForm ?? '').trim().toUpperCase());
  if (!sole) {
    if (!c.shareCapital?.trim()) err('shareCapital', 'the share capital is missing: a company prints it on invoices (R123-237)', `${FIX_COMPANY} ("shareCapital": "10000")`);
    else if (!CAPITAL.test(c.shareCapital.trim())) err('shareCapital', `share capital "${c.shareCapital}" is not an amount in euros like 10000 or 7500.50`);
  }
  if (!c.rcsCity?.trim()) err('rcsCity', 'the city of the RCS registry is missing ("RCS Paris", R123-237)');
  else if (/\d/.test(c.rcsCity) || /^rcs\b/i.test(c.rcsCity.trim())) err('rcsCity', `RCS city "${c.rcsCity}" should be the registry's city alone, e.g. Paris`);
  return out;
}

/** Business customers' SIREN and VAT numbers: a wrong one would be printed on every invoice. */
export function checkCustomers(customers: Customer[]): IdentityIssue[] {
  const out: IdentityIssue[] = [];
  for (const c of customers) {
    const fix = `correct customer ${c.code} in the base data, then publish it`;
    if (c.siren) {
      const p = sirenProblem(c.siren);
      if (p) out.push({ severity: 'error', path: `(base data) customer ${c.code}.siren`, message: p, fix });
    }
    if (c.vatNumber) {
      const p = vatNumberProblem(c.vatNumber, c.siren && !sirenProblem(c.siren) ? c.siren : undefined);
      if (p) out.push({ severity: 'error', path: `(base data) customer ${c.code}.vatNumber`, message: p, fix });
    }
  }
  return out;
}
