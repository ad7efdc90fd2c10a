import { describe, expect, it } from 'vitest';
import { booksLockHeld, withBooksLock } from './books-lock.ts';
import { openTestDb } from '../../test/support/test-databases.ts';

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
