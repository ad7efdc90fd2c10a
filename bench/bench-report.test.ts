/**
 * BENCHMARKS.md is the one place with figures: a bench run rewrites its own sections and carries the
 * hand-kept section (figures measured by other means) over from the file it replaces.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEPT_SECTION_HEADING, writeBenchmarks, type BenchSection } from './bench-report.ts';

const section: BenchSection = { title: 'Till station', params: { sales: 10 }, figures: [{ name: 'durable sale latency p99', value: 4.5, unit: 'ms', floor: 1.5 }] };

describe('writeBenchmarks', () => {
  it('replaces the sections it measured, keeps the others and the hand-kept section of the previous file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bench-report-')), 'BENCHMARKS.md');
    writeFileSync(path, `# Benchmarks\n\n## Other bench\n\n| posting | 1 ms |\n\n## Till station\n\n| stale | 9 ms |\n\n${KEPT_SECTION_HEADING}\n\n| register page | p50 68 ms |\n`);
    writeBenchmarks(path, [section]);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('## Other bench\n\n| posting | 1 ms |');
    expect(text).not.toContain('stale');
    expect(text.indexOf('## Other bench')).toBeLessThan(text.indexOf('## Till station'));
    expect(text).toMatch(/## Till station\n\nMeasured on \d{4}-\d{2}-\d{2} — /);
    expect(text).toContain('| durable sale latency p99 | 4.5');
    expect(text.endsWith(`${KEPT_SECTION_HEADING}\n\n| register page | p50 68 ms |\n`)).toBe(true);
    writeBenchmarks(path, [section]); // a second run keeps it once, not twice
    expect(readFileSync(path, 'utf8').split(KEPT_SECTION_HEADING).length).toBe(2);
  });

  it('writes only the bench sections when there is no previous file or no kept section', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bench-report-')), 'BENCHMARKS.md');
    writeBenchmarks(path, [section]);
    expect(readFileSync(path, 'utf8')).not.toContain(KEPT_SECTION_HEADING);
  });
});
