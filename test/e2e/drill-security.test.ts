/**
 * The security drill in the test suite: issue 13's attacks on a real `till start` and a real
 * `server start` on loopback (drills/drill-security.ts), every one of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECURITY_ATTACKS, runSecurityDrill } from '../../drills/drill-security.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: the attacks of issue 13 against a real till and server', () => {
  it('refuses each, logs it, stores nothing, and lets the good traffic beside it through', async () => {
    const attacks = [...SECURITY_ATTACKS];
    const lines: string[] = [];
    const report = await runSecurityDrill({ dir, seed: 1, attacks, log: (l) => lines.push(l) });
    expect(report.attacks.map((a) => a.attack)).toEqual(attacks);
    for (const a of report.attacks) {
      expect(a.passed, `${a.attack}: ${a.failure}`).toBe(true);
      expect(a.refused && a.logged && a.good).toBeTruthy();
    }
    expect(lines.filter((l) => l.includes(': refused — '))).toHaveLength(attacks.length);
  }, 300_000);
});
