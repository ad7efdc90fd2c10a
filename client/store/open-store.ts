/**
 * Opens the till's RxDB database: on disk (Deno KV SQLite file `DATA/store/till.kv`) for real
 * tills and durability tests, or in memory for fast unit tests.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb';
import { getRxStorageDenoKV } from 'rxdb/plugins/storage-denokv';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { installDenoKvGlobal, type Kv } from './deno-kv-global.ts';
import { withIndexedChanges } from './denokv-changes.ts';
import { ackSchema, baseSchema, closureMigrations, closureSchema, journalSchema, metaSchema, ticketSchema, type AckDoc, type BaseDoc, type ClosureDoc, type JournalDoc, type MetaDoc, type TicketDoc } from './schemas.ts';

// Stores made before closures had the law's fields open with their v0 closures migrated (unchanged).
addRxPlugin(RxDBMigrationSchemaPlugin);

export interface TillCollections {
  tickets: RxCollection<TicketDoc>;
  closures: RxCollection<ClosureDoc>;
  journal: RxCollection<JournalDoc>;
  base: RxCollection<BaseDoc>;
  acks: RxCollection<AckDoc>;
  meta: RxCollection<MetaDoc>;
}

export type TillDatabase = RxDatabase<TillCollections>;

export type StoreLocation = { dir: string } | { memory: true };

/**
 * Documents per bulk write. Deno KV refuses commits over ~1,000 mutations and each document costs
 * one mutation per index (primary, cleanup, own indexes): 50 keeps far below with room to grow.
 */
export const WRITE_CHUNK = 50;

/**
 * Documents per commit for a bulk load of tickets (a backlog put straight into a store): a ticket
 * costs 5 mutations (the document and four index rows: `_deleted|number|id`, `_meta.lwt|id`, `id`,
 * `_deleted|_meta.lwt`), so 180 a commit is 901 of Deno KV's 1,000 with the write-block check
 * (200 fails with TooManyMutations). 3.6 times fewer commits than WRITE_CHUNK.
 */
export const BULK_TICKET_CHUNK = 180;

export function storeFile(dataDir: string): string {
  return join(resolve(dataDir), 'store', 'till.kv');
}

