/**
 * Test support: a till store with identity and demo base data, in memory or on disk in a temp
 * folder, and its service. Only tests import this.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoBaseData } from '../../fixtures/store.ts';
import type { BaseData } from '../../sync/types.ts';
import { HealthMonitor, type HealthOptions } from '../../client/health.ts';
import { initTill } from '../../client/init.ts';
import { TillStore, type FlaggedTicket } from '../../client/store/till-store.ts';
import { D, fmt } from '../../sync/money.ts';
import { TillService } from '../../client/till-service.ts';

export interface TestTill {
  dir: string;
  store: TillStore;
  svc: TillService;
  /** Closes the store (and removes the folder unless keep). */
  close(opts?: { keep?: boolean }): Promise<void>;
}

export async function openTestTill(opts: { disk?: boolean; dir?: string; server?: string | null; secret?: string; base?: BaseData; health?: HealthOptions; articles?: 'all' | 'lazy' } = {}): Promise<TestTill> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tillsync-till-'));
  const store = await TillStore.open(opts.disk ? { dir } : { memory: true }, { articles: opts.articles ?? 'all' });
  if (!store.identity) {
    await initTill(store, { store: 'S1', till: '01', server: opts.server ?? null, secret: opts.secret ?? 'test-secret', base: opts.base ?? demoBaseData(50) });
  }
  const svc = new TillService(store, dir, new HealthMonitor(store.identity!.serverUrl, { fingerprint: store.identity!.serverFingerprint, ...opts.health }));
  let closed = false;
  return {
    dir,
    store,
    svc,
    async close(c = {}) {
      if (closed) return;
      closed = true;
      await store.close();
      if (!c.keep && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sale of `qty` × the first demo article, paid in cash: what a test needs when the content does not matter. */
export function cashSale(svc: TillService, qty = 1, article = 'A000001'): Promise<FlaggedTicket> {
  const a = svc.store.base.article(article)!;
  return svc.sell({ lines: [{ article: a.code, qty }], payments: [{ mode: 'ESP', amount: fmt(new D(a.price).times(qty)) }] });
}
