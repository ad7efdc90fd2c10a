/**
 * The status snapshot: `DATA/store/status.json`, what `till status` last reported from the store
 * (StatusFacts), with a fingerprint of the store's files taken after the store was closed. A
 * one-shot `till status` answers from it without loading RxDB while the fingerprint still matches;
 * otherwise it opens the store as before (and writes a new snapshot when it closes it).
 *
 * Never stale, two ways: every TillStore.open of a folder deletes the snapshot before it touches
 * the store (takeStatusSnapshot), so only a process that closed the store cleanly after its last
 * write can leave one; and the fingerprint (inode, size, mtime and ctime in nanoseconds of the
 * store's SQLite file and of any -wal/-shm/-journal beside it) catches a change made any other way
 * (a restored copy, a tool writing the file directly). Any doubt — unreadable, another version,
 * another fingerprint, a closure left unfinished — means no snapshot.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StatusFacts } from '../till-status.ts';

const VERSION = 1;
const STORE_FILES = ['till.kv', 'till.kv-wal', 'till.kv-shm', 'till.kv-journal'];

interface SnapshotFile {
  version: number;
  /** storeFingerprint() right after the store closed. */
  fingerprint: string;
  writtenAt: string;
  facts: StatusFacts;
}

export function statusSnapshotPath(dataDir: string): string {
  return join(resolve(dataDir), 'store', 'status.json');
}

/** Identity and last change of the store's files; an absent file counts as `-`. */
export function storeFingerprint(dataDir: string): string {
  const dir = join(resolve(dataDir), 'store');
  return STORE_FILES.map((f) => {
    try {
      const s = statSync(join(dir, f), { bigint: true });
      return `${f}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `${f}:-`;
      throw e;
    }
  }).join(' ');
}

function readFile(dataDir: string): SnapshotFile | null {
  try {
    const s = JSON.parse(readFileSync(statusSnapshotPath(dataDir), 'utf8')) as SnapshotFile;
    return s && s.version === VERSION && typeof s.fingerprint === 'string' && s.facts && typeof s.facts === 'object' ? s : null;
  } catch {
    return null;
  }
}

function writeFile(dataDir: string, s: SnapshotFile): void {
  const path = statusSnapshotPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, path);
  } catch {
    // Best effort (a full or read-only disk): without a snapshot, status opens the store.
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
  }
}

/** The store's facts when the store is exactly as the snapshot saw it, else null. */
export function readStatusSnapshot(dataDir: string): StatusFacts | null {
  const s = readFile(dataDir);
  if (!s || s.fingerprint !== storeFingerprint(dataDir)) return null;
  // Finishing an interrupted closure needs the store.
  if (s.facts.fiscal?.pendingClosure) return null;
  return s.facts;
}

/** Called with the store closed and the till lock held, after a command that succeeded. */
export function writeStatusSnapshot(dataDir: string, facts: StatusFacts): void {
  writeFile(dataDir, { version: VERSION, fingerprint: storeFingerprint(dataDir), writtenAt: new Date().toISOString(), facts });
}

/**
 * A server contact seen by a status answered from the snapshot: kept in the snapshot (the store is
 * not opened for it) and carried into the store by its next opening (takeStatusSnapshot).
 */
export function noteContactInSnapshot(dataDir: string, at: Date): void {
  const s = readFile(dataDir);
  if (!s || s.fingerprint !== storeFingerprint(dataDir)) return;
  writeFile(dataDir, { ...s, facts: { ...s.facts, lastServerContact: at.toISOString() } });
}

/**
 * Called by TillStore.open before the store is touched: removes the snapshot (the store is about
 * to change) and returns the last server contact it held, for the store to keep.
 */
export function takeStatusSnapshot(dataDir: string): { lastServerContact: string | null } | null {
  const s = readFile(dataDir);
  try {
    unlinkSync(statusSnapshotPath(dataDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return s ? { lastServerContact: typeof s.facts.lastServerContact === 'string' ? s.facts.lastServerContact : null } : null;
}
