import type { Generated } from 'kysely';

/** Tables of the intake side: tills, packages, tickets, conflicts, the log book, batches, settings. */
export interface TillsTable {
  /** `${store}-${till}` */
  id: string;
  store: string;
  till: string;
  /**
   * The till's AUTH secret (HTTP request signatures), wrapped with DATA/secrets.key
   * (server/security/secrets-at-rest.ts). Before package format 3 it was also the HMAC key of the
   * till's packages (`legacy_hmac` = 1) and was stored in clear: such rows are wrapped at start.
   */
  secret: string;
  /** 1: enrolled before format 3, its version 1–2 HMAC packages still verify with `secret`. */
  legacy_hmac: Generated<number>;
  enrolled_at: string;
  last_contact_at: string | null;
  /** Comma-separated IPs allowed to upload for this till; null = any. */
  allow_ips: string | null;
  /** Highest ticket number received from this till (null before the first ticket). */
  last_number: number | null;
  /** Open gaps in the till's numbering, JSON `[[from, to], …]`, kept by intake in the same transaction as the tickets. */
  gaps: Generated<string>;
}

export interface PackagesTable {
  id: Generated<number>;
  /** sha256 of the file bytes: the same file received twice is recognised at once. */
  sha256: string;
  file_name: string;
  channel: string; // replication | lan | http | mail | manual
  till_id: string | null;
  kind: string | null; // degraded | untransferred
  status: string; // accepted | quarantined | rejected
  reason: string | null;
  ticket_count: number;
  new_count: number;
  duplicate_count: number;
  conflict_count: number;
  error_count: number;
  /** Stored, but with status `error` (broken hash chain): left out of integration. */
  flagged_count: Generated<number>;
  received_at: string;
}

export interface TicketsTable {
  /** `${store}-${till}-${number:08}`: the unique key that makes every channel idempotent. */
  id: string;
  store: string;
  till: string;
  number: number;
  day: string;
  sold_at: string;
  customer: string;
  /** Goods incl VAT and total due, decimal text. */
  total_incl: string;
  total_due: string;
  hash: string;
  prev_hash: string;
  degraded: number; // 0 | 1
  /** The whole ticket as canonical JSON. */
  content: string;
  channel: string;
  package_id: number | null;
  received_at: string;
  /** received | error (left out of integration, see log book) */
  status: string;
  /** Why the ticket is in error (e.g. its previous hash does not match ticket 41), null otherwise. */
  status_reason: string | null;
  /** Set by integration: the document the ticket went into. */
  document_id: number | null;
  document_number: string | null;
  integration_batch: number | null;
  /**
   * Bumped on insert and on every write-back (document number, undo): the replication checkpoint.
   * Acks are pulled per till by (updated_at, id), so per till it must never go back in commit
   * order: a writer first locks the till row (intake does `UPDATE tills … WHERE id = …` as its
   * first statement) and only then takes the timestamp it writes here.
   */
  updated_at: string;
}

/** Reference data the server publishes to tills: articles, customers, vat, payment modes, company. */
export interface BaseItemsTable {
  kind: 'article' | 'customer' | 'vat' | 'payment-mode' | 'company';
  code: string;
  content: string; // JSON of the sync/types.ts object
  updated_at: string;
  deleted: number;
}

export interface TicketConflictsTable {
  id: Generated<number>;
  ticket_id: string;
  hash: string;
  content: string;
  channel: string;
  package_id: number | null;
  received_at: string;
  resolved: number;
}

export interface LogBookTable {
  id: Generated<number>;
  at: string;
  severity: string; // info | warning | error
  channel: string | null;
  file: string | null;
  till: string | null;
  ticket: string | null;
  message: string;
}

export interface BatchesTable {
  id: Generated<number>;
  kind: string; // integration | posting | lettering | export
  status: string; // running | done | undone | failed
  started_at: string;
  finished_at: string | null;
  params: string; // JSON
  summary: string | null; // JSON
}

export interface ClosuresTable {
  id: string;
  store: string;
  till: string;
  day: string;
  content: string;
  received_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface CoreTables {
  tills: TillsTable;
  packages: PackagesTable;
  tickets: TicketsTable;
  base_items: BaseItemsTable;
  ticket_conflicts: TicketConflictsTable;
  log_book: LogBookTable;
  batches: BatchesTable;
  closures: ClosuresTable;
  settings: SettingsTable;
}
