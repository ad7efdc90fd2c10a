/**
 * The storage interface: every operation whose SQL or driver use differs between SQLite and
 * PostgreSQL, behind one interface with one implementation per engine (sqlite-store.ts,
 * postgres-store.ts). The implementation is chosen once, when the database opens
 * (database.ts openDatabase), and found again from the database, a transaction or a held
 * connection with `storeOf(db)`. Features call the interface and never ask which engine they
 * run on; `scripts/engine-branches.test.ts` keeps `dbKind` / `sqliteHandleOf` out of them.
 * One conformance suite (store-suite.ts, `runStoreSuite`) runs every operation on both engines.
 *
 * The interface speaks in tables and columns (ticket rows, JSON paths of the stored ticket), not
 * in features' types: server/db/ stays a floor below the features.
 */
import type { Expression, Kysely, RawBuilder } from 'kysely';
import type { Database } from './schema.ts';
import type { DbKind } from './dialect.ts';

/** The columns of a stored ticket, in the order of a TicketRow (the id first). */
export const TICKET_COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

/** One ticket row's values in TICKET_COLUMNS order. */
export type TicketRow = (string | number | null)[];

/** One value of a bulk row. */
export type Value = string | number | null;
export type Row = Value[];

/** An integration write-back: the document a ticket went into. */
export interface TicketMark {
  id: string;
  documentId: number | null;
  number: string | null;
}

/** One till's number span to read (integration reads from `lo − 1`, the link of the hash chain). */
export interface TicketSpan {
  store: string;
  till: string;
  lo: number;
  hi: number;
}

/** A ticket as integration reads it: its columns, the back-office customer correction if any. */
export interface TicketPageRow {
  id: string;
  store: string;
  till: string;
  number: number;
  day: string;
  customer: string;
  overrideCustomer: string | null;
  status: string;
  statusReason: string | null;
  hash: string;
  content: string;
  documentId: number | null;
  integrationBatch: number | null;
}

/** A ticket's document columns and the values found at the JSON paths asked for (null when absent). */
export interface TicketFields {
  id: string;
  documentId: number | null;
  documentNumber: string | null;
  values: unknown[];
}

/**
 * The posting run's writer: rows as one flat array of values, multi-row statements kept for the
 * run. `pgTypes` (the columns' PostgreSQL types) lets PostgreSQL take the rows as one array per
 * column (unnest) instead of one parameter per value.
 */
export interface RowWriter {
  insertFlat(table: string, columns: readonly string[], values: Value[], pgTypes?: readonly string[]): Promise<void>;
}

/** What a pull of acknowledgements may serve now (see replication/routes.ts). */
export type AckHoldBack = { serve: false } | { serve: true; stampedBefore: string | null };

export interface Store {
  readonly kind: DbKind;

  /** `e` compared byte-wise (PostgreSQL would otherwise order text by the locale). */
  bytewise(e: Expression<string>): Expression<string>;
  /** `q` with its rows locked until commit where the engine locks rows (SQLite's one writer already excludes). */
  forUpdate<Q extends { forUpdate(): Q }>(q: Q): Q;

  /**
   * The books lock: one writer of the books at a time, `fn` in one transaction holding it
   * (books-lock.ts tells who takes it). A second holder waits; on SQLite it gives up after the
   * busy timeout with a `busy` TillsyncError.
   */
  withBooksLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * The hold-back of acknowledgement pulls: where writers may commit in another order than they
   * stamped `updated_at` (PostgreSQL), nothing while the books lock is held and only rows stamped
   * more than `settleMs` ago; SQLite (one writer at a time) serves everything.
   */
  ackHoldBack(db: Kysely<Database>, settleMs: number): Promise<AckHoldBack>;
  /** `fn` while no other process exports these books (`data`: the server's data folder). */
  withExportLock<T>(db: Kysely<Database>, data: string, waitMs: number, fn: () => Promise<T>): Promise<T>;

  /** Inserts ticket rows inside `trx`, skipping ids (or store+till+number) already stored; returns the ids inserted. */
  insertTickets(trx: Kysely<Database>, rows: TicketRow[]): Promise<string[]>;
  /**
   * The integration write-back inside `trx`: each ticket's document, batch and a new updated_at,
   * only on tickets not integrated yet; throws naming a ticket when one was not there to mark.
   */
  markTickets(trx: Kysely<Database>, marks: TicketMark[], batchId: number, now: string): Promise<void>;
  /** Multi-row INSERTs of any number of rows (under both engines' parameter limits). */
  insertRows(db: Kysely<any>, table: string, columns: string[], rows: Row[]): Promise<void>;
  /** A writer for one run inside `db` (its statements are kept for the run). */
  rowWriter(db: Kysely<any>): RowWriter;
  /** After rows were given explicit ids: the tables' id sequences moved past them (PostgreSQL serials). */
  syncSequences(db: Kysely<any>, tables: string[]): Promise<void>;

  /** One till's rows from lo − 1 to hi, in number order, page by page (the last page may be empty). */
  tillPages(db: Kysely<Database>, span: TicketSpan, pageSize: number): AsyncGenerator<TicketPageRow[]>;
  /** The tickets of these documents and these tickets, with the values at `paths` ('$.a.b') of their stored JSON. */
  ticketFields(db: Kysely<Database>, documentIds: number[], ticketIds: string[], paths: readonly string[]): Promise<TicketFields[]>;
  /** The database file worker threads may open read-only beside the run, or null (PostgreSQL: they cannot). */
  workerFile(db: Kysely<Database>): Promise<string | null>;

  /** SQL: the exact integer units (the value × `factor`, a power of ten) of a decimal-text column, for the books checks. */
  unitsOf(column: string, factor: number): RawBuilder<unknown>;
}

/** Per SQL adapter: a transaction or a held connection shares its database's adapter. */
const stores = new WeakMap<object, Store>();

/** Binds `store` to `db` and everything derived from it (database.ts, once, when it opens). */
export function attachStore(db: Kysely<any>, store: Store): void {
  stores.set(db.getExecutor().adapter, store);
}

/** The storage implementation of the database behind `db` (a database, a transaction or a held connection). */
export function storeOf(db: Kysely<any>): Store {
  const store = stores.get(db.getExecutor().adapter);
  if (!store) throw new Error('no store for this database: open it with server/db/database.ts openDatabase');
  return store;
}

/** A '$.a.b' path's steps (['a', 'b']), split once for many values. */
export function pathSteps(path: string): string[] {
  return path.slice(2).split('.');
}

/** Walks a path's steps (pathSteps) into a parsed JSON value (null when a step is missing), as SQL's json_extract does. */
export function atSteps(value: unknown, steps: readonly string[]): unknown {
  let v = value;
  for (const step of steps) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[step];
  }
  return v === undefined ? null : v;
}
