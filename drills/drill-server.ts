/**
 * A store server for a drill: `server init` as a child process (demo base data, inbox folders,
 * DATA/server.json), tills enrolled with the intake's own `enrollTill`, and `server start` as a
 * child process on loopback when a drill needs the running server.
 */
import { join } from 'node:path';
import { openDatabase, type Db } from '../server/db/database.ts';
import { enrollTill } from '../server/intake/till-registry.ts';
import { tillCode } from '../fixtures/volume.ts';
import { DRILL_STORE } from './drill-tickets.ts';
import { runTillsync, startTillsync, type Started } from '../cli/spawn-tillsync.ts';
import { freePort } from '../sync/free-port.ts';
import { generateTillKeyPair } from '../sync/till-keys.ts';
import type { PackageSigner } from '../sync/package-writer.ts';
export { freePort };

export interface DrillServer {
  data: string;
  /** postgres://… or undefined for SQLite under data. */
  db?: string;
  inbox: string;
  store: string;
  /** till code → auth secret */
  secrets: Map<string, string>;
  /** till code → the signing key the drill signs that till's packages with (registered at enrolment). */
  signers: Map<string, PackageSigner>;
}

export async function initDrillServer(data: string, opts: { tills: number; db?: string; store?: string }): Promise<DrillServer> {
  const store = opts.store ?? DRILL_STORE;
  const r = await runTillsync(['server', 'init', '--demo-base', '--data', data, '--store', store, ...(opts.db ? ['--db', opts.db] : []), '--json'], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`server init failed: ${r.stderr.trim() || r.stdout.trim()}`);
  const secrets = new Map<string, string>();
  const signers = new Map<string, PackageSigner>();
  await withDrillDb({ data, db: opts.db }, async (db) => {
    for (let t = 1; t <= opts.tills; t++) {
      const till = tillCode(t);
      const key = generateTillKeyPair();
      const secret = (await enrollTill(db, { data, store, till, publicKeyPem: key.publicKeyPem })).secret;
      secrets.set(till, secret);
      signers.set(till, { key, authSecret: secret });
    }
  });
  return { data, db: opts.db, inbox: r.json?.inbox ?? join(data, 'inbox'), store, secrets, signers };
}

/** Opens the server database for read-only checks (or enrolment), and always closes it. */
export async function withDrillDb<T>(s: { data: string; db?: string }, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase({ data: s.data, url: s.db, migrate: false });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export interface RunningDrillServer {
  proc: Started;
  url: string;
  port: number;
  smtpPort: number | null;
  mailTo: string | null;
}

export async function startDrillServer(s: DrillServer, opts: { port?: number; smtp?: boolean; mailTo?: string } = {}): Promise<RunningDrillServer> {
  const smtpPort = opts.smtp ? await freePort() : null;
  const mailTo = opts.smtp ? (opts.mailTo ?? 'tickets@drill.example') : null;
  const args = ['server', 'start', '--data', s.data, '--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--json'];
  if (smtpPort) args.push('--smtp-port', String(smtpPort), '--mail-to', mailTo!);
  const proc = await startTillsync(args, /"listening"[^\n]*\n/, { timeoutMs: 60_000 });
  const line = proc.output().split('\n').find((l) => l.includes('"listening"'))!;
  const listening = JSON.parse(line).listening;
  return { proc, url: listening.url, port: listening.port, smtpPort, mailTo };
}
