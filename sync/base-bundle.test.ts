import { describe, expect, it } from 'vitest';
import AdmZip from 'adm-zip';
import { demoBaseData } from '../fixtures/store.ts';
import { readBaseBundle, writeBaseBundle, BASE_PARTS, isBaseBundleName, peekBaseBundle, type BaseBundleContent } from './base-bundle.ts';
import { isPackageError } from './signed-zip.ts';

const KEY = 'a'.repeat(64);

function content(over: Partial<BaseBundleContent> = {}): BaseBundleContent {
  const base = demoBaseData(20);
  return {
    store: 'S1',
    version: 3,
    created: '2026-03-01T10:00:00.000Z',
    parts: [...BASE_PARTS],
    base: { ...base, ticketTables: { header: ['Boutique Demo'] } },
    acks: [{ id: 'S1-01-00000001', till: 'S1-01', acknowledgedAt: '2026-03-01T09:00:00.000Z', documentNumber: 'F0001', updatedAt: '2026-03-01T09:30:00.000Z' }],
    files: [{ name: 'promo.txt', data: Buffer.from('soldes') }],
    ...over,
  };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isPackageError(e) ? e.reason : (e as { code?: string }).code ?? String(e);
  }
  return 'accepted';
}

describe('base bundle', () => {
  it('round-trips every part, the acknowledgements and the specific files', () => {
    const c = content();
    const { fileName, bytes, manifest } = writeBaseBundle(c, KEY);
    expect(isBaseBundleName(fileName)).toBe(true);
    expect(manifest).toMatchObject({ format: 'tillsync-base', store: 'S1', version: 3, counts: { articles: 20, acks: 1, files: 1 } });
    const back = readBaseBundle(bytes, fileName, (s) => (s === 'S1' ? KEY : undefined));
    expect(back.base.articles).toEqual(c.base.articles);
    expect(back.base.company).toEqual(c.base.company);
    expect(back.base.ticketTables).toEqual({ header: ['Boutique Demo'] });
    expect(back.acks).toEqual(c.acks);
    expect(back.files.map((f) => [f.name, f.data.toString()])).toEqual([['promo.txt', 'soldes']]);
    expect(peekBaseBundle(bytes, fileName).version).toBe(3);
  });

  it('announces only the parts it carries, and speaks of publishing (not extracting) when refusing', () => {
    const c = content();
    delete c.base.ticketTables;
    const { bytes, fileName, manifest } = writeBaseBundle(c, KEY);
    expect(manifest.parts).not.toContain('ticketTables');
    expect(readBaseBundle(bytes, fileName, () => KEY).parts).toEqual(['articles', 'customers', 'vatRates', 'paymentModes', 'company']);
    try {
      readBaseBundle(bytes.subarray(0, 100), fileName, () => KEY);
      throw new Error('accepted');
    } catch (e) {
      expect((e as { hint?: string }).hint).toContain('publish again on the server');
    }
  });

  it('carries only the parts asked for', () => {
    const { bytes, fileName } = writeBaseBundle(content({ parts: ['articles', 'vatRates'] }), KEY);
    const back = readBaseBundle(bytes, fileName, () => KEY);
    expect(back.parts).toEqual(['articles', 'vatRates']);
    expect(back.base.customers).toBeUndefined();
  });

  it('refuses a bundle signed with another key, from another store, truncated, or tampered with', () => {
    const { bytes, fileName } = writeBaseBundle(content(), KEY);
    expect(reason(() => readBaseBundle(bytes, fileName, () => 'b'.repeat(64)))).toBe('signature');
    expect(reason(() => readBaseBundle(bytes, fileName, (s) => (s === 'S2' ? KEY : undefined)))).toBe('unknown-till');
    expect(reason(() => readBaseBundle(bytes.subarray(0, Math.floor(bytes.length / 2)), fileName, () => KEY))).toMatch(/zip-corrupt|manifest|checksum/);
    const zip = new AdmZip(bytes);
    const base = JSON.parse(zip.getEntry('base.json')!.getData().toString());
    base.articles[0].price = '0.01';
    zip.updateFile('base.json', Buffer.from(JSON.stringify(base)));
    expect(reason(() => readBaseBundle(zip.toBuffer(), fileName, () => KEY))).toBe('checksum');
  });

  it('refuses an entry the manifest does not list and a specific file that escapes', () => {
    const { bytes, fileName } = writeBaseBundle(content(), KEY);
    const zip = new AdmZip(bytes);
    zip.addFile('files/extra.txt', Buffer.from('x'));
    expect(reason(() => readBaseBundle(zip.toBuffer(), fileName, () => KEY))).toBe('unexpected-entry');
    const zip2 = new AdmZip(bytes);
    zip2.addFile('files/../../etc/passwd', Buffer.from('x'));
    expect(reason(() => readBaseBundle(zip2.toBuffer(), fileName, () => KEY))).toMatch(/path-traversal|unexpected-entry/);
  });

  it('refuses incoherent reference data before signing it', () => {
    const c = content();
    c.base.articles = [...c.base.articles!, { ...c.base.articles![0]!, barcode: '123' }];
    expect(reason(() => writeBaseBundle(c, KEY))).toBe('base-data');
    const d = content();
    d.base.articles![0] = { ...d.base.articles![0]!, vatCode: 'XX' };
    expect(reason(() => writeBaseBundle(d, KEY))).toBe('base-data');
  });
});
