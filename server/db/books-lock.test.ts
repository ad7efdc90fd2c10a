import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BOOKS_LOCK_KEY, booksLockHeld, withBooksLock } from './books-lock.ts';
import { openDatabase, splitPgSchema } from './database.ts';
import { createPgDatabase, openTestDb } from '../../test/support/test-databases.ts';

describe('the books lock on postgres', () => {
  it('is seen held by another session while a run holds it, and released at commit', async () => {
    const t = await openTestDb('postgres');
    try {
      expect(await booksLockHeld(t.db)).toBe(false);
      let seenInside = false;
      const out = await withBooksLock(t.db, async () => {
        seenInside = await booksLockHeld(t.db); // `t.db` is the pool: another connection
        return 'done';
      });
      expect(out).toBe('done');
      expect(seenInside).toBe(true);
      expect(await booksLockHeld(t.db)).toBe(false);
    } finally {
      await t.cleanup();
    }
  });
});

describe('the books lock of a chain (one schema per store, one database)', () => {
  it('is per schema: store A holding it neither blocks nor shows in store B; public keeps the historic constant', async () => {
    const url = await createPgDatabase();
    const a = await openDatabase({ url: `${url}?schema=store_a` });
    const b = await openDatabase({ url: `${url}?schema=store_b` });
    const pub = await openDatabase({ url });
    try {
      const schemaOf = async (db: typeof a) => (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s;
      expect([await schemaOf(a), await schemaOf(b), await schemaOf(pub)]).toEqual(['store_a', 'store_b', 'public']);
      // Each store has its own tables: numbering in A leaves B's series alone.
      await a.updateTable('number_series').set({ last_seq: 5 }).where('series', '=', 'invoice').execute();
      expect((await b.selectFrom('number_series').select('last_seq').where('series', '=', 'invoice').executeTakeFirstOrThrow()).last_seq).toBe(0);
      const seen = await withBooksLock(a, async () => {
        // B takes its own lock while A holds A's: it would wait forever (and the test time out) if the key were shared.
        const bInside = await withBooksLock(b, async () => [await booksLockHeld(a), await booksLockHeld(b)]);
        return { bInside, aHeld: await booksLockHeld(a), bHeld: await booksLockHeld(b), pubHeld: await booksLockHeld(pub) };
      });
      expect(seen).toEqual({ bInside: [true, true], aHeld: true, bHeld: false, pubHeld: false });
      await withBooksLock(pub, async () => {
        const keys = await sql<{ k: string }>`select ((classid::text::bigint << 32) | objid::text::bigint)::text as k from pg_locks where locktype = 'advisory' and granted and objsubid = 1`.execute(a);
        expect(keys.rows.map((r) => r.k)).toContain(String(BOOKS_LOCK_KEY));
        expect(await booksLockHeld(a)).toBe(false);
      });
    } finally {
      await Promise.all([a.destroy(), b.destroy(), pub.destroy()]);
    }
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => splitPgSchema('postgres://u@h/db?schema=a;drop')).toThrow(/not a usable schema name/);
    expect(splitPgSchema('postgres://u@h/db?schema=store_042&sslmode=disable')).toEqual({ url: 'postgres://u@h/db?sslmode=disable', schema: 'store_042' });
  });
});
