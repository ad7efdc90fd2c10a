/**
 * French company identifiers, pure: SIREN (9 digits) and SIRET (SIREN + 5-digit establishment
 * number) carry a Luhn check digit (INSEE); the French intra-EU VAT number is "FR" + a 2-digit key
 * + the SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97 (CGI ann. II 242 nonies A, DGFiP rule). Each
 * check returns null when the number is right, else the reason in words (what config check prints).
 */

/** Spaces and dots people type inside numbers are dropped (552 100 554 → 552100554). */
export function compactId(text: string): string {
  return text.replace(/[\s.]/g, '').toUpperCase();
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function sirenProblem(siren: string): string | null {
  const s = compactId(siren);
  if (!/^\d{9}$/.test(s)) return `SIREN "${siren}" is not 9 digits`;
  if (!luhnValid(s)) return `SIREN ${s} fails its check digit (Luhn)`;
  return null;
}

/** La Poste's establishments (SIREN 356000000) follow a different rule than Luhn (sum of digits ≡ 0 mod 5). */
const LA_POSTE = '356000000';

export function siretProblem(siret: string, siren?: string): string | null {
  const s = compactId(siret);
  if (!/^\d{14}$/.test(s)) return `SIRET "${siret}" is not 14 digits`;
  const valid = s.startsWith(LA_POSTE) ? [...s].reduce((a, c) => a + Number(c), 0) % 5 === 0 : luhnValid(s);
  if (!valid) return `SIRET ${s} fails its check digit (Luhn)`;
  if (siren && s.slice(0, 9) !== compactId(siren)) return `SIRET ${s} does not start with the SIREN ${compactId(siren)}`;
  return null;
}

/** The key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97, two digits. */
export function frVatKey(siren: string): string {
  const n = Number(compactId(siren)) % 97;
  return String((12 + 3 * n) % 97).padStart(2, '0');
}

/** The French VAT number of a SIREN: FR + key + SIREN. */
export function frVatNumber(siren: string): string {
  return `FR${frVatKey(siren)}${compactId(siren)}`;
}

const EU_VAT = /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z+*]{2,13}$/;

/**
 * An intra-EU VAT number: the shape of every member state; a French one also its key and, when
 * `siren` is given, that it is this SIREN's number.
 */
export function vatNumberProblem(vat: string, siren?: string): string | null {
  const v = compactId(vat);
  if (!EU_VAT.test(v)) return `VAT number "${vat}" is not an intra-EU VAT number (country code + number, e.g. FR96552100554)`;
  if (!v.startsWith('FR')) return null;
  const m = /^FR(\d{2})(\d{9})$/.exec(v);
  if (!m) return `VAT number ${v}: a French number is FR + 2-digit key + SIREN`;
  if (siren && m[2] !== compactId(siren)) return `VAT number ${v} is not that of SIREN ${compactId(siren)} (expected ${frVatNumber(siren)})`;
  const key = frVatKey(m[2]);
  if (m[1] !== key) return `VAT number ${v} has the wrong key ${m[1]}: the key of SIREN ${m[2]} is ${key} (${frVatNumber(m[2])})`;
  return null;
}
