/**
 * What the store benches share: a scratch PostgreSQL database per run, and a child process that
 * runs the timed part alone (so its peak memory and CPU are its own) and prints one JSON line.
 */
import { fork } from 'node:child_process';
import pg from 'pg';

export async function scratchPgDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: async () => {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name}`);
      await a.end();
    },
  };
}

/** Runs `script` under tsx and resolves with the last line it printed, parsed as JSON. */
export function runJsonChild<T>(script: string, args: string[], what: string, extraExecArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = fork(script, args, { execArgv: ['--import', 'tsx', ...extraExecArgv], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (b) => (out += b));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(e);
      }
    });
  });
}
