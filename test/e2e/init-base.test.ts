/**
 * `init` loads demo data only when asked: a real shop's till and server start empty (their base
 * data comes from the server, a base file or `--base`), `--demo-base` is for trying by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-harness.ts';

const root = mkdtempSync(join(tmpdir(), 'tillsync-init-base-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T = { timeoutMs: 90_000 };

describe('init and base data', () => {
  it('server and till start empty without --base; --demo-base loads the demo store', async () => {
    const empty = await runCli(['--json', 'server', 'init', '--data', join(root, 'server-empty')], T);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.json.baseRowsChanged).toBe(0);
    const demo = await runCli(['--json', 'server', 'init', '--data', join(root, 'server-demo'), '--demo-base'], T);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.json.baseRowsChanged).toBeGreaterThan(300);

    const till = await runCli(['--json', 'till', 'init', '--data', join(root, 'till-empty'), '--store', 'S1', '--till', '01'], T);
    expect(till.code, till.stderr).toBe(0);
    expect(till.json.baseItems).toBe(0);
    const tillDemo = await runCli(['--json', 'till', 'init', '--data', join(root, 'till-demo'), '--store', 'S1', '--till', '02', '--demo-base', '--articles', '12'], T);
    expect(tillDemo.code, tillDemo.stderr).toBe(0);
    expect(tillDemo.json.baseItems).toBe(12 + 6 + 6 + 4 + 1);
  });
});
