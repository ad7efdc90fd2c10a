import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getChangedDocumentsSinceQuery, prepareQuery } from 'rxdb';
import { generateArticles } from '../../fixtures/articles.ts';
import { bulkUpsertChunked, openTillDatabase, type TillDatabase } from './open-store.ts';
import { baseDocsOf } from './base-index.ts';

const dirs: string[] = [];
const open: TillDatabase[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

type Checkpoint = { id: string; lwt: number } | undefined;

/** The collection's storage instance as RxDB's replication reads it. */
function storageOf(db: TillDatabase) {
  return (db.base as any).storageInstance as { schema: any; query(q: any): Promise<{ documents: any[] }>; getChangedDocumentsSince?: (limit: number, cp: Checkpoint) => Promise<{ documents: any[]; checkpoint: Checkpoint }> };
}

/** What RxDB answers without the method: its `$or` query over the lwt index (the reference). */
async function byQuery(db: TillDatabase, limit: number, checkpoint: Checkpoint) {
  const s = storageOf(db);
  return (await s.query(prepareQuery(s.schema, getChangedDocumentsSinceQuery(s as any, limit, checkpoint as any)))).documents;
}

describe('changed documents since a checkpoint, from the denokv lwt index', () => {
  it('gives what RxDB’s own query gives, page by page, within one bulk write and across writes, deleted documents included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-kv-changes-'));
    dirs.push(dir);
    const db = await openTillDatabase({ dir });
    open.push(db);
    const s = storageOf(db);
    expect(s.getChangedDocumentsSince).toBeTypeOf('function');
    // Several documents share one lwt (one bulk write), then later writes, then a removal.
    await db.base.bulkUpsert(baseDocsOf({ articles: generateArticles(120, 3) }, 'x') as any);
    await bulkUpsertChunked(db.base, baseDocsOf({ articles: generateArticles(130, 3).slice(120) }, 'y'));
    await (await db.base.findOne('article:A000005').exec())!.remove();

    const walk = async (limit: number) => {
      const seen: string[] = [];
      let cp: Checkpoint;
      for (;;) {
        const page = await s.getChangedDocumentsSince!(limit, cp);
        expect(page.documents.map((d) => d.id)).toEqual((await byQuery(db, limit, cp)).map((d) => d.id));
        if (!page.documents.length) {
          expect(page.checkpoint).toEqual(cp ?? { id: '', lwt: 0 });
          return seen;
        }
        seen.push(...page.documents.map((d) => `${d.id}${d._deleted ? ' deleted' : ''}`));
        cp = page.checkpoint;
      }
    };
    for (const limit of [7, 100, 500]) {
      const seen = await walk(limit);
      expect(seen).toHaveLength(130);
      // The removal is the last change, after the 129 others.
      expect(seen[129]).toBe('article:A000005 deleted');
    }
  });
});
