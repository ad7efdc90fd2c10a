/**
 * How a one-shot till command reaches the store: through the running `till start` when there is
 * one (forwarding), otherwise by taking the lock and opening the store itself for the command.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { forwardToTill } from './forward.ts';
import { acquireLock, runningTill, type LockInfo, type TillLock } from './lock.ts';
import { writeStatusSnapshot } from './store/status-snapshot.ts';
import type { TillStore } from './store/till-store.ts';
import type { TillService } from './till-service.ts';
import type { StatusFacts } from './till-status.ts';

export function requireData(data: unknown): string {
  if (typeof data !== 'string' || !data) throw new TillsyncError('usage', 'missing --data DIR', { hint: 'every till command needs the till folder: --data DIR' });
  return resolve(data);
}

/**
 * Opens the store for one command, runs `fn`, closes and releases, whatever happens. When the
 * command built the ticket ledger (status, extract…) and succeeded, the status snapshot is written
 * after the store is closed (client/store/status-snapshot.ts).
 */
export async function withOwnStore<T>(data: string, command: string, fn: (svc: TillService) => Promise<T>, opts: { requireInit?: boolean; checkHealth?: boolean; lock?: TillLock } = {}): Promise<T> {
  const lock = opts.lock ?? (await acquireLock(data, command));
  let store: TillStore | null = null;
  let facts: StatusFacts | null = null;
  try {
    // Loaded here, not at the top: RxDB takes a second or two to import, and a command forwarded
    // to a running till (or any other tillsync command) must not pay for it.
    const [{ TillStore }, { TillService }, { HealthMonitor }] = await Promise.all([import('./store/till-store.ts'), import('./till-service.ts'), import('./health.ts')]);
    store = await TillStore.open({ dir: data }, { articles: 'lazy' });
    const health = new HealthMonitor(store.identity?.serverUrl ?? null, { fingerprint: store.identity?.serverFingerprint });
    const svc = new TillService(store, data, health);
    if (opts.requireInit !== false) void svc.identity;
    // A monthly or fiscal-year closure a crash interrupted is finished before anything else.
    await (await import('./period-closing.ts')).finishPendingClosure(svc);
    if (opts.checkHealth && store.identity?.serverUrl) await health.check();
    const result = await fn(svc);
    if (health.online) await store.noteServerContact(new Date(health.checkedAt));
    if (store.ledgerLoaded && store.identity) facts = await svc.statusFacts();
    return result;
  } finally {
    try {
      if (store) await store.close();
      if (facts) writeStatusSnapshot(data, facts);
    } finally {
      lock.release();
    }
  }
}

/**
 * Forwards to the running till when there is one, else runs locally. `opts.withoutStore` may answer
 * first, with the lock held, without opening the store (null: open it).
 */
export async function viaTill<T>(data: string, command: string, forward: (lock: LockInfo) => Promise<T>, local: (svc: TillService) => Promise<T>, opts: { checkHealth?: boolean; withoutStore?: () => Promise<T | null> } = {}): Promise<T> {
  // Never create a store in a mistyped folder: only `till init` creates one.
  if (!existsSync(join(data, 'store', 'till.kv'))) {
    throw new TillsyncError('not-initialised', `no till in ${data}`, { hint: 'check --data, or run tillsync till init --data DIR --store S1 --till 01 first' });
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    const running = runningTill(data);
    if (running) return forward(running);
    let lock: TillLock;
    try {
      lock = await acquireLock(data, command, { waitMs: 250 });
    } catch (e) {
      // Another command is finishing, or `till start` is opening the store and will soon listen.
      if (e instanceof TillsyncError && e.code === 'store-busy' && Date.now() < deadline) continue;
      throw e;
    }
    const answer = await opts.withoutStore?.().catch((e: unknown) => {
      lock.release();
      throw e;
    });
    if (answer !== undefined && answer !== null) {
      lock.release();
      return answer;
    }
    return withOwnStore(data, command, local, { checkHealth: opts.checkHealth, lock });
  }
}

export { forwardToTill };
