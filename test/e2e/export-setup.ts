/**
 * Shared set-up of the export end-to-end tests: a store server data folder (server.json, base
 * data, accounting mapping) on a fresh SQLite or PostgreSQL database, with the seeds' sample
 * ledger posted.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { openTestDb, type TestDb } from '../support/test-databases.ts';
import type { DbKind } from '../../server/db/dialect.ts';
import { defaultConfig, writeServerConfig, type ServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { ensureMapping } from '../../server/accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { sampleLedger } from '../support/sample-ledger.ts';
import { insertLedger } from '../support/ledger-sql-fixture.ts';

export async function exportServer(engine: DbKind, extra: Partial<ServerConfig> = {}): Promise<TestDb> {
  const t = await openTestDb(engine);
  writeServerConfig(t.data, { ...defaultConfig(t.data), ...(t.url ? { db: t.url } : {}), ...extra });
  await saveBaseData(t.db, demoBaseData(5));
  ensureMapping(t.data);
  await insertLedger(t.db, sampleLedger());
  return t;
}

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tillsync.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process. */
export function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TILLSYNC_DEBUG: '' }, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
