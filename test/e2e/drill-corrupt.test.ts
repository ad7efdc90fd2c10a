import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCorruptDrill } from '../../drills/drill-corrupt.ts';
import { CORRUPTIONS } from '../../drills/drill-corrupt-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: corrupt files mixed with good ones in the inbox of a running server', () => {
  it('takes every good package, quarantines every bad one with its reason', async () => {
    const report = await runCorruptDrill({ dir, seed: 9, tills: 2, ticketsPerTill: 20, packagesPerTill: 2 });
    expect(report.good).toBe(4);
    expect(report.tickets).toBe(40);
    expect(report.bad.map((b) => b.kind).sort()).toEqual([...CORRUPTIONS].sort());
    const reasons = Object.fromEntries(report.bad.map((b) => [b.kind, b.reason]));
    expect(reasons['zip-slip']).toBe('path-traversal');
    expect(reasons['re-signed']).toBe('signature');
    expect(reasons.truncated).toBe('zip-corrupt');
  }, 180_000);
});
