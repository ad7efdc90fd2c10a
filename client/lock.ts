/**
 * One process per till store: `DATA/till.lock` holds the owner's pid (and, for `till start`, the
 * port of its local API so other till commands forward to it instead of opening the store twice).
 * A lock whose pid is dead (SIGKILL, power cut) is taken over.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';

export interface LockInfo {
  pid: number;
  /** Set by `till start` once its API listens. */
  port: number | null;
  host: string | null;
  command: string;
  startedAt: string;
  /** Not stored: the data folder the lock was read from (set by runningTill). */
  data?: string;
}

export function lockPath(dataDir: string): string {
  return join(resolve(dataDir), 'till.lock');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(dataDir: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/** The running `till start` of this data folder, if any. */
export function runningTill(dataDir: string): LockInfo | null {
  const l = readLock(dataDir);
  return l && l.pid !== process.pid && l.port && isAlive(l.pid) ? { ...l, data: resolve(dataDir) } : null;
}

export class TillLock {
  constructor(readonly dataDir: string, public info: LockInfo) {}

  update(patch: Partial<Pick<LockInfo, 'port' | 'host'>>): void {
    this.info = { ...this.info, ...patch };
    const path = lockPath(this.dataDir);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.info));
    renameSync(tmp, path);
  }

  release(): void {
    const cur = readLock(this.dataDir);
    if (cur && cur.pid === this.info.pid) {
      try {
        unlinkSync(lockPath(this.dataDir));
      } catch {
        // already gone
      }
    }
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock, waiting up to `waitMs` for another one-shot command to finish. Throws a clear
 * error when a live process keeps it.
 */
export async function acquireLock(dataDir: string, command: string, opts: { waitMs?: number } = {}): Promise<TillLock> {
  const path = lockPath(dataDir);
  mkdirSync(resolve(dataDir), { recursive: true });
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  const info: LockInfo = { pid: process.pid, port: null, host: null, command, startedAt: new Date().toISOString() };
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      // Two processes taking over one stale lock could both get here: the last writer wins, the other retries.
      const check = readLock(dataDir);
      if (check && check.pid === process.pid) return new TillLock(dataDir, info);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TillsyncError('lock-failed', `cannot create ${path}: ${(e as Error).message}`, { hint: 'check that the --data folder is writable' });
      }
    }
    const cur = readLock(dataDir);
    if (cur && cur.pid === process.pid) {
      throw new TillsyncError('store-open-here', `the till store in ${resolve(dataDir)} is already open in this process`, { hint: 'close it first' });
    }
    if (!cur && youngerThan(path, 2000)) {
      // Being written by its new owner right now.
      await sleep(20);
      continue;
    }
    if (!cur || !isAlive(cur.pid)) {
      // Stale (dead owner) or unreadable for a while (a writer died mid-write): take it over.
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new TillsyncError('store-busy', `the till store in ${resolve(dataDir)} is in use by ${cur.command} (pid ${cur.pid})`, {
        hint: cur.command === 'till start' ? 'wait until it has started, or stop it' : 'wait for it to finish, or stop that process',
        status: 409,
      });
    }
    await sleep(50);
  }
}
