/**
 * The till commands as a user runs them: real `tillsync` child processes on a disk store — init,
 * sell on stdin, a refused sale, status, close, extract, send — and, while `till start` holds the
 * store, the same commands forwarded to its local API; then a stale lock left by SIGKILL.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, lineMatching, startCli } from '../support/cli-harness.ts';
import { readLock } from '../../client/lock.ts';

const root = mkdtempSync(join(tmpdir(), 'tillsync-till-cli-'));
const data = join(root, 'till');
const out = join(root, 'out');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T = { timeoutMs: 90_000 };
const SALE = JSON.stringify({ customer: 'C0000001', lines: [{ article: 'A000001', qty: 2 }, { article: '3760000000024', qty: 1, unitPrice: '10.00' }], payments: [{ mode: 'CB', amount: '200.00' }, { mode: 'ESP', amount: '61.20' }] });

describe('till commands', () => {
  it('init, sell, refuse, status, close, extract, send — one-shot, then forwarded to till start', async () => {
    const typo = join(root, 'tlil');
    const none = await runCli(['till', 'status', '--data', typo], T);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`tillsync: no till in ${typo} (check --data, or run tillsync till init --data DIR --store S1 --till 01 first)\n`);
    expect(existsSync(typo)).toBe(false);

    const init = await runCli(['--json', 'till', 'init', '--data', data, '--store', 'S1', '--till', '01', '--articles', '40'], T);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json).toMatchObject({ store: 'S1', till: '01', server: null, created: true, baseItems: 40 + 6 + 6 + 4 + 1 });
    expect(init.json.secret).toMatch(/^[\w-]{20,}$/);

    const sold = await runCli(['--json', 'till', 'sell', '--data', data], { ...T, input: SALE });
    expect(sold.code, sold.stderr).toBe(0);
    expect(sold.json).toMatchObject({ id: 'S1-01-00000001', number: 1, customer: 'C0000001', degraded: false, packagedIn: null });
    expect(sold.json.totals.due).toBe('261.20');

    const refused = await runCli(['till', 'sell', '--data', data], { ...T, input: JSON.stringify({ lines: [{ article: 'ZZZ', qty: 1 }], payments: [{ mode: 'ESP', amount: '1.00' }] }) });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('tillsync: line 1: unknown article "ZZZ" (no article has this code or barcode) (check the code, or apply the latest base data)\n');

    const status = await runCli(['--json', 'till', 'status', '--data', data], T);
    expect(status.json).toMatchObject({ lastNumber: 1, mode: 'standalone', counts: { total: 1, untransferred: 1, packaged: 0 } });

    const z = await runCli(['--json', 'till', 'close', '--data', data], T);
    expect(z.json).toMatchObject({ id: 'S1-01-Z000001', ticketCount: 1, total: '261.20', grandTotal: '261.20' });

    const x = await runCli(['--json', 'till', 'extract', '--data', data, '--kind', 'untransferred', '--out', out], T);
    expect(x.code, x.stderr).toBe(0);
    expect(x.json.count).toBe(1);
    expect(readdirSync(out)).toEqual([x.json.fileName]);

    const drop = join(root, 'drop');
    mkdirSync(drop);
    const sent = await runCli(['till', 'send', x.json.path, '--data', data, '--lan', drop], T);
    expect(sent.code, sent.stderr).toBe(0);
    expect(readFileSync(join(drop, x.json.fileName)).equals(readFileSync(x.json.path))).toBe(true);

    // till start holds the store: the other commands go through its API.
    const till = await startCli(['--json', 'till', 'start', '--data', data, '--port', '0'], lineMatching(/"ready":true[^\n]*\n/), { timeoutMs: 90_000 });
    try {
      expect(readLock(data)).toMatchObject({ pid: till.child.pid, command: 'till start' });
      const viaApi = await runCli(['--json', 'till', 'sell', '--data', data], { ...T, input: SALE });
      expect(viaApi.code, viaApi.stderr).toBe(0);
      expect(viaApi.json.number).toBe(2);
      const nothing = await runCli(['till', 'extract', '--data', data, '--kind', 'degraded', '--out', out], T);
      expect(nothing.code).toBe(0);
      expect(nothing.stdout).toMatch(/^nothing to extract: no degraded tickets/);
      expect(readdirSync(out)).toHaveLength(1);
      const forwardedRefusal = await runCli(['till', 'sell', '--data', data], { ...T, input: '{"lines":[{"article":"A000001","qty":-1}],"payments":[{"mode":"ESP","amount":"-125.60"}]}' });
      expect(forwardedRefusal.code).toBe(1);
      expect(forwardedRefusal.stderr).toBe('tillsync: line 1: negative quantity -1 for A000001 without the return flag (mark returned articles with "return": true)\n');
    } finally {
      await till.kill();
    }

    // SIGKILL left a stale lock: the next command takes it over.
    expect(readLock(data)?.pid).toBe(till.child.pid);
    const after = await runCli(['--json', 'till', 'status', '--data', data], T);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json).toMatchObject({ lastNumber: 2, counts: { total: 2, packaged: 1, untransferred: 2 } });
    expect(existsSync(join(data, 'till.lock'))).toBe(false);
  }, 240_000);
});
