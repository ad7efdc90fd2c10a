import { describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES } from '../../test/support/test-databases.ts';
import { enrollTill, ipAllowed, secretMatches } from './till-registry.ts';
import { isWrapped, tillAuthPurpose, unwrapSecret } from '../security/secrets-at-rest.ts';
import { nextRun, parseHhMm } from './nightly-scheduler.ts';

describe('till secrets and allowlists', () => {
  it('compares secrets exactly, whatever their lengths', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('abc', 'abd')).toBe(false);
    expect(secretMatches('abc', 'abcd')).toBe(false);
    expect(secretMatches('', 'abc')).toBe(false);
  });

  it('matches IPv4 addresses written plain or IPv4-mapped; no list means any address', () => {
    expect(ipAllowed(null, '10.0.0.7')).toBe(true);
    expect(ipAllowed('10.0.0.7, 10.0.0.8', '::ffff:10.0.0.8')).toBe(true);
    expect(ipAllowed('10.0.0.7', '127.0.0.1')).toBe(false);
    expect(ipAllowed('10.0.0.7', undefined)).toBe(false);
  });
});

describe('nightly schedule', () => {
  it('runs at the next HH:MM strictly after now, local time', () => {
    const now = new Date(2026, 10, 2, 1, 30, 0);
    expect(nextRun('02:30', now)).toEqual(new Date(2026, 10, 2, 2, 30, 0));
    expect(nextRun('01:30', now)).toEqual(new Date(2026, 10, 3, 1, 30, 0));
    expect(nextRun('0:05', now)).toEqual(new Date(2026, 10, 3, 0, 5, 0));
    expect(() => parseHhMm('25:00')).toThrow(/not a time of day/);
    expect(() => parseHhMm('2h30')).toThrow(expect.objectContaining({ hint: expect.stringContaining('HH:MM') }));
  });
});

for (const engine of TEST_ENGINES) {
  describe(`enrolment on ${engine}`, () => {
    it('gives a new till a random secret once, and a new one only with rotate', async () => {
      const t = await openTestDb(engine);
      try {
        const a = await enrollTill(t.db, { data: t.data, store: 'S1', till: '01', allowIps: ['10.0.0.5'] });
        expect(a).toMatchObject({ id: 'S1-01', rotated: false, allowIps: ['10.0.0.5'] });
        expect(a.secret).toMatch(/^[0-9a-f]{64}$/);
        await expect(enrollTill(t.db, { data: t.data, store: 'S1', till: '01' })).rejects.toMatchObject({ code: 'already-enrolled', hint: expect.stringContaining('--rotate') });
        const b = await enrollTill(t.db, { data: t.data, store: 'S1', till: '01', rotate: true });
        expect(b.rotated).toBe(true);
        expect(b.secret).not.toBe(a.secret);
        const row = await t.db.selectFrom('tills').selectAll().executeTakeFirstOrThrow();
        // Stored wrapped: the database alone does not give the secret.
        expect(isWrapped(row.secret) && !row.secret.includes(b.secret)).toBe(true);
        expect([unwrapSecret(t.data, tillAuthPurpose('S1-01'), row.secret), row.allow_ips, row.gaps, row.last_number]).toEqual([b.secret, '10.0.0.5', '[]', null]);
        expect(() => unwrapSecret(t.data, tillAuthPurpose('S1-02'), row.secret)).toThrow(expect.objectContaining({ code: 'secret-unwrap' }));
        await expect(enrollTill(t.db, { data: t.data, store: 'S1', till: '0/1' })).rejects.toMatchObject({ code: 'usage' });
      } finally {
        await t.cleanup();
      }
    });
  });
}
