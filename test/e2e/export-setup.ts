/**
 * Shared set-up of the export end-to-end tests: a store server data folder (server.json, base
 * data, accounting mapping) on a fresh SQLite or PostgreSQL database, with the seeds' sample
 * ledger posted.
 */
import { runCli } from '../support/cli-harness.ts';
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


export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process. */
export async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { timeoutMs: 180_000 });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
}
