/**
 * The selection of an integration run, as in the seed's screen: "Intégration jusqu'au", "N° caisse
 * au", "Client au", "Ticket du au", plus the control grid's unticked lines (--exclude). Ranges are
 * inclusive; one value alone is a range of one.
 */
import { TillsyncError } from '../../sync/errors.ts';
import { localDay, parseDayOption, yesterday } from '../../sync/dates.ts';

export interface Range<T> {
  from: T;
  to: T;
}

export interface IntegrationFilters {
  /** Last business day integrated (YYYY-MM-DD). */
  until: string;
  tills?: Range<string>;
  /** Only these till codes ("01"; a "S1-01" form is read as till 01), e.g. the till whose closure triggered the run. */
  tillList?: string[];
  customers?: Range<string>;
  tickets?: Range<number>;
  /** Ticket ids left out of this run. */
  exclude?: string[];
}

function usage(message: string, hint: string): TillsyncError {
  return new TillsyncError('usage', message, { hint });
}

export { localDay, yesterday };

/** YYYY-MM-DD, or the words today / yesterday (the one date parser, sync/dates.ts). */
export function parseUntil(text: string, now = new Date()): string {
  return parseDayOption('--until', text, now);
}

/** "A-B", "A..B" (for codes that contain a dash) or "A". */
function splitRange(text: string): [string, string] {
  const t = text.trim();
  if (t.includes('..')) {
    const [a, b] = t.split('..');
    return [a.trim(), b.trim()];
  }
  const parts = t.split('-');
  if (parts.length === 2) return [parts[0].trim(), parts[1].trim()];
  return [t, t];
}

/** Till codes are two digits: "1-5" means 01 to 05. */
export function parseTillRange(text: string): Range<string> {
  const [a, b] = splitRange(text).map((x) => (/^\d+$/.test(x) ? x.padStart(2, '0') : x));
  if (!a || !b || a > b) throw usage(`--tills ${text} is not a till range`, 'give it as FROM-TO, e.g. --tills 01-05, or one till: --tills 03');
  return { from: a, to: b };
}

export function parseCustomerRange(text: string): Range<string> {
  const [a, b] = splitRange(text);
  if (!a || !b || a > b) throw usage(`--customers ${text} is not a customer range`, 'give it as FROM-TO, e.g. --customers C0000001-C0000005, or one customer: --customers COMPTOIR (use FROM..TO when codes contain a dash)');
  return { from: a, to: b };
}

export function parseTicketRange(text: string): Range<number> {
  const [a, b] = splitRange(text);
  const from = Number(a);
  const to = Number(b);
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b) || from > to) throw usage(`--tickets ${text} is not a ticket number range`, 'give it as FROM-TO, e.g. --tickets 1-500, or one number: --tickets 42');
  return { from, to };
}

/** "01", "1" or "S1-01" → "01". */
export function tillCodeOf(text: string): string {
  const code = text.includes('-') ? text.slice(text.lastIndexOf('-') + 1) : text;
  return /^\d+$/.test(code) ? code.padStart(2, '0') : code;
}

/** Accepts ids repeated or comma-separated. */
export function parseExclude(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export interface CandidateRow {
  id: string;
  till: string;
  number: number;
  day: string;
  customer: string;
  /** Set in the back office (ticket_overrides): the customer the ticket goes by instead. */
  overrideCustomer?: string | null;
  documentId: number | null;
  integrationBatch: number | null;
}

/** Not integrated yet and inside the selection (the exclusion list is checked separately). */
export function isSelected(row: CandidateRow, f: IntegrationFilters): boolean {
  if (row.documentId !== null || row.integrationBatch !== null) return false;
  if (row.day > f.until) return false;
  if (f.tills && (row.till < f.tills.from || row.till > f.tills.to)) return false;
  if (f.tillList && !f.tillList.includes(row.till)) return false;
  if (f.customers) {
    const customer = row.overrideCustomer ?? row.customer;
    if (customer < f.customers.from || customer > f.customers.to) return false;
  }
  if (f.tickets && (row.number < f.tickets.from || row.number > f.tickets.to)) return false;
  return true;
}

export function describeFilters(f: IntegrationFilters): string {
  const parts = [`until ${f.until}`];
  if (f.tills) parts.push(`tills ${f.tills.from}–${f.tills.to}`);
  if (f.tillList) parts.push(`till${f.tillList.length > 1 ? 's' : ''} ${f.tillList.join(', ')}`);
  if (f.customers) parts.push(f.customers.from === f.customers.to ? `customer ${f.customers.from}` : `customers ${f.customers.from}–${f.customers.to}`);
  if (f.tickets) parts.push(`tickets ${f.tickets.from}–${f.tickets.to}`);
  if (f.exclude?.length) parts.push(`${f.exclude.length} excluded`);
  return parts.join(', ');
}
