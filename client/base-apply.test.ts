import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillStore } from './store/till-store.ts';
import { scanDocs } from './store/open-store.ts';
import { applyBaseBundle, finishPendingBaseApply } from './base-apply.ts';
import { readBundleSource } from './base-source.ts';
import { readBaseState, statePath, pendingPath, writePending, writeBaseState } from './base-state.ts';
import { writeBaseBundle, BASE_PARTS, type BaseBundleContent } from '../sync/base-bundle.ts';
import { demoBaseData } from '../fixtures/store.ts';
import { isTillsyncError } from '../sync/errors.ts';
import type { BaseDoc } from './store/schemas.ts';

const KEY = 'c'.repeat(64);
let dirs: string[] = [];
let open: TillStore[] = [];

afterEach(async () => {
  for (const s of open) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  open = [];
});

async function till(): Promise<{ store: TillStore; data: string }> {
  const data = mkdtempSync(join(tmpdir(), 'tillsync-till-'));
  dirs.push(data);
  const store = await TillStore.open({ dir: data });
  open.push(store);
  await store.setIdentity({ store: 'S1', till: '01', secret: 'd'.repeat(64), serverUrl: null, createdAt: new Date().toISOString(), rounding: { decimals: 2, vatOn: 'line' } });
  await store.applyBase(demoBaseData(20));
  return { store, data };
}

function bundle(version: number, edit: (c: BaseBundleContent) => void = () => {}, store = 'S1'): { fileName: string; origin: string; bytes: Buffer } {
  const base = demoBaseData(20);
  const c: BaseBundleContent = { store, version, created: new Date(Date.UTC(2026, 2, version)).toISOString(), parts: [...BASE_PARTS], base: { ...base, ticketTables: { rounding: { decimals: 2, vatOn: 'line' } } }, acks: [], files: [] };
  edit(c);
  const w = writeBaseBundle(c, KEY);
  return { fileName: w.fileName, origin: w.fileName, bytes: w.bytes };
}

async function snapshot(store: TillStore, data: string): Promise<string> {
  const docs = await scanDocs<BaseDoc>(store.db.base);
  return JSON.stringify({ docs, state: existsSync(statePath(data)) ? readFileSync(statePath(data), 'utf8') : null });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isTillsyncError(e) ? e.code : String(e);
  }
  return 'accepted';
}

