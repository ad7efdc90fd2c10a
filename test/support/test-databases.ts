/**
 * For tests: one fresh database per call on each engine, so the same store suite runs on SQLite
 * and PostgreSQL (see test/global-setup.ts for the PostgreSQL cluster).
 *
 *   for (const engine of TEST_ENGINES) describe(engine, () => { ... await openTestDb(engine) ... })
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import type { DbKind } from '../../server/db/dialect.ts';

export function pgAdminUrl(): string {
  return inject('pgUrl') || process.env.TILLSYNC_TEST_PG || '';
}

export const TEST_ENGINES: DbKind[] = pgAdminUrl() ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDb {
  db: Db;
  kind: DbKind;
  /** Server data folder (always a fresh temp folder). */
  data: string;
  /** The --db URL to give a child process (undefined for SQLite: it lives under data). */
  url?: string;
  cleanup(): Promise<void>;
}

let counter = 0;

export async function createPgDatabase(): Promise<string> {
  const admin = pgAdminUrl();
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

export async function openTestDb(kind: DbKind): Promise<TestDb> {
  const data = mkdtempSync(join(tmpdir(), `tillsync-${kind}-`));
  const url = kind === 'postgres' ? await createPgDatabase() : undefined;
  const db = await openDatabase({ data, url });
  return {
    db,
    kind,
    data,
    url,
    async cleanup() {
      await db.destroy();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
