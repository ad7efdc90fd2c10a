/**
 * RxDB schemas of the till's local store. Every index costs one Deno KV mutation per document
 * written, so there are only the indexes the hot path needs (ticket number, article barcode).
 *
 * - tickets: the sync Ticket exactly as sold (immutable; its hash covers it). Local flags live
 *   elsewhere so that a ticket is written once, in one atomic commit, and never re-pushed because a
 *   local flag changed: packagedIn in `meta` package records, acknowledgedAt / documentNumber in
 *   `acks` (the pull replication's target, so pulled acks can never overwrite a ticket).
 * - closures: Z, monthly and fiscal-year closures (schema v1 added the law's fields; v0 documents
 *   migrate unchanged: they read as day closures).
 * - journal: the technical-event journal (JET, sync/jet.ts), append-only, signed and chained.
 * - base: articles, customers, VAT rates, payment modes and the company, one document per item keyed
 *   `kind:code` — the mirror of the server's base_items that base replication pulls into, and the
 *   one place `till init --base` and base files write to.
 * - acks: the server's acknowledgements (and document numbers), pulled.
 * - meta: till identity, last server contact, package records, a period closure under way,
 *   training-mode state and the training series (tickets sold in training never enter `tickets`).
 */
import type { RxJsonSchema } from 'rxdb';
import type { JetEvent } from '../../sync/jet.ts';
import type { Closure, Ticket } from '../../sync/types.ts';

export type TicketDoc = Ticket;
export type ClosureDoc = Closure;
export type JournalDoc = JetEvent;

export type BaseKind = 'article' | 'customer' | 'vat' | 'payment-mode' | 'company';

export interface BaseDoc {
  /** `${kind}:${code}` */
  id: string;
  kind: BaseKind;
  code: string;
  /** Articles only ('' otherwise): indexed so a one-shot sale finds a scanned barcode without loading every article. */
  barcode: string;
  /** The sync/types.ts object (Article, Customer, VatRate, PaymentMode, Company). */
  data: Record<string, unknown>;
  updatedAt: string;
}

export interface AckDoc {
  /** Ticket id. */
  id: string;
  acknowledgedAt: string;
  documentNumber: string | null;
  updatedAt: string;
}

export interface MetaDoc {
  /** 'identity', 'contact', `package:<file name>#<part>`, 'pending-closure', 'training', `training-ticket:<number>`, `reprint:<ticket>`, 'push:tickets' (client/ticket-push.ts). */
  id: string;
  kind: 'identity' | 'contact' | 'package' | 'pending-closure' | 'training' | 'training-ticket' | 'reprint' | 'push-checkpoint';
  value: Record<string, unknown>;
}

const str = (maxLength?: number): { type: 'string'; maxLength?: number } => (maxLength ? { type: 'string', maxLength } : { type: 'string' });
const obj = { type: 'object' } as const;
const arr = { type: 'array' } as const;

export const ticketSchema: RxJsonSchema<TicketDoc> = {
  title: 'tickets',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(64),
    store: str(),
    till: str(),
    number: { type: 'integer', minimum: 1, maximum: 999_999_999, multipleOf: 1 },
    soldAt: str(),
    day: str(),
    customer: str(),
    cashier: str(),
    lines: arr,
    settlements: arr,
    payments: arr,
    totals: obj,
    degraded: { type: 'boolean' },
    rounding: obj,
    prevHash: str(),
    hash: str(),
  },
  required: ['id', 'store', 'till', 'number', 'soldAt', 'day', 'customer', 'lines', 'settlements', 'payments', 'totals', 'degraded', 'rounding', 'prevHash', 'hash'],
  indexes: ['number'],
} as RxJsonSchema<TicketDoc>;

export const closureSchema: RxJsonSchema<ClosureDoc> = {
  title: 'closures',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(64),
    store: str(),
    till: str(),
    seq: { type: 'integer', minimum: 1, maximum: 999_999_999, multipleOf: 1 },
    closedAt: str(),
    day: str(),
    firstNumber: { type: ['integer', 'null'] },
    lastNumber: { type: ['integer', 'null'] },
    ticketCount: { type: 'integer' },
    byVat: arr,
    byMode: arr,
    total: str(),
    grandTotal: str(),
    kind: str(),
    period: str(),
    yearTotal: str(),
    totalAbs: str(),
    grandTotalAbs: str(),
    lastTicketHash: str(),
    covers: { type: ['object', 'null'] },
    prevHash: str(),
    keyId: str(),
    keyFingerprint: str(),
    hash: str(),
    signature: str(),
  },
  required: ['id', 'store', 'till', 'seq', 'closedAt', 'day', 'ticketCount', 'byVat', 'byMode', 'total', 'grandTotal', 'hash'],
  indexes: ['seq'],
} as unknown as RxJsonSchema<ClosureDoc>;

/** v0 closures (before the law's fields) are kept as they are: they read as day closures. */
export const closureMigrations = { 1: (doc: ClosureDoc) => doc };

export const journalSchema: RxJsonSchema<JournalDoc> = {
  title: 'journal',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(64),
    origin: str(),
    seq: { type: 'integer', minimum: 1, maximum: 999_999_999, multipleOf: 1 },
    at: str(),
    type: str(),
    data: obj,
    prevHash: str(),
    keyId: str(),
    hash: str(),
    signature: str(),
  },
  required: ['id', 'origin', 'seq', 'at', 'type', 'data', 'prevHash', 'keyId', 'hash', 'signature'],
} as unknown as RxJsonSchema<JournalDoc>;

export const baseSchema: RxJsonSchema<BaseDoc> = {
  title: 'base',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(160),
    kind: str(20),
    code: str(),
    barcode: str(64),
    data: obj,
    updatedAt: str(),
  },
  required: ['id', 'kind', 'code', 'barcode', 'data', 'updatedAt'],
  indexes: ['barcode'],
} as RxJsonSchema<BaseDoc>;

export const ackSchema: RxJsonSchema<AckDoc> = {
  title: 'acks',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(64),
    acknowledgedAt: str(),
    documentNumber: { type: ['string', 'null'] },
    updatedAt: str(),
  },
  required: ['id', 'acknowledgedAt', 'updatedAt'],
} as RxJsonSchema<AckDoc>;

export const metaSchema: RxJsonSchema<MetaDoc> = {
  title: 'meta',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: str(300),
    kind: str(20),
    value: obj,
  },
  required: ['id', 'kind', 'value'],
} as RxJsonSchema<MetaDoc>;
