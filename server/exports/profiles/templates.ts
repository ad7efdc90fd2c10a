/**
 * Label and reference templates of an export profile: `{document} - {customerName}` in tillsync's
 * own syntax, with seed 002's Atoo-Sync placeholders accepted as aliases where they map (%IN the
 * invoice number, %OI the order — here the ticket range —, %CF / %CL the customer's first and last
 * name, %OD the order date). A template is checked when the profile is loaded: an unknown
 * placeholder is an error naming it, never an empty hole in every label.
 */

export const PLACEHOLDERS = {
  document: 'document number (invoice / credit note), else the piece',
  piece: 'piece reference of the entry as posted',
  customerCode: 'customer code',
  customerName: 'customer name',
  customerFirstName: 'first word of the customer name',
  customerLastName: 'rest of the customer name',
  till: 'till',
  store: 'store',
  day: 'sale day YYYY-MM-DD',
  date: 'sale day DD/MM/YYYY',
  paymentMode: 'payment mode (CB, ESP…) of the document or the treasury entry',
  vatCode: 'VAT code of the line',
  vatRate: 'VAT rate of the line (20, 5.5…)',
  ticketRange: 'tickets of the document: 12-15 (or 12)',
  journal: 'journal code',
  label: 'the label as posted',
  account: 'account of the line',
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;
export type TemplateValues = Partial<Record<Placeholder, string | null>>;

/** Seed 002 (Atoo-Sync) placeholders and the tillsync placeholder each one stands for. */
export const SEED_ALIASES: Record<string, Placeholder> = {
  '%IN': 'document',
  '%OI': 'ticketRange',
  '%CF': 'customerFirstName',
  '%CL': 'customerLastName',
  '%OD': 'date',
};

const TOKEN = /\{([A-Za-z]+)\}|%[A-Z]{2}/g;

/** The placeholders a template names that do not exist (empty when it is sound). */
export function unknownPlaceholders(template: string): string[] {
  const bad: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    if (m[1] !== undefined ? !(m[1] in PLACEHOLDERS) : !(m[0] in SEED_ALIASES)) bad.push(m[0]);
  }
  return bad;
}

/** Fills a template; a value the line does not have renders empty, and spaces left around it collapse. */
export function renderTemplate(template: string, values: TemplateValues): string {
  const out = template.replace(TOKEN, (whole, name: string | undefined) => {
    const key = name !== undefined ? (name as Placeholder) : SEED_ALIASES[whole];
    return key ? values[key] ?? '' : whole;
  });
  return out.replace(/\s{2,}/g, ' ').replace(/^[\s\-–]+|[\s\-–]+$/g, '').trim();
}

/** é → e, Œ → OE, ß → ss: for software that reads ASCII only (seed 002 "Supprimer les accents"). */
export function removeAccents(text: string): string {
  return text
    .replace(/Œ/g, 'OE').replace(/œ/g, 'oe').replace(/Æ/g, 'AE').replace(/æ/g, 'ae').replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}
