import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { runStoreSuite, storeScenario, type Reopen } from '../../test/support/store-suite.ts';

/** Another process's handle on the same books; on SQLite with no busy wait (it would block this process, see Reopen). */
const reopen: Reopen = async (f) => {
  const db = await openDatabase({ data: f.data, url: f.url, migrate: false });
  if (!f.url) await sql`pragma busy_timeout = 0`.execute(db);
  return db;
};

for (const engine of TEST_ENGINES) runStoreSuite(engine, () => openTestDb(engine), reopen);

describe.runIf(TEST_ENGINES.length > 1)('the stores across engines', () => {
  const open: TestDb[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.cleanup()));
  });

  it('give equal results for the same reads on the same rows', async () => {
    const results = [];
    for (const engine of TEST_ENGINES) {
      const t = await openTestDb(engine);
      open.push(t);
      results.push(await storeScenario(t.db));
    }
    expect(results[1]).toEqual(results[0]);
  });
});
