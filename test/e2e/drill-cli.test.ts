/** `tillsync drill` as an operator runs it: JSON report, one-line errors with the replay command. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tillsync drill', () => {
  it('runs a kill round and reports it as JSON, keeping the folder with --keep', async () => {
    const keep = join(dir, 'kept');
    const r = await runCli(['drill', '--rounds', '1', '--phases', 'intake', '--tickets', '5', '--tills', '1', '--seed', '3', '--keep', keep, '--json'], { timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.kill.rounds).toHaveLength(1);
    expect(r.json.kill.rounds[0]).toMatchObject({ round: 1, phase: 'intake' });
    expect(['before', 'during', 'after']).toContain(r.json.kill.rounds[0].hit);
    expect(r.json.kill.tickets).toBe(10);
    expect(r.json.dir).toBe(keep);
  }, 300_000);

  it('refuses bad options in one line', async () => {
    const r = await runCli(['drill', '--rounds', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tillsync: --rounds 0 is not a whole number ≥ 1 \(e\.g\. --rounds 10\)/);
  });

  it('a drill that cannot run fails in one line with the replay command', async () => {
    const r = await runCli(['drill', '--rounds', '2', '--seed', '42', '--db', 'postgres://nobody@127.0.0.1:1/none', '--keep', join(dir, 'bad')], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tillsync: .*server init failed.*\(replay: tillsync drill --seed 42 --rounds 2 .*; files kept in .*bad\)$/);
  }, 120_000);
});
