/**
 * A lock between processes of one machine as a file holding its owner's pid, created exclusively.
 * A lock whose owner is dead (SIGKILL, power cut) is taken over, so a killed run never blocks the
 * next one. Used where no database lock fits: SQLite exports, the Exact Online token refresh.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLockOptions {
  /** How long to wait for a live owner before giving up. */
  waitMs: number;
  /** Between two attempts. */
  pollMs: number;
  /** The error to throw when the wait is over (the owner's pid, NaN if unreadable). */
  busy: (owner: number) => Error;
}

export async function withPidLockFile<T>(path: string, o: PidLockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + o.waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // removed meanwhile: try again at once
      }
      if (Number.isFinite(owner) && owner > 0 && !processAlive(owner)) {
        try {
          unlinkSync(path);
        } catch {
          /* another process took it over first */
        }
        continue;
      }
      if (Date.now() > deadline) throw o.busy(owner);
      await new Promise((r) => setTimeout(r, o.pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}
