/**
 * Whether one ticket may be integrated: its content against its hash and its predecessor, its row
 * against its content, its codes against the base data, its figures against a recomputation.
 * Pure: every failure comes back as an error (one per reason), the ticket is then left out by the
 * caller.
 */
import { D } from '../../sync/money.ts';
import { GENESIS_HASH, hashTicket, sha256Text } from '../../sync/ticket-chain.ts';
import type { BaseData, PaymentMode, Ticket } from '../../sync/types.ts';
import { recomputeProblems } from './ticket-recompute.ts';
import type { PassResult } from '../books/pass.ts';

/** The base data as look-up tables. Articles and customers include withdrawn ones: a sale made before the withdrawal stays valid. */
export interface IntegrationRefs {
  customers: Set<string>;
  articles: Set<string>;
  vatRates: Map<string, string>;
  paymentModes: Map<string, PaymentMode>;
}

export function buildRefs(base: BaseData, withdrawn: { customers?: Iterable<string>; articles?: Iterable<string> } = {}): IntegrationRefs {
  return {
    customers: new Set([...base.customers.map((c) => c.code), ...(withdrawn.customers ?? [])]),
    articles: new Set([...base.articles.map((a) => a.code), ...(withdrawn.articles ?? [])]),
    vatRates: new Map(base.vatRates.map((v) => [v.code, v.rate])),
    paymentModes: new Map(base.paymentModes.map((m) => [m.code, m])),
  };
}

/** A stored ticket as integration reads it (tickets table). */
export interface StoredTicket {
  id: string;
  store: string;
  till: string;
  number: number;
  day: string;
  customer: string;
  status: string;
  statusReason?: string | null;
  hash: string;
  content: string;
  /** The customer set in the back office (ticket_overrides), which integration uses instead of the ticket's own. */
  overrideCustomer?: string | null;
}

export type Link = { number: number; hash: string } | null;

/** The ticket parsed and accepted, or null with every reason it is not. */
export type TicketCheck = PassResult<{ ticket: Ticket; linkUnverified: boolean } | null>;

const rateCache = new Map<string, boolean>();

function sameRate(a: string, b: string): boolean {
  if (a === b) return true;
  const key = `${a}|${b}`;
  let v = rateCache.get(key);
  if (v === undefined) {
    try {
      v = new D(a).eq(new D(b));
    } catch {
      v = false;
    }
    rateCache.set(key, v);
  }
  return v;
}

/**
 * The stored content is canonical JSON with the hash inside: removing `"hash":"…",` gives exactly
 * what the hash covers, without re-serialising. Any doubt (content not canonical) goes to hashTicket.
 */
function hashMatches(content: string, ticket: Ticket): boolean {
  const member = `"hash":"${ticket.hash}",`;
  const at = content.indexOf(member);
  if (at > 0 && sha256Text(content.slice(0, at) + content.slice(at + member.length)) === ticket.hash) return true;
  return hashTicket(ticket) === ticket.hash;
}

function shapeProblem(t: Ticket): string | null {
  if (!t || typeof t !== 'object') return 'content is not a ticket';
  if (!Array.isArray(t.lines) || !Array.isArray(t.payments) || !Array.isArray(t.settlements)) return 'content has no lines, payments or settlements list';
  if (!t.totals || typeof t.totals !== 'object') return 'content has no totals';
  if (!t.rounding || ![2, 3, 4].includes(t.rounding.decimals) || !['line', 'total'].includes(t.rounding.vatOn)) return `unknown rounding rules ${JSON.stringify(t.rounding)}`;
  for (const l of t.lines) if (!l || typeof l !== 'object') return 'a line is not an object';
  for (const p of t.payments) if (!p || typeof p !== 'object') return 'a payment is not an object';
  for (const s of t.settlements) if (!s || typeof s !== 'object') return 'a settlement is not an object';
  return null;
}

// Module-level, not a closure per ticket: this runs for every ticket of a night.
function refuse(row: Readonly<StoredTicket>, reasons: string[]): TicketCheck {
  return { result: null, errors: reasons.map((message) => ({ source: 'integration', message, ref: { ticket: row.id, till: `${row.store}-${row.till}` } })) };
}

/** `prev`: the stored ticket numbered just before, or null when it is not on the server (a gap). */
export function checkStoredTicket(row: Readonly<StoredTicket>, prev: Link, refs: IntegrationRefs): TicketCheck {
  if (row.status !== 'received') return refuse(row, [`ticket is in status ${row.status} at intake${row.statusReason ? ` (${row.statusReason})` : ''}`]);
  let t: Ticket;
  try {
    t = JSON.parse(row.content) as Ticket;
  } catch {
    return refuse(row, ['stored content is not valid JSON']);
  }
  const shape = shapeProblem(t);
  if (shape) return refuse(row, [shape]);
  const reasons: string[] = [];
  if (t.hash !== row.hash || !hashMatches(row.content, t)) reasons.push('content does not match its hash (altered after sale)');
  if (t.id !== row.id || t.store !== row.store || t.till !== row.till || t.number !== row.number || t.day !== row.day || t.customer !== row.customer) {
    reasons.push('stored columns (till, number, day or customer) disagree with the ticket content');
  }
  let linkUnverified = false;
  if (t.number === 1) {
    if (t.prevHash !== GENESIS_HASH) reasons.push('chain break: the first ticket of the till must chain to the genesis hash');
  } else if (prev && prev.number === t.number - 1) {
    if (t.prevHash !== prev.hash) reasons.push(`chain break: previous hash does not match ticket ${prev.number}`);
  } else linkUnverified = true;
  const customer = row.overrideCustomer ?? t.customer;
  if (!refs.customers.has(customer)) reasons.push(`unknown customer ${customer}${customer !== t.customer ? ' (set in the back office)' : ''}`);
  t.lines.forEach((l, i) => {
    if (!refs.articles.has(l.article)) reasons.push(`unknown article ${l.article} (line ${i + 1})`);
    const rate = refs.vatRates.get(l.vatCode);
    if (rate === undefined) reasons.push(`unknown VAT code ${l.vatCode} (line ${i + 1})`);
    else if (typeof l.vatRate !== 'string' || !sameRate(l.vatRate, rate)) reasons.push(`VAT ${l.vatCode} at ${l.vatRate} % on line ${i + 1} does not match the VAT table (${rate} %)`);
  });
  for (const p of t.payments) if (!refs.paymentModes.has(p.mode)) reasons.push(`unknown payment mode ${p.mode}`);
  reasons.push(...recomputeProblems(t));
  return reasons.length ? refuse(row, reasons) : { result: { ticket: t, linkUnverified }, errors: [] };
}
