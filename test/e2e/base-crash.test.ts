/**
 * apply-base killed (SIGKILL) part-way through a big bundle: the rerun finishes it from the
 * journal, and the till ends exactly as if nothing had happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoBaseData } from '../../fixtures/store.ts';
import { writeBaseBundle, BASE_PARTS } from '../../sync/base-bundle.ts';
import { TillStore } from '../../client/store/till-store.ts';
import { spawnCli } from '../support/cli-harness.ts';
import { ok } from './pilot-harness.ts';

const KEY = '9'.repeat(64);
let shop: string;
let caisse: string;

beforeAll(async () => {
  shop = mkdtempSync(join(tmpdir(), 'tillsync-basecrash-'));
  caisse = join(shop, 'caisse');
  await ok(['till', 'init', '--data', caisse, '--store', 'S1', '--till', '01', '--articles', '20']);
  await ok(['till', 'base-key', '--data', caisse, '--set', KEY]);
});

afterAll(() => rmSync(shop, { recursive: true, force: true }));

describe('apply-base crash', { timeout: 400_000 }, () => {
  it('a SIGKILL mid-apply leaves the journal; the rerun finishes the bundle and every article is there at its price', async () => {
    const base = demoBaseData(3000);
    base.articles = base.articles.map((a, i) => (i % 2 ? { ...a, price: '1.23' } : a));
    const bundle = writeBaseBundle({ store: 'S1', version: 1, created: new Date().toISOString(), parts: [...BASE_PARTS], base, acks: [], files: [] }, KEY);
    const file = join(shop, bundle.fileName);
    writeFileSync(file, bundle.bytes);

    const child = spawnCli(['till', 'apply-base', '--data', caisse, file], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    let killed = false;
    while (!killed) {
      if (existsSync(join(caisse, 'base', 'pending.zip'))) {
        child.kill('SIGKILL');
        killed = true;
      } else if (child.exitCode !== null) break;
      else await new Promise((r) => setTimeout(r, 5));
    }
    await exited;
    expect(killed).toBe(true);
    // Killed mid-way: the journal is there and the state does not claim the bundle.
    expect(existsSync(join(caisse, 'base', 'pending.zip'))).toBe(true);
    expect(JSON.parse(readFileSync(join(caisse, 'base', 'state.json'), 'utf8')).version).toBeUndefined();

    const rerun = await ok(['till', 'apply-base', '--data', caisse, file]);
    expect(rerun.status).toBe('applied');
    expect(rerun.resumed).toEqual({ version: 1, fileName: bundle.fileName });
    expect(rerun.indexed.articles).toBe(3000);
    expect(existsSync(join(caisse, 'base', 'pending.zip'))).toBe(false);
    const store = await TillStore.open({ dir: caisse }, { articles: 'all' });
    try {
      expect(store.base.articlesByCode.size).toBe(3000);
      for (const a of base.articles) expect(store.base.article(a.barcode)?.price).toBe(a.price);
    } finally {
      await store.close();
    }
    const again = await ok(['till', 'apply-base', '--data', caisse, file]);
    expect(again.status).toBe('already-applied');
  });
});
