import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMarkdown, renderText } from './bench-report.ts';
import { benchStartup, startupSection, STARTUP_TARGET_MS } from './bench-startup.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The bench at one run per command: it spawns the real binary for each light command and reports
// each beside `node -e 0`. The 0.3 s target is judged by `tillsync bench startup`, never here.
describe('benchStartup', () => {
  it('times --help, till status and server status beside node -e 0, with the target', { timeout: 240_000 }, () => {
    const r = benchStartup({ runs: 1, dir });
    expect(r.runs).toBe(1);
    expect(r.path).toMatch(/^(dist|sources through tsx)/);
    expect(r.floorMs).toBeGreaterThan(0);
    expect(r.commands.map((c) => c.name)).toEqual(['tillsync --help', 'tillsync till status', 'tillsync server status']);
    for (const c of r.commands) {
      expect(c.samplesMs, c.name).toHaveLength(1);
      expect(c.medianMs, c.name).toBe(c.samplesMs[0]);
      // A real process of ours does more than Node starting and exiting.
      expect(c.medianMs, c.name).toBeGreaterThan(r.floorMs * 0.5);
    }
    expect(r.tillStatusOpeningMs).toBeGreaterThan(r.floorMs * 0.5);
    expect(r.load).toHaveLength(3);
    const s = startupSection(r);
    expect(s.figures).toHaveLength(5);
    expect(s.figures[4].name).toBe('tillsync till status after a change to the store (opens it)');
    expect(String(s.params['machine load'])).toMatch(/^load average \d+\.\d \/ /);
    for (const f of s.figures.slice(0, 3)) {
      expect(f.target).toBe(`≤ ${STARTUP_TARGET_MS} ms`);
      expect(f.met).toBe(f.value <= STARTUP_TARGET_MS);
      expect(f.floor).toBe(r.floorMs);
    }
    expect(renderText(s)).toContain('tillsync server status (median wall)');
    expect(renderMarkdown([s])).toContain('## Start-up: spawn to exit of light commands');
  });

  it('fails loudly when a command fails instead of timing an error', () => {
    // A file where the till folder's parent should be: till init fails, and so does the bench.
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, 'not a folder');
    expect(() => benchStartup({ runs: 1, dir: blocked })).toThrow(/^startup bench: node .*till init.* exited [1-9]/);
  });
});
