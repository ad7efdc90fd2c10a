/**
 * Starts a throwaway PostgreSQL cluster on loopback for the store suites, so that every suite
 * that says "SQLite and PostgreSQL" really runs on both. Debian's `postgresql` package must be
 * installed (.ci/run does it); set TILLSYNC_TEST_NO_PG=1 to run SQLite only, knowingly.
 *
 * It also makes one migrated template database: each test database is a copy of it
 * (`CREATE DATABASE … TEMPLATE`, test/support/test-databases.ts) instead of an empty database
 * migrated again (~0.4 s each, a few hundred times a run).
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startPgCluster } from '../server/db/pg-cluster.ts';
import { openDatabase } from '../server/db/database.ts';

/** Creates and migrates `name` on the cluster at `admin`; returns how to drop it. */
async function makeTemplate(admin: string, name: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  // Migrated, then every connection closed: PostgreSQL copies a template only while nobody is connected to it.
  const db = await openDatabase({ url: admin.replace(/\/[^/]*$/, `/${name}`) });
  await db.destroy();
  return async () => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name}`).finally(() => c.end());
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('pgTemplate', '');
  if (process.env.TILLSYNC_TEST_NO_PG === '1') {
    project.provide('pgUrl', '');
    return async () => {};
  }
  if (process.env.TILLSYNC_TEST_PG) {
    const admin = process.env.TILLSYNC_TEST_PG;
    project.provide('pgUrl', admin);
    const name = `tillsync_template_${process.pid}`;
    const drop = await makeTemplate(admin, name);
    project.provide('pgTemplate', name);
    return drop;
  }
  const cluster = await startPgCluster().catch((e: Error) => {
    throw new Error(`${e.message} — or set TILLSYNC_TEST_NO_PG=1 to test SQLite only`);
  });
  process.env.TILLSYNC_TEST_PG = cluster.url;
  project.provide('pgUrl', cluster.url);
  await makeTemplate(cluster.url, 'tillsync_template');
  project.provide('pgTemplate', 'tillsync_template');
  return async () => cluster.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    /** A migrated database to copy for each test database ('' when there is none). */
    pgTemplate: string;
  }
}
