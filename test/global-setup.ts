/**
 * Starts a throwaway PostgreSQL cluster on loopback for the store suites, so that every suite
 * that says "SQLite and PostgreSQL" really runs on both. Debian's `postgresql` package must be
 * installed (.ci/run does it); set TILLSYNC_TEST_NO_PG=1 to run SQLite only, knowingly.
 */
import type { TestProject } from 'vitest/node';
import { startPgCluster } from '../server/db/pg-cluster.ts';

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TILLSYNC_TEST_NO_PG === '1') {
    project.provide('pgUrl', '');
    return () => {};
  }
  if (process.env.TILLSYNC_TEST_PG) {
    project.provide('pgUrl', process.env.TILLSYNC_TEST_PG);
    return () => {};
  }
  const cluster = await startPgCluster().catch((e: Error) => {
    throw new Error(`${e.message} — or set TILLSYNC_TEST_NO_PG=1 to test SQLite only`);
  });
  process.env.TILLSYNC_TEST_PG = cluster.url;
  project.provide('pgUrl', cluster.url);
  return () => cluster.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
