import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateArticles } from '../../fixtures/articles.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { bulkUpsertChunked, lastDoc, lastDocs, openTillDatabase, plain, scanDocs, type TillDatabase } from './open-store.ts';
import { baseDocsOf } from './base-index.ts';
import type { BaseDoc } from './schemas.ts';
import { TillStore, packageRecordFits, packageRecordParts } from './till-store.ts';

const dirs: string[] = [];
const open: { close(): Promise<unknown> }[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tillsync-store-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('till database on disk (RxDB denokv)', () => {
  it('writes 1,200 documents in commits under the Deno KV mutation cap and scans them back like a query', async () => {
    const dir = tempDir();
    const db: TillDatabase = await openTillDatabase({ dir });
    open.push(db);
    const docs = baseDocsOf({ articles: generateArticles(1200, 3) }, '2026-01-01T00:00:00.000Z');
    await bulkUpsertChunked(db.base, docs);
    const scanned = await scanDocs<BaseDoc>(db.base);
    const queried = (await db.base.find().exec()).map((d) => plain<BaseDoc>(d.toJSON(true)));
    expect(scanned.length).toBe(1200);
    expect(scanned).toEqual(queried.sort((a, b) => (a.id < b.id ? -1 : 1)));
    const range = await scanDocs<BaseDoc>(db.base, { from: 'article:A000010', to: 'article:A000019' });
    expect(range.map((d) => d.code)).toEqual(Array.from({ length: 10 }, (_, i) => `A0000${10 + i}`));
  });

  it('skips deleted documents when scanning', async () => {
    const dir = tempDir();
    const db = await openTillDatabase({ dir });
    open.push(db);
    await bulkUpsertChunked(db.base, baseDocsOf({ articles: generateArticles(5, 3) }, 'x'));
    await (await db.base.findOne('article:A000002').exec())!.remove();
    expect((await scanDocs<BaseDoc>(db.base)).map((d) => d.code)).toEqual(['A000001', 'A000003', 'A000004', 'A000005']);
  });

  it('reads the last documents by key without a query, past deleted ones, on disk and in memory', async () => {
    const disk = await openTillDatabase({ dir: tempDir() });
    const memory = await openTillDatabase({ memory: true });
    open.push(disk, memory);
    for (const db of [disk, memory]) {
      expect(await lastDoc<BaseDoc>(db.base)).toBeNull();
      await bulkUpsertChunked(db.base, baseDocsOf({ articles: generateArticles(200, 3) }, 'x'));
      expect((await lastDocs<BaseDoc>(db.base, 3)).map((d) => d.code)).toEqual(['A000200', 'A000199', 'A000198']);
      // More deleted rows at the end than one page reads: the answer still comes, from RxDB's query.
      const gone = await db.base.find({ selector: { id: { $gt: 'article:A000120' } } }).exec();
      await db.base.bulkRemove(gone.map((d) => d.id));
      expect((await lastDoc<BaseDoc>(db.base))!.code).toBe('A000120');
      expect((await lastDocs<BaseDoc>(db.base, 500)).length).toBe(120);
    }
  });

  it('the memory storage gives the same scan results through RxDB queries', async () => {
    const db = await openTillDatabase({ memory: true });
    open.push(db);
    await bulkUpsertChunked(db.base, baseDocsOf({ articles: generateArticles(30, 3) }, 'x'));
    expect((await scanDocs<BaseDoc>(db.base, { from: 'article:A000028' })).map((d) => d.code)).toEqual(['A000028', 'A000029', 'A000030']);
  });
});

describe('TillStore', () => {
  it('keeps identity, tickets and base data across a reopen, and finds articles lazily by code or barcode', async () => {
    const dir = tempDir();
    const s1 = await TillStore.open({ dir }, { articles: 'all' });
    await s1.setIdentity({ store: 'S1', till: '01', secret: 'x', serverUrl: null, createdAt: 'now', rounding: { decimals: 2, vatOn: 'line' } });
    await s1.applyBase(demoBaseData(120));
    expect(s1.base.articlesByCode.size).toBe(120);
    await s1.close();

    const s2 = await TillStore.open({ dir }, { articles: 'lazy' });
    open.push(s2);
    expect(s2.identity?.till).toBe('01');
    expect(s2.base.complete).toBe(false);
    expect(s2.base.articlesByCode.size).toBe(0);
    expect(s2.base.paymentModes.size).toBe(6);
    expect(s2.base.counterCustomer()?.code).toBe('COMPTOIR');
    const a = generateArticles(120, 1)[99];
    expect((await s2.base.findArticle(a.barcode))?.code).toBe(a.code);
    expect((await s2.base.findArticle(a.code))?.barcode).toBe(a.barcode);
    expect(await s2.base.findArticle('0000000000000')).toBeUndefined();
  });

  it('records a package of scattered tickets atomically in several parts and reads it back after a reopen', async () => {
    const dir = tempDir();
    const s1 = await TillStore.open({ dir });
    await s1.setIdentity({ store: 'S1', till: '01', secret: 'x', serverUrl: null, createdAt: 'now', rounding: { decimals: 2, vatOn: 'line' } });
    const numbers = Array.from({ length: 12_000 }, (_, i) => 3 * i + 1);
    expect(packageRecordParts(numbers).length).toBeGreaterThan(1);
    expect(packageRecordFits(numbers)).toBe(true);
    await s1.recordPackage({ fileName: 'TicDep01_20261124.zip', kind: 'untransferred', createdAt: '2026-11-24T10:00:00.000Z', count: numbers.length, path: '/x' }, numbers);
    await s1.close();
    const s2 = await TillStore.open({ dir });
    open.push(s2);
    const l = await s2.ledger();
    expect(l.packaged.size).toBe(numbers.length);
    expect(l.packaged.get(34)).toBe('TicDep01_20261124.zip');
    expect(l.packaged.has(35)).toBe(false);
    expect(packageRecordFits(Array.from({ length: 200_000 }, (_, i) => 2 * i + 1))).toBe(false);
  });

  it('searches articles by code, barcode and label prefix (accents and case ignored)', async () => {
    const s = await TillStore.open({ memory: true }, { articles: 'all' });
    open.push(s);
    await s.applyBase({ articles: [
      { code: 'VIS10', barcode: '3760000000101', label: 'Vis à bois 10', price: '1.00', vatCode: 'VN' },
      { code: 'ECR5', barcode: '3760000000205', label: 'Écrou M5', price: '0.50', vatCode: 'VN' },
      { code: 'VIS12', barcode: '3760000000125', label: 'Vis inox 12', price: '1.20', vatCode: 'VN' },
    ] });
    expect(s.base.searchArticles('vis').map((a) => a.code)).toEqual(['VIS10', 'VIS12']);
    expect(s.base.searchArticles('ecrou').map((a) => a.code)).toEqual(['ECR5']);
    expect(s.base.searchArticles('37600000002').map((a) => a.code)).toEqual(['ECR5']);
    expect(s.base.searchArticles('VIS1', 1).map((a) => a.code)).toEqual(['VIS10']);
    expect(s.base.searchArticles('zzz')).toEqual([]);
  });
});
