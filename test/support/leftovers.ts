/**
 * A vitest setup file: after each test file, names what the file left running in its worker —
 * servers, sockets, child processes. Workers run many files one after the other
 * (`isolate: false`), so a leftover from one file runs on beside the next ones: ports held,
 * connections to a database another file drops, timers that fire into someone else's test.
 *
 * A leftover fails the file, naming it. TILLSYNC_LEFTOVERS_LOG=<file> appends them there instead.
 */
import { afterAll, beforeAll } from 'vitest';
import { appendFileSync } from 'node:fs';
import { ChildProcess } from 'node:child_process';
import { Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Handles = { _getActiveHandles(): object[] };
const activeHandles = () => (process as unknown as Handles)._getActiveHandles();

function describeHandle(h: object): string | null {
  if (h instanceof ChildProcess) return `child process ${h.pid} (${h.spawnargs.slice(0, 4).join(' ')})`;
  if (h instanceof Server) {
    const a = h.address();
    return `server listening on ${typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : '?'}`;
  }
  if (h instanceof Socket) {
    // The worker's own stdio and its IPC channel to vitest are there before any file runs; a
    // child's stdio pipes are listed beside the child.
    if (h.remoteAddress) return `socket to ${h.remoteAddress}:${h.remotePort}`;
    const handle = (h as Socket & { _handle?: { fd?: number } })._handle;
    // process.stdin/stdout/stderr: made on first use, by whichever file uses them first.
    if (handle?.fd !== undefined && handle.fd >= 0 && handle.fd <= 2) return null;
    const kind = handle?.constructor?.name ?? 'closed';
    return `socket (${kind}${h.localPort ? ` on port ${h.localPort}` : ''}${h.destroyed ? ', destroyed' : ''})`;
  }
  return h.constructor?.name ?? 'handle';
}

let before = new Set<object>();
let file = '';

beforeAll((suite) => {
  file = (suite as { filepath?: string }).filepath ?? suite.name;
  before = new Set(activeHandles());
});

afterAll(async () => {
  let left: string[] = [];
  // Closing is asynchronous (a server's close, a child's exit event): give it a moment.
  for (let i = 0; i < 40; i++) {
    left = activeHandles()
      .filter((h) => !before.has(h))
      .map(describeHandle)
      .filter((d): d is string => d !== null);
    if (!left.length) return;
    await sleep(50);
  }
  const line = `${file}: left running ${left.join('; ')}`;
  if (process.env.TILLSYNC_LEFTOVERS_LOG) appendFileSync(process.env.TILLSYNC_LEFTOVERS_LOG, `${line}\n`);
  else throw new Error(`${line} — close what the file starts (afterAll/afterEach)`);
});
