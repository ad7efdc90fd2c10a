import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiskFullDrill } from '../../drills/drill-disk-full.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: disk full during an extraction (tmpfs, needs root)', () => {
  it('one clear error, no half-written package, tickets not marked packaged, a later extraction takes them all', async () => {
    const report = await runDiskFullDrill({ dir, seed: 4, sales: 40 });
    expect(report.error).toMatch(/^tillsync: cannot write .*TicDep01_\d{8}\.zip: disk full \(free space on .* and extract again\)$/);
    // The package really did not fit: the write failed half-way, not up front.
    expect(report.packageBytes).toBeGreaterThan(report.freeBytes);
    expect(report.freeBytes).toBeGreaterThan(0);
    expect(report.extractedAfterwards).toBe(40);
  }, 180_000);
});
