import { describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { rng } from '../fixtures/random.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { isPackageError, readTicketPackage } from '../sync/package-reader.ts';
import { CORRUPTIONS, EXPECTED_REASON, corruptPackage } from './drill-corrupt-files.ts';

const SECRET = 'drill-secret-01';
const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 25, seed: 5 })];
const good = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET, created: new Date('2026-11-02T20:00:00Z') });
const secretFor = (store: string, till: string) => (store === 'S1' && till === '01' ? SECRET : undefined);

function reasonOf(bytes: Buffer): string {
  try {
    readTicketPackage(bytes, good.fileName, secretFor);
  } catch (e) {
    if (isPackageError(e)) return e.reason;
    throw e;
  }
  return 'accepted';
}

describe('corrupt package maker (fault drill input)', () => {
  it('the good package reads back whole', () => {
    expect(readTicketPackage(good.bytes, good.fileName, secretFor).tickets).toHaveLength(25);
  });

  for (const kind of CORRUPTIONS) {
    it(`${kind}: refused for the documented reason, whatever the seed`, () => {
      for (let seed = 1; seed <= 25; seed++) {
        const bad = corruptPackage(good.bytes, kind, rng(seed));
        expect(bad.equals(good.bytes)).toBe(false);
        expect(reasonOf(bad)).toMatch(EXPECTED_REASON[kind]);
      }
    });
  }
});
