/**
 * "Documents changed since this checkpoint" for RxDB's denokv storage, read straight from the
 * `[_meta.lwt, id]` index from the checkpoint on.
 *
 * RxDB asks it of every replicated collection on each pull (RESYNC also starts the upstream's
 * initial sync, even of a pull-only replication such as the till's acks and base). Without this
 * method RxDB runs it as a query whose `$or` selector the denokv storage cannot answer from the
 * index alone, so it reads every document whose `_meta.lwt` is at or after the checkpoint's, each
 * with its own `get`: all the documents of the checkpoint's own bulk write, every time. A till's
 * base data (one write of a whole catalogue) cost 0.1–0.8 s of CPU per pull, and 500 acks ~0.1 s:
 * an idle till with the demo's 0.5 s pull interval kept a fifth of a core busy. Here the index is
 * listed from just after the checkpoint, `limit` entries, and only those documents are read.
 */
import type { RxStorageInstance } from 'rxdb';
import type { Kv } from './deno-kv-global.ts';

/** What the denokv storage instance keeps that this reads (rxdb/plugins/storage-denokv, RxDB 17). */
interface DenoKvInternals {
  kvPromise: Promise<Kv>;
  keySpace: string;
  kvOptions: { consistency: 'strong' | 'eventual' };
  primaryPath: string;
  internals: { indexes: Record<string, { indexId: string; getIndexableString: (doc: any) => string }> };
  retryUntilNoWriteInBetween<T>(fn: () => Promise<T>): Promise<T>;
}

/** RxDB 17's denokv storage keeps each document at [keySpace, '||', id] and an index row at [keySpace, indexId, indexString] → id. */
const DOCUMENT_ROOT = '||';
/** Past every index string (they are made of characters below U+FFFF). */
const INDEX_END = '\uffff';

type Checkpoint = { id: string; lwt: number };

/** Adds getChangedDocumentsSince to a denokv storage instance (left as is if it is not one, or has no lwt index). */
export function withIndexedChanges<I extends RxStorageInstance<any, any, any>>(instance: I): I {
  const inst = instance as unknown as DenoKvInternals & { getChangedDocumentsSince?: unknown };
  const lwtIndex = inst.internals?.indexes?.[`_meta.lwt|${inst.primaryPath}`];
  if (!lwtIndex || !inst.kvPromise || typeof inst.keySpace !== 'string' || inst.getChangedDocumentsSince) return instance;
  inst.getChangedDocumentsSince = (limit: number, checkpoint?: Checkpoint) =>
    inst.retryUntilNoWriteInBetween(async () => {
      const kv = await inst.kvPromise;
      // The checkpoint's own index string: the listing starts there and skips it (changes come strictly after).
      const after = checkpoint ? lwtIndex.getIndexableString({ _meta: { lwt: checkpoint.lwt }, [inst.primaryPath]: checkpoint.id }) : '';
      const documents: any[] = [];
      const rows = kv.list({ start: [inst.keySpace, lwtIndex.indexId, after], end: [inst.keySpace, lwtIndex.indexId, INDEX_END] }, { limit: limit + 1, consistency: inst.kvOptions.consistency });
      for await (const row of rows) {
        if (checkpoint && row.key[2] === after) continue;
        const doc = (await kv.get([inst.keySpace, DOCUMENT_ROOT, row.value as string], inst.kvOptions)).value;
        if (doc) documents.push(doc);
        if (documents.length === limit) break;
      }
      const last = documents[documents.length - 1];
      return { documents, checkpoint: last ? { id: last[inst.primaryPath], lwt: last._meta.lwt } : (checkpoint ?? { id: '', lwt: 0 }) };
    });
  return instance;
}
