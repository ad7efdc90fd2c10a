import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderText } from './bench-report.ts';
import { benchTill } from './bench-till.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-till-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The bench at toy sizes: it runs end to end and reports every figure with its floor. Speed
// targets are judged by `tillsync bench till` at full size, never here.
describe('benchTill', () => {
  it('sells, looks up, extracts and reports each figure beside its raw floor', async () => {
    const f = await benchTill({ articles: 300, sales: 30, extract: 120, dir: join(dir, 'b') });
    expect(f.params).toEqual({ articles: 300, sales: 30, extract: 120 });
    const byName = new Map(f.figures.map((x) => [x.name, x]));
    for (const name of ['durable sale latency p99 (300 articles)', 'barcode lookup p99', 'extraction of 120 tickets', 'package size / raw JSON']) {
      const fig = byName.get(name)!;
      expect(fig, name).toBeDefined();
      expect(fig.floor, name).toBeGreaterThan(0);
      expect(fig.target, name).toBeTruthy();
      expect(typeof fig.met).toBe('boolean');
    }
    expect(f.raw.sale.p50).toBeGreaterThan(0);
    expect(f.raw.sale.p99).toBeGreaterThanOrEqual(f.raw.sale.p50);
    expect(f.raw.zipBytes).toBeLessThan(f.raw.rawJsonBytes);
    expect(renderText(f)).toContain('Till station (articles=300, sales=30, extract=120)');
  });
});
