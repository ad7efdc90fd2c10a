import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatusFacts } from '../till-status.ts';
import { noteContactInSnapshot, readStatusSnapshot, statusSnapshotPath, storeFingerprint, takeStatusSnapshot, writeStatusSnapshot } from './status-snapshot.ts';

const root = mkdtempSync(join(tmpdir(), 'tillsync-status-snapshot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FACTS: StatusFacts = {
  identity: { store: 'S1', till: '01', serverUrl: null, serverFingerprint: null, insecureHttp: false },
  lastNumber: 3,
  lastHash: 'ab'.repeat(32),
  counts: { total: 3, degraded: 1, untransferred: 2, packaged: 1, acknowledged: 1, documents: 0 },
  lastServerContact: '2026-12-05T10:00:00.000Z',
  lastClosure: null,
  openTickets: 3,
  fiscal: { lastMonth: null, lastYear: null, journalEvents: 5, training: false, pendingClosure: null },
  customers: 6,
};

/** A till folder whose store file is a plain file: the snapshot only looks at its metadata. */
function tillFolder(name: string): string {
  const data = join(root, name);
  mkdirSync(join(data, 'store'), { recursive: true });
  writeFileSync(join(data, 'store', 'till.kv'), 'x'.repeat(4096));
  return data;
}

describe('status snapshot', () => {
  it('gives the facts back while the store files are unchanged, and nothing once one changes', () => {
    const data = tillFolder('unchanged');
    expect(readStatusSnapshot(data)).toBeNull();
    writeStatusSnapshot(data, FACTS);
    expect(readStatusSnapshot(data)).toEqual(FACTS);
    expect(readStatusSnapshot(data)).toEqual(FACTS);

    appendFileSync(join(data, 'store', 'till.kv'), 'y');
    expect(readStatusSnapshot(data)).toBeNull();

    // A write-ahead log beside the store: a writer is (or was, before a crash) at work.
    writeStatusSnapshot(data, FACTS);
    writeFileSync(join(data, 'store', 'till.kv-wal'), '');
    expect(readStatusSnapshot(data)).toBeNull();
  });

  it('the fingerprint names every store file, absent ones included', () => {
    const data = tillFolder('fingerprint');
    const fp = storeFingerprint(data);
    expect(fp).toMatch(/^till\.kv:\d+:4096:\d+:\d+ till\.kv-wal:- till\.kv-shm:- till\.kv-journal:-$/);
    expect(storeFingerprint(data)).toBe(fp);
  });

  it('refuses a snapshot of another version, an unreadable one, and one with a closure left unfinished', () => {
    const data = tillFolder('refused');
    writeStatusSnapshot(data, FACTS);
    const file = JSON.parse(readFileSync(statusSnapshotPath(data), 'utf8'));
    writeFileSync(statusSnapshotPath(data), JSON.stringify({ ...file, version: 2 }));
    expect(readStatusSnapshot(data)).toBeNull();
    writeFileSync(statusSnapshotPath(data), '{"version":1,');
    expect(readStatusSnapshot(data)).toBeNull();
    writeStatusSnapshot(data, { ...FACTS, fiscal: { ...FACTS.fiscal, pendingClosure: 'month 2026-11' } });
    expect(readStatusSnapshot(data)).toBeNull();
  });

  it('keeps a server contact seen without the store, and hands it over when the store opens', () => {
    const data = tillFolder('contact');
    writeStatusSnapshot(data, FACTS);
    noteContactInSnapshot(data, new Date('2026-12-05T11:00:00.000Z'));
    expect(readStatusSnapshot(data)?.lastServerContact).toBe('2026-12-05T11:00:00.000Z');
    expect(takeStatusSnapshot(data)).toEqual({ lastServerContact: '2026-12-05T11:00:00.000Z' });
    expect(existsSync(statusSnapshotPath(data))).toBe(false);
    expect(takeStatusSnapshot(data)).toBeNull();
    // No snapshot to note a contact in: nothing is made up.
    noteContactInSnapshot(data, new Date());
    expect(existsSync(statusSnapshotPath(data))).toBe(false);
  });
});
