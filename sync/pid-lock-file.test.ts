/** The pid lock file: one owner at a time, a dead owner's lock taken over, a live one waited for then refused. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPidLockFile } from './pid-lock-file.ts';

const opts = { waitMs: 300, pollMs: 20, busy: (owner: number) => new Error(`busy: held by ${owner}`) };

describe('withPidLockFile', () => {
  it('holds the file with its pid while the work runs and removes it after, even when the work throws', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pidlock-')), 'x.lock');
    await withPidLockFile(path, opts, async () => expect(readFileSync(path, 'utf8')).toBe(String(process.pid)));
    expect(existsSync(path)).toBe(false);
    await expect(withPidLockFile(path, opts, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(path)).toBe(false);
  });

  it('takes over the lock of a dead process, and refuses after the wait while a live one holds it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pidlock-')), 'x.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path, dead.stdout);
    expect(await withPidLockFile(path, opts, async () => 'ran')).toBe('ran');

    writeFileSync(path, String(process.ppid)); // our parent is alive for the whole test
    await expect(withPidLockFile(path, opts, async () => 'ran')).rejects.toThrow(`busy: held by ${process.ppid}`);
    expect(readFileSync(path, 'utf8')).toBe(String(process.ppid));
  });

  it('runs callers one after the other', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pidlock-')), 'x.lock');
    const order: string[] = [];
    const run = (name: string) => withPidLockFile(path, { ...opts, waitMs: 5000 }, async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 50));
      order.push(`${name} out`);
    });
    await Promise.all([run('a'), run('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
  });
});
