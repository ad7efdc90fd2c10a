/**
 * `till status` answered from the status snapshot (client/store/status-snapshot.ts), as a user runs
 * it: real `tillsync` processes on a disk store. The snapshot answers exactly what the store
 * answers, never once the store changed (a sale, a copy of the store file put back behind its
 * back), and the server's health is checked fresh each time, bounded, with the reason it failed.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLine, runCli, startCli } from '../support/cli-harness.ts';

const root = mkdtempSync(join(tmpdir(), 'tillsync-status-snapshot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T = { timeoutMs: 90_000 };
const SALE = JSON.stringify({ lines: [{ article: 'A000001', qty: 1 }], payments: [{ mode: 'ESP', amount: '125.60' }] });

async function ok(args: string[], input?: string): Promise<any> {
  const r = await runCli(['--json', ...args], { ...T, input });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.json;
}

const snapshotFile = (data: string) => join(data, 'store', 'status.json');
const storeFile = (data: string) => join(data, 'store', 'till.kv');
/** Everything about the store file a reader could notice (opening the store writes to it). */
const storeStat = (data: string) => {
  const s = statSync(storeFile(data), { bigint: true });
  return `${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs}`;
};

describe('till status from the snapshot', () => {
  it('answers as the store does, without opening it, and never once the store changed', async () => {
    const data = join(root, 'standalone');
    const { secret } = await ok(['till', 'init', '--data', data, '--store', 'S1', '--till', '01', '--articles', '20']);

    // First status opens the store and leaves a snapshot behind (without the till's auth secret).
    const fromStore = await ok(['till', 'status', '--data', data]);
    const snapshot = readFileSync(snapshotFile(data), 'utf8');
    expect(secret).toMatch(/^[\w-]{20,}$/);
    expect(snapshot).not.toContain(secret);
    const before = storeStat(data);

    // Second status: the same answer, the store file untouched and the snapshot not rewritten.
    const fromSnapshot = await ok(['till', 'status', '--data', data]);
    expect(fromSnapshot).toEqual(fromStore);
    expect(storeStat(data)).toBe(before);
    expect(readFileSync(snapshotFile(data), 'utf8')).toBe(snapshot);
    const text = await runCli(['till', 'status', '--data', data], T);
    expect(text.stdout).toMatch(/^Till S1-01 {2}no server configured \(standalone\)\n {2}last ticket 0 /);

    // A sale changes the store: status shows it.
    await ok(['till', 'sell', '--data', data], SALE);
    const one = await ok(['till', 'status', '--data', data]);
    expect(one).toMatchObject({ lastNumber: 1, openTickets: 1, counts: { total: 1, untransferred: 1 } });
    expect(await ok(['till', 'status', '--data', data])).toEqual(one);

    // A copy of the store taken now, put back later with its old modification time.
    const backup = join(root, 'till.kv.backup');
    copyFileSync(storeFile(data), backup);
    const taken = statSync(storeFile(data));
    await ok(['till', 'sell', '--data', data], SALE);
    const two = await ok(['till', 'status', '--data', data]);
    expect(two).toMatchObject({ lastNumber: 2, counts: { total: 2 } });
    expect(await ok(['till', 'status', '--data', data])).toEqual(two);
    copyFileSync(backup, storeFile(data));
    utimesSync(storeFile(data), taken.atime, taken.mtime);
    // The snapshot says 2 tickets; the store holds 1: the store wins.
    const restored = await ok(['till', 'status', '--data', data]);
    expect(restored).toMatchObject({ lastNumber: 1, counts: { total: 1 } });
    expect(restored.lastHash).toBe(one.lastHash);
  }, 240_000);

  it('checks the server fresh each time: online (contact recorded), refused, and a server that never answers is given up after 0.8 s', async () => {
    const server = join(root, 'server');
    const data = join(root, 'online');
    await ok(['server', 'init', '--demo-base', '--data', server]);
    const { secret } = await ok(['server', 'enroll-till', '--data', server, '--till', '01']);
    const s = await startCli(['server', 'start', '--data', server, '--port', '0', '--host', '127.0.0.1'], jsonLine((j) => Boolean(j.listening)), { json: true, timeoutMs: 90_000 });
    let silent: Server | null = null;
    const held: Socket[] = [];
    try {
      const url: string = s.ready.listening.url;
      await ok(['till', 'init', '--demo-base', '--data', data, '--store', 'S1', '--till', '01', '--server', url, '--secret', secret]);
      await ok(['till', 'sell', '--data', data], SALE);
      const first = await ok(['till', 'status', '--data', data]);
      expect(first).toMatchObject({ mode: 'online', serverOnline: true, transport: 'http-loopback', lastNumber: 1 });
      expect(first.serverUnreachable).toBeUndefined();
      // Each status shows the contact recorded before its own check, as when it opens the store.
      const second = await ok(['till', 'status', '--data', data]);
      expect(second).toMatchObject({ mode: 'online', serverOnline: true, lastNumber: 1 });
      expect(Date.parse(second.lastServerContact)).toBeGreaterThan(Date.parse(first.lastServerContact ?? '1970-01-01'));
      const third = await ok(['till', 'status', '--data', data]);
      expect(Date.parse(third.lastServerContact)).toBeGreaterThan(Date.parse(second.lastServerContact));
      // A command that opens the store without checking the server keeps the contact the last
      // status saw (it was only in the snapshot).
      await ok(['till', 'tickets', '--data', data]);
      await s.stop();

      // Server stopped: nothing listens on its port any more.
      const refused = await runCli(['till', 'status', '--data', data], T);
      expect(refused.code, refused.stderr).toBe(0);
      expect(refused.stdout.split('\n')[0]).toBe(`Till S1-01  server ${url}: AWAY (unreachable: connection refused), selling in degraded mode`);
      const refusedJson = await ok(['till', 'status', '--data', data]);
      expect(refusedJson).toMatchObject({ mode: 'degraded', serverOnline: false, serverUnreachable: 'connection refused', lastNumber: 1 });
      expect(Date.parse(refusedJson.lastServerContact)).toBeGreaterThan(Date.parse(third.lastServerContact));

      // A peer that accepts the connection and never answers (as a black-holed address never
      // answers the connection): status gives up after the health check's 0.8 s.
      silent = createServer((sock) => void held.push(sock));
      await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
      const port = (silent.address() as { port: number }).port;
      await ok(['till', 'init', '--data', data, '--store', 'S1', '--till', '01', '--server', `http://127.0.0.1:${port}`, '--secret', secret]);
      for (let i = 0; i < 2; i++) {
        const t0 = Date.now();
        const away = await ok(['till', 'status', '--data', data]);
        const ms = Date.now() - t0;
        expect(away).toMatchObject({ mode: 'degraded', serverOnline: false, serverUnreachable: 'no answer in 0.8 s', lastNumber: 1 });
        // Bounded: the connection is held open forever, status is not (generous for a loaded machine).
        expect(ms).toBeLessThan(15_000);
      }
      expect(held.length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const sock of held) sock.destroy();
      silent?.close();
      await s.stop();
    }
  }, 240_000);
});
