/**
 * VAT of a marketplace sale by the buyer's country (pure). Home country: the report's rate, else
 * the home rate. Another EU country: with OSS (shop over the EU distance-sales threshold) that
 * country's standard rate, else the home rate. Outside the EU: exempt (export of goods, CGI art.
 * 262 I), with the legal mention printed on the invoice. Standard rates as published by the
 * European Commission ("VAT rates applied in the Member States", 2025 edition).
 */
export const EU_STANDARD_RATES: Record<string, string> = {
  AT: '20', BE: '21', BG: '20', CY: '19', CZ: '21', DE: '19', DK: '25', EE: '24', ES: '21', FI: '25.5', FR: '20', GR: '24', HR: '25', HU: '27',
  IE: '23', IT: '22', LT: '21', LU: '17', LV: '21', MT: '18', NL: '21', PL: '23', PT: '23', RO: '21', SE: '25', SI: '22', SK: '23',
};

/** Country names as reports write them → ISO code. */
const NAMES: Record<string, string> = {
  FRANCE: 'FR', ALLEMAGNE: 'DE', GERMANY: 'DE', DEUTSCHLAND: 'DE', BELGIQUE: 'BE', BELGIUM: 'BE', ESPAGNE: 'ES', SPAIN: 'ES', ITALIE: 'IT', ITALY: 'IT',
  'PAYS BAS': 'NL', NETHERLANDS: 'NL', LUXEMBOURG: 'LU', PORTUGAL: 'PT', AUTRICHE: 'AT', AUSTRIA: 'AT', IRLANDE: 'IE', IRELAND: 'IE', SUEDE: 'SE', SWEDEN: 'SE',
  DANEMARK: 'DK', DENMARK: 'DK', FINLANDE: 'FI', FINLAND: 'FI', POLOGNE: 'PL', POLAND: 'PL', GRECE: 'GR', GREECE: 'GR', SUISSE: 'CH', SWITZERLAND: 'CH',
  'ROYAUME UNI': 'GB', 'UNITED KINGDOM': 'GB', UK: 'GB', 'ETATS UNIS': 'US', USA: 'US', 'UNITED STATES': 'US', CANADA: 'CA', NORVEGE: 'NO', NORWAY: 'NO',
  // ISO 3166-1 alpha-3, as order data from marketplace APIs may give them.
  FRA: 'FR', DEU: 'DE', BEL: 'BE', ESP: 'ES', ITA: 'IT', NLD: 'NL', LUX: 'LU', PRT: 'PT', AUT: 'AT', IRL: 'IE', SWE: 'SE', DNK: 'DK', FIN: 'FI', POL: 'PL', GRC: 'GR',
  CHE: 'CH', GBR: 'GB', CAN: 'CA', NOR: 'NO', MCO: 'FR', REU: 'RE', GLP: 'GP', MTQ: 'MQ', GUF: 'GF', MYT: 'YT',
  MONACO: 'FR', REUNION: 'RE', GUADELOUPE: 'GP', MARTINIQUE: 'MQ', GUYANE: 'GF', MAYOTTE: 'YT', 'SAINT PIERRE ET MIQUELON': 'PM', 'NOUVELLE CALEDONIE': 'NC', 'POLYNESIE FRANCAISE': 'PF',
};

export function countryCode(raw: string): string | null {
  const s = raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]+/g, ' ')
    .trim();
  if (!s) return null;
  if (/^[A-Z]{2}$/.test(s)) return s === 'UK' ? 'GB' : s;
  return NAMES[s] ?? null;
}

export type VatRegime = 'domestic' | 'eu-home-rate' | 'oss' | 'intra-eu' | 'export';

export interface SaleVat {
  regime: VatRegime;
  rate: string;
  mention: string | null;
}

/** CGI art. 262 ter I: a supply of goods to a business registered for VAT in another EU state is exempt (the buyer self-assesses). */
export const INTRA_EU_MENTION = 'Exonération de TVA, article 262 ter I du CGI (livraison intracommunautaire) — autoliquidation par le preneur';

/**
 * VAT of a marketplace sale by the buyer's country. A buyer with a VAT number in another EU state
 * is a business: an intra-community supply, exempt (never OSS, which is for consumers only).
 */
export function saleVat(country: string, reportRate: string | null, opts: { homeCountry: string; domesticRate: string; oss: boolean; exportMention: string }, buyerVatNumber: string | null = null): SaleVat {
  if (country === opts.homeCountry) return { regime: 'domestic', rate: reportRate ?? opts.domesticRate, mention: null };
  const eu = EU_STANDARD_RATES[country];
  if (eu && buyerVatNumber) return { regime: 'intra-eu', rate: '0', mention: INTRA_EU_MENTION };
  if (eu) return opts.oss ? { regime: 'oss', rate: eu, mention: null } : { regime: 'eu-home-rate', rate: reportRate ?? opts.domesticRate, mention: null };
  // French overseas departments are outside the EU VAT territory for metropolitan sellers: treated as exports.
  return { regime: 'export', rate: '0', mention: opts.exportMention };
}
