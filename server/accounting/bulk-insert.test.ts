import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { rowWriter } from './bulk-insert.ts';

const COLUMNS = ['id', 'label', 'amount'] as const;
const TYPES = ['int8', 'text', 'text'] as const;

for (const engine of TEST_ENGINES) {
  describe(`RowWriter on ${engine}`, () => {
    let t: TestDb;
    afterEach(async () => t?.cleanup());

    for (const types of [undefined, TYPES]) it(`writes every row once, in order, whatever the count (full statements, halving tails, cached statements${types ? '; typed: unnest on PostgreSQL' : ''})`, async () => {
      t = await openTestDb(engine);
      await sql`create table rw_rows (id integer primary key, label text, amount text)`.execute(t.db);
      const writer = rowWriter(t.db);
      let next = 1;
      const want: { id: number; label: string | null; amount: string }[] = [];
      // The same writer across calls, as a posting run uses it chunk after chunk.
      for (const count of [0, 1, 3, 255, 256, 257, 700, 1]) {
        const values: (string | number | null)[] = [];
        for (let i = 0; i < count; i++) {
          const id = next++;
          // Quotes, backslashes, braces and commas: what an array literal must escape.
          const label = id % 7 === 0 ? null : id % 11 === 0 ? "NULL" : id % 5 === 0 ? `{"a,b"} \\ ${id}` : `l'${id} é`;
          values.push(id, label, `${id}.50`);
          want.push({ id, label, amount: `${id}.50` });
        }
        await writer.insertFlat('rw_rows', COLUMNS, values, types);
      }
      const got = (await sql<{ id: number; label: string | null; amount: string }>`select id, label, amount from rw_rows order by id`.execute(t.db)).rows;
      expect(got.map((r) => ({ ...r, id: Number(r.id) }))).toEqual(want);
      await expect(writer.insertFlat('rw_rows', COLUMNS, [1, 'x'], types)).rejects.toThrow(/2 values for rows of 3 columns/);
    });
  });
}
