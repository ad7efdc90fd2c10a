/**
 * The two dates of a document (DESIGN "Dates of a document"; CGI ann. II 242 nonies A I-3° and
 * I-7°): the *invoice date* is the day the document is made — the integration run's day, on the
 * server's clock — and the *sale date* is its tickets' day (documents.day). Numbers are taken in
 * invoice-date order: every document of a run shares the run's date, and a run dated before the
 * last number already taken is refused, so a higher number never carries an earlier date.
 */
import { TillsyncError } from '../../sync/errors.ts';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The server's local calendar day (the shop's day, like the tills' business day). */
export function serverDay(now: Date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(now.getFullYear(), 4)}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** The invoice date of a run, refused when earlier than the last date numbered (a clock set back). */
export function runInvoiceDate(requested: string | undefined, lastNumbered: string | null, now: Date = new Date()): string {
  const day = requested ?? serverDay(now);
  if (!DAY_RE.test(day)) throw new TillsyncError('bad-invoice-date', `invoice date "${day}" is not a day YYYY-MM-DD`, { hint: 'give the day as 2026-11-25' });
  if (lastNumbered && day < lastNumbered) {
    throw new TillsyncError('invoice-date-behind', `the invoice date ${day} is before ${lastNumbered}, the date of numbers already taken: numbering must stay chronological`, {
      hint: "check the server's clock and date, then run the integration again",
    });
  }
  return day;
}

/** The invoice date of a document row: its own, or (rows older than migration 070) the day it was created. */
export function invoiceDateOf(row: { invoice_date: string | null; created_at: string }): string {
  return row.invoice_date ?? row.created_at.slice(0, 10);
}
