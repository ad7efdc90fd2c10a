/**
 * The HTTP contract between a till and the store server (both sides implement it; neither imports
 * the other). The till runs RxDB replications whose handlers call these endpoints:
 *
 *   tickets  — push only: the till's tickets go up; the server feeds them to the one intake pipeline
 *              (channel "replication"), so a ticket that also arrives by LAN or mail is stored once.
 *   acks     — pull only: per ticket, the server's acknowledgement and later its document number
 *              (written back by integration). The till marks a ticket transferred on acknowledgement.
 *   base     — pull only: articles, customers, VAT rates, payment modes, company settings.
 *
 * Every request but /health is signed with the till's auth secret (sync/request-auth.ts); pushed
 * ticket pages are also signed with the till's signing key (sync/ticket-page.ts).
 */
import type { KeyChange } from './key-change.ts';
import type { PageSignature } from './ticket-page.ts';
import type { Ticket } from './types.ts';

export { TILL_HEADER } from './request-auth.ts';

export const API = {
  health: '/api/health',
  ticketsPush: '/api/replication/tickets/push',
  acksPull: '/api/replication/acks/pull',
  basePull: '/api/replication/base/pull',
  /**
   * POST {closures: Closure[], publicKeys?: PEM[]} → {accepted: string[]}: closures (day Z, month, year),
   * each signed closure verified with the till's registered key (or, before it has one, the key sent);
   * a day Z may trigger the automatic export.
   */
  closuresPush: '/api/replication/closures/push',
  /** POST {events: JetEvent[], publicKeys?: PEM[]} → {accepted: string[]}: the till's technical-event journal, verified event by event. */
  journalPush: '/api/replication/journal/push',
  upload: '/api/packages',
  /** POST KeyRegistration → KeyRegistrationResponse: the till's public signing key (first contact, rotation). */
  keys: '/api/till-keys',
} as const;

export interface KeyRegistration {
  publicKey: string;
  /** Every key change the till made, oldest first: chains a new key to one the server knows. */
  keyChanges: KeyChange[];
}

export interface KeyRegistrationResponse {
  keyId: string;
  /** 'first-contact' when the server had no key for this till and took this one. */
  registered: 'known' | 'first-contact' | 'key-change';
}

export interface HealthResponse {
  ok: true;
  store: string;
  time: string;
}

export interface TicketsPushRequest {
  tickets: Ticket[];
  /** The till's signing key over the page's (id, hash) list. */
  signature: PageSignature;
}

export interface TicketsPushResponse {
  /** Stored now. */
  accepted: string[];
  /** Already known with the same content (a no-op). */
  duplicates: string[];
  /** Same id, different content: recorded for review, never overwritten. */
  conflicts: string[];
  /** Refused (bad hash, wrong till…), with the reason. */
  rejected: { id: string; reason: string }[];
}

/** Replication checkpoint: last (updatedAt, id) seen; pages are ordered by that pair. */
export interface Checkpoint {
  updatedAt: string;
  id: string;
}

export interface TicketAck {
  /** Ticket id. */
  id: string;
  acknowledgedAt: string;
  documentNumber: string | null;
  updatedAt: string;
}

export interface PullResponse<T> {
  documents: T[];
  checkpoint: Checkpoint | null;
}

export interface BaseItem {
  /** `${kind}:${code}` */
  id: string;
  kind: 'article' | 'customer' | 'vat' | 'payment-mode' | 'company';
  code: string;
  /** JSON of the sync/types.ts object (Article, Customer, …). */
  content: string;
  deleted: boolean;
  updatedAt: string;
}

/** Query string of the pull endpoints: ?limit=N&updatedAt=…&id=… (checkpoint omitted on first pull). */
export function pullQuery(checkpoint: Checkpoint | null | undefined, limit: number): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (checkpoint) {
    q.set('updatedAt', checkpoint.updatedAt);
    q.set('id', checkpoint.id);
  }
  return `?${q.toString()}`;
}