describe('applyBaseBundle', () => {
  it('applies additions, changes, price changes and removals, and reports them', async () => {
    const { store, data } = await till();
    const b = bundle(1, (c) => {
      c.base.articles = c.base.articles!.filter((a) => a.code !== 'A000003');
      c.base.articles[0] = { ...c.base.articles[0]!, price: '99.90' };
      c.base.articles.push({ code: 'NEW001', barcode: '3760000999993', label: 'Parapluie', price: '12.50', vatCode: 'VN' });
      c.acks = [
        { id: 'S1-01-00000001', till: 'S1-01', acknowledgedAt: '2026-03-01T10:00:00Z', documentNumber: 'F1', updatedAt: '2026-03-01T11:00:00Z' },
        { id: 'S1-02-00000001', till: 'S1-02', acknowledgedAt: '2026-03-01T10:00:00Z', documentNumber: 'F2', updatedAt: '2026-03-01T11:00:00Z' },
      ];
      c.files = [{ name: 'promo.txt', data: Buffer.from('soldes') }];
    });
    const oldPrice = demoBaseData(20).articles[0]!.price;
    const r = await applyBaseBundle(store, data, b, { baseKey: KEY });
    expect(r.status).toBe('applied');
    expect(r.changes!.articles).toEqual({ added: ['NEW001'], changed: ['A000001'], removed: ['A000003'], priceChanged: [{ code: 'A000001', from: oldPrice, to: '99.90' }] });
    expect(r.changes!.customers).toEqual({ added: [], changed: [], removed: [] });
    expect(r.changes!.acks).toBe(1);
    expect(r.indexed).toEqual({ articles: 20, barcodes: 20 });
    expect(store.base.article('3760000999993')?.price).toBe('12.50');
    expect(store.base.article('A000003')).toBeUndefined();
    expect(readFileSync(join(data, 'base', 'files', 'promo.txt'), 'utf8')).toBe('soldes');
    expect(readBaseState(data)).toMatchObject({ version: 1, baseKey: KEY });
    expect(existsSync(pendingPath(data))).toBe(false);
    const acks = await scanDocs<{ id: string }>(store.db.acks);
    expect(acks.map((a) => a.id)).toEqual(['S1-01-00000001']);
    // Same bundle again: nothing to do, the key is remembered.
    expect((await applyBaseBundle(store, data, b)).status).toBe('already-applied');
  });

  it('leaves the till exactly as it was on a truncated, foreign, mis-signed or older bundle', async () => {
    const { store, data } = await till();
    await applyBaseBundle(store, data, bundle(2), { baseKey: KEY });
    const before = await snapshot(store, data);
    const newer = bundle(3, (c) => c.base.articles!.push({ code: 'X1', barcode: '', label: 'x', price: '1.00', vatCode: 'VN' }));
    expect(await refusal(applyBaseBundle(store, data, { ...newer, bytes: newer.bytes.subarray(0, newer.bytes.length - 200) }))).toMatch(/^package-/);
    expect(await refusal(applyBaseBundle(store, data, bundle(3, () => {}, 'S2')))).toBe('package-unknown-till');
    expect(await refusal(applyBaseBundle(store, data, newer, { baseKey: 'e'.repeat(64) }))).toBe('package-signature');
    expect(await refusal(applyBaseBundle(store, data, bundle(1)))).toBe('base-older');
    expect(await snapshot(store, data)).toBe(before);
    expect(existsSync(pendingPath(data))).toBe(false);
  });

  it('refuses to guess a key: a till without one is told how to get it', async () => {
    const { store, data } = await till();
    expect(await refusal(applyBaseBundle(store, data, bundle(1)))).toBe('no-base-key');
  });

  it('finishes an interrupted application from its journal', async () => {
    const { store, data } = await till();
    await applyBaseBundle(store, data, bundle(1), { baseKey: KEY });
    const b = bundle(2, (c) => (c.base.articles![5] = { ...c.base.articles![5]!, price: '7.77' }));
    // As a crash right after the journal was written and before any item was: state says v1, journal holds v2.
    await writeBaseState(data, { ...readBaseState(data), pending: b.fileName });
    await writePending(data, b.bytes);
    const r = await finishPendingBaseApply(store, data);
    expect(r?.version).toBe(2);
    expect(r?.changes?.articles.priceChanged).toEqual([expect.objectContaining({ code: 'A000006', to: '7.77' })]);
    expect(readBaseState(data)).toMatchObject({ version: 2 });
    expect(readBaseState(data).pending).toBeUndefined();
    expect(existsSync(pendingPath(data))).toBe(false);
  });

  it('takes the newest bundle of a folder and the bundle attached to a saved mail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-fcomp-'));
    dirs.push(dir);
    const b1 = bundle(1);
    const b4 = bundle(4);
    writeFileSync(join(dir, b1.fileName), b1.bytes);
    writeFileSync(join(dir, b4.fileName), b4.bytes);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect((await readBundleSource(dir)).fileName).toBe(b4.fileName);
    const eml = [
      'From: tillsync@localhost', 'To: caisse01@magasin.example', 'Subject: [tillsync] base', 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XX"', '', '--XX', 'Content-Type: text/plain', '', 'base files', '--XX',
      `Content-Type: application/zip; name="${b4.fileName}"`, `Content-Disposition: attachment; filename="${b4.fileName}"`, 'Content-Transfer-Encoding: base64', '',
      b4.bytes.toString('base64').replace(/.{76}/g, '$&\r\n'), '--XX--', '',
    ].join('\r\n');
    mkdirSync(join(dir, 'mail'));
    writeFileSync(join(dir, 'mail', 'saved.eml'), eml);
    const fromMail = await readBundleSource(join(dir, 'mail', 'saved.eml'));
    expect(fromMail.fileName).toBe(b4.fileName);
    expect(fromMail.bytes.equals(b4.bytes)).toBe(true);

    // apply-base FOLDER (issue 14): a saved mail in the folder counts, and its bundle wins when newest.
    const b7 = bundle(7);
    writeFileSync(join(dir, 'newer.eml'), eml.replaceAll(b4.fileName, b7.fileName).replace(b4.bytes.toString('base64').replace(/.{76}/g, '$&\r\n'), b7.bytes.toString('base64').replace(/.{76}/g, '$&\r\n')));
    const newest = await readBundleSource(dir);
    expect(newest.fileName).toBe(b7.fileName);
    expect(newest.origin).toBe(join(dir, 'newer.eml'));
    expect(newest.bytes.equals(b7.bytes)).toBe(true);
    // A folder holding only the saved mail (the attachment never saved on its own) still applies.
    const onlyMail = mkdtempSync(join(tmpdir(), 'tillsync-fcomp-mail-'));
    dirs.push(onlyMail);
    writeFileSync(join(onlyMail, 'base.eml'), eml);
    expect((await readBundleSource(onlyMail)).bytes.equals(b4.bytes)).toBe(true);
  });
});