/** `writeBatch`: documents per Deno KV commit (default WRITE_CHUNK; BULK_TICKET_CHUNK for a bulk load of tickets only). */
export async function openTillDatabase(where: StoreLocation, opts: { writeBatch?: number } = {}): Promise<TillDatabase> {
  let storage: RxStorage<any, any>;
  let name = 'till';
  if ('dir' in where) {
    installDenoKvGlobal();
    const file = storeFile(where.dir);
    mkdirSync(join(resolve(where.dir), 'store'), { recursive: true });
    const denokv = getRxStorageDenoKV({ consistencyLevel: 'strong', openKvPath: file, batchSize: opts.writeBatch ?? WRITE_CHUNK });
    // RxDB refuses two databases of one name on one storage in a process; the storage name is only
    // that guard's key (the data's key space uses the database name), so one name per file lets
    // two tills live in one process (tests, benchmark) while the stored keys stay `rxdb|till|…`.
    // Each instance answers "changed since" from its lwt index (client/store/denokv-changes.ts).
    storage = { name: `denokv:${file}`, rxdbVersion: denokv.rxdbVersion, createStorageInstance: async (p) => withIndexedChanges(await denokv.createStorageInstance(p)) } as RxStorage<any, any>;
  } else {
    storage = getRxStorageMemory();
    // The memory storage shares data between databases of the same name: keep test stores apart.
    name = `till${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  }
  const db = await createRxDatabase<TillCollections>({ name, storage, multiInstance: false, eventReduce: true });
  await db.addCollections({
    tickets: { schema: ticketSchema },
    closures: { schema: closureSchema, migrationStrategies: closureMigrations },
    journal: { schema: journalSchema },
    base: { schema: baseSchema },
    acks: { schema: ackSchema },
    meta: { schema: metaSchema },
  });
  return db;
}

/** Plain document data without RxDB's bookkeeping fields. */
export function plain<T>(doc: any): T {
  const { _meta, _rev, _attachments, _deleted, ...rest } = doc;
  return rest as T;
}

export async function bulkUpsertChunked<T>(collection: RxCollection<T>, docs: T[], onChunk?: (n: number) => void): Promise<void> {
  for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
    const chunk = docs.slice(i, i + WRITE_CHUNK);
    const res = await collection.bulkUpsert(chunk as any);
    if (res.error.length) throw new Error(`writing ${collection.name}: ${res.error.length} documents refused (${JSON.stringify(res.error[0]).slice(0, 200)})`);
    onChunk?.(chunk.length);
  }
}

interface DenoKvInstance {
  kvPromise: Promise<Kv>;
  keySpace: string;
}

/** RxDB 17's denokv storage keeps each document at [keySpace, '||', id] (DENOKV_DOCUMENT_ROOT_PATH). */
const DOCUMENT_ROOT = '||';

function denoKvInstance(collection: RxCollection<any>): DenoKvInstance | null {
  const inst = (collection as any).internalStorageInstance;
  return inst && inst.kvPromise && typeof inst.keySpace === 'string' ? (inst as DenoKvInstance) : null;
}

/**
 * Reads documents in primary-key order, optionally between two keys (inclusive). RxDB's denokv
 * queries fetch each document with its own `get` (~0.2 ms each: 11 s for 50,000 articles), so on
 * disk this lists the document rows directly in pages (~16 µs each). Falls back to an RxDB query on
 * other storages. client/store/open-store.test.ts checks both paths return the same documents.
 */
export async function scanDocs<T>(collection: RxCollection<any>, range: { from?: string; to?: string } = {}, visit?: (doc: T) => void): Promise<T[]> {
  const out: T[] = [];
  const take = (d: any) => {
    if (!d || d._deleted) return;
    const p = plain<T>(d);
    if (visit) visit(p);
    else out.push(p);
  };
  const inst = denoKvInstance(collection);
  if (!inst) {
    const selector: any = {};
    if (range.from !== undefined || range.to !== undefined) {
      selector.id = {};
      if (range.from !== undefined) selector.id.$gte = range.from;
      if (range.to !== undefined) selector.id.$lte = range.to;
    }
    const docs = await collection.find({ selector, sort: [{ id: 'asc' }] } as any).exec();
    for (const d of docs) take(d.toJSON(true));
    return out;
  }
  const kv = await inst.kvPromise;
  const selector: any = range.from !== undefined || range.to !== undefined
    ? { start: [inst.keySpace, DOCUMENT_ROOT, range.from ?? ''], end: [inst.keySpace, DOCUMENT_ROOT, (range.to ?? '\uffff') + '\u0000'] }
    : { prefix: [inst.keySpace, DOCUMENT_ROOT] };
  for await (const e of kv.list(selector, { batchSize: 500, consistency: 'strong' })) take(e.value);
  return out;
}

/**
 * The `limit` documents with the greatest primary keys, greatest first. RxDB's denokv storage
 * answers a sorted query by reading every document (15 s and 160 MB for a 60,000-ticket store, on
 * each opening); on disk this reads the last document rows alone.
 */
export async function lastDocs<T>(collection: RxCollection<any>, limit: number): Promise<T[]> {
  const inst = denoKvInstance(collection);
  if (inst) {
    const kv = await inst.kvPromise;
    const out: T[] = [];
    const page = limit + 50;
    let rows = 0;
    // Deleted rows are skipped; tickets and journal events are never deleted, so one page suffices.
    for await (const e of kv.list({ prefix: [inst.keySpace, DOCUMENT_ROOT] }, { limit: page, reverse: true, consistency: 'strong' })) {
      rows++;
      const d = e.value as any;
      if (d && !d._deleted) out.push(plain<T>(d));
      if (out.length === limit) return out;
    }
    if (rows < page) return out; // the whole collection was read
  }
  const docs = await collection.find({ selector: {}, sort: [{ id: 'desc' }], limit } as any).exec();
  return docs.map((d) => plain<T>(d.toJSON(true)));
}

export async function lastDoc<T>(collection: RxCollection<any>): Promise<T | null> {
  return (await lastDocs<T>(collection, 1))[0] ?? null;
}
