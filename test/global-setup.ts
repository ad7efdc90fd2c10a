/**
 * Starts a throwaway PostgreSQL cluster on loopback for the store suites, so that every suite
 * that says "SQLite and PostgreSQL" really runs on both. Debian's `postgresql` package must be
 * installed (.ci/run does it); set TILLSYNC_TEST_NO_PG=1 to run SQLite only, knowingly.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

let stop: (() => void) | null = null;

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TILLSYNC_TEST_NO_PG === '1') {
    project.provide('pgUrl', '');
    return () => {};
  }
  if (process.env.TILLSYNC_TEST_PG) {
    project.provide('pgUrl', process.env.TILLSYNC_TEST_PG);
    return () => {};
  }
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or set TILLSYNC_TEST_NO_PG=1 to test SQLite only)');
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-pg-'));
  chmodSync(dir, 0o777);
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  // fsync off: a throwaway cluster for tests; durability of the product is tested on SQLite files and by restarts.
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`, 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  process.env.TILLSYNC_TEST_PG = url;
  project.provide('pgUrl', url);
  stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return () => stop?.();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
