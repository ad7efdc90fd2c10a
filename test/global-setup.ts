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

interface SharedPg {
  url: string;
  template: string;
  teardown(): Promise<void>;
}

/** The PostgreSQL side, made once: every vitest project calls this setup, in the same process. */
async function startSharedPg(): Promise<SharedPg> {
  if (process.env.TILLSYNC_TEST_PG) {
    const admin = process.env.TILLSYNC_TEST_PG;
    const name = `tillsync_template_${process.pid}`;
    return { url: admin, template: name, teardown: await makeTemplate(admin, name) };
  }
  const cluster = await startPgCluster().catch((e: Error) => {
    throw new Error(`${e.message} — or set TILLSYNC_TEST_NO_PG=1 to test SQLite only`);
  });
  process.env.TILLSYNC_TEST_PG = cluster.url;
  await makeTemplate(cluster.url, 'tillsync_template');
  return { url: cluster.url, template: 'tillsync_template', teardown: async () => cluster.stop() };
}

// On globalThis: vitest loads this file once per project (each with its own module state), all in one process.
const state = ((globalThis as { tillsyncTestPg?: { shared?: Promise<SharedPg>; users: number } }).tillsyncTestPg ??= { users: 0 });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TILLSYNC_TEST_NO_PG === '1') {
    project.provide('pgUrl', '');
    project.provide('pgTemplate', '');
    return async () => {};
  }
  state.shared ??= startSharedPg();
  state.users++;
  const pg = await state.shared;
  project.provide('pgUrl', pg.url);
  project.provide('pgTemplate', pg.template);
  // The last project to finish stops the cluster (or drops the template on a given server).
  return async () => {
    if (--state.users === 0) await pg.teardown();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    /** A migrated database to copy for each test database ('' when there is none). */
    pgTemplate: string;
  }
}
