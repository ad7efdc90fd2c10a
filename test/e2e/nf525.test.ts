/**
 * The cash-register law end to end, as a user and an auditor run it: real `tillsync` processes on a
 * disk store. A till killed (SIGKILL, through the documented crash point, TILLSYNC_CRASH_AT)
 * in the middle of its monthly closure finishes that same closure, once, when it next opens; the
 * archive it writes passes `tillsync audit verify`, and fails it once one byte is changed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-harness.ts';

const root = mkdtempSync(join(tmpdir(), 'tillsync-nf525-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T = { timeoutMs: 90_000 };
const month = () => new Date().toISOString().slice(0, 7);

async function tillWithDay(name: string): Promise<string> {
  const data = join(root, name);
  expect((await runCli(['till', 'init', '--data', data, '--store', 'S1', '--till', '01', '--articles', '10'], T)).code).toBe(0);
  const a = await runCli(['--json', 'till', 'sell', '--data', data], { ...T, input: JSON.stringify({ lines: [{ article: 'A000001', qty: 1 }], payments: [{ mode: 'ESP', amount: '125.60' }] }) });
  expect(a.code, a.stderr).toBe(0);
  expect((await runCli(['till', 'close', '--data', data], T)).code).toBe(0);
  return data;
}

describe('NF525 on a real till process', () => {
  for (const point of ['after-intent', 'after-store'] as const) {
    it(`a till killed during its monthly closure (${point}) finishes that closure, once, on restart`, async () => {
      const data = await tillWithDay(`kill-${point}`);
      const killed = await runCli(['till', 'close', '--period', 'month', '--data', data], { ...T, env: { TILLSYNC_CRASH_AT: `closure:${point}` } });
      expect(killed.signal).toBe('SIGKILL');

      const status = await runCli(['--json', 'till', 'status', '--data', data], T);
      expect(status.code, status.stderr).toBe(0);
      expect(status.json.fiscal).toMatchObject({ lastMonth: { id: 'S1-01-M000001', period: month() }, pendingClosure: null });
      const journal = await runCli(['--json', 'till', 'journal', '--data', data, '--limit', '100'], T);
      const closures = journal.json.events.filter((e: any) => e.type === 'closure' && e.data.kind === 'month');
      expect(closures).toHaveLength(1);

      const again = await runCli(['till', 'close', '--period', 'month', '--month', month(), '--data', data], T);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`tillsync: month ${month()} is already closed by S1-01-M000001 (a period is closed once; look at it with tillsync till status)\n`);
    }, 300_000);
  }

  it('archive → audit verify accepts it (no secret); one changed byte → refused with exit 1', async () => {
    const data = await tillWithDay('audit');
    expect((await runCli(['till', 'close', '--period', 'month', '--data', data], T)).code).toBe(0);
    const reprint = await runCli(['till', 'receipt', '1', '--reprint', '--data', data], T);
    expect(reprint.stdout).toContain('*** DUPLICATA n° 1 ***');
    const arch = await runCli(['--json', 'till', 'archive', '--data', data, '--out', join(root, 'archives')], T);
    expect(arch.code, arch.stderr).toBe(0);
    const ok = await runCli(['--json', 'audit', 'verify', arch.json.path], T);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, origin: 'S1-01', counts: { tickets: 1, closures: { day: 1, month: 1, year: 0 } }, findings: [] });
    const human = await runCli(['audit', 'verify', arch.json.path], T);
    expect(human.stdout).toMatch(/^ACCEPTED /);

    const bytes = readFileSync(arch.json.path);
    bytes[Math.floor(bytes.length / 2)] ^= 0x04;
    const bad = join(root, 'archives', 'altered.zip');
    writeFileSync(bad, bytes);
    const refused = await runCli(['--json', 'audit', 'verify', bad], T);
    expect(refused.code).toBe(1);
    expect(refused.json.ok).toBe(false);
    expect(refused.json.findings.length).toBeGreaterThan(0);
  }, 300_000);
});
