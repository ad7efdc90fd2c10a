import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { ParsedTickets } from './parsed-tickets.ts';
import { runPosting } from './posting-run.ts';
import { runLettering } from './lettering-run.ts';
import { runIntegration } from '../integration/integrate.ts';
import { saveBaseData } from '../base-data.ts';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { intakeAll } from '../../test/support/chain-stores.ts';
import { emptyCounts, realisticBaseData, realisticNight } from '../../fixtures/realistic-night.ts';
import type { Ticket } from '../../sync/types.ts';

const DAY = '2026-11-02';

function ticket(id: string, inclVat: string): Ticket {
  return {
    id, store: 'S1', till: 'T1', number: 1, day: DAY, customer: 'COMPTOIR', totals: { inclVat, exclVat: inclVat, vat: '0.00', byVat: [] },
    lines: [{ article: 'A', vatCode: 'VN', vatRate: '20', inclVat, qty: '1', unitPrice: inclVat }], payments: [{ mode: 'CB', amount: inclVat }], settlements: [],
  } as unknown as Ticket;
}

describe('ParsedTickets', () => {
  it('hands a kept ticket out once, for its id and hash only, with the document of the row', () => {
    const p = new ParsedTickets();
    p.keep({ id: 'a', hash: 'h1' }, ticket('a', '12.00'));
    p.keep({ id: 'b', hash: 'h2' }, ticket('b', '3.00'));
    const a = p.take({ id: 'a', hash: 'h1', documentId: 7, documentNumber: 'FC000007' });
    expect(a).toMatchObject({ id: 'a', goods: '12.00', documentId: 7, documentNumber: 'FC000007', lines: [{ vatCode: 'VN', inclVat: '12.00' }] });
    expect(p.take({ id: 'a', hash: 'h1', documentId: 7, documentNumber: 'FC000007' })).toBeUndefined();
    // Another hash than the one integration checked: read from the database, and forgotten here.
    expect(p.take({ id: 'b', hash: 'other', documentId: null, documentNumber: null })).toBeUndefined();
    expect(p.size).toBe(0);
    expect(p.handedOut).toBe(1);
  });

  it('keeps no more than its limit', () => {
    const p = new ParsedTickets(2);
    for (const id of ['a', 'b', 'c']) p.keep({ id, hash: id }, ticket(id, '1.00'));
    expect(p.size).toBe(2);
    expect(p.take({ id: 'c', hash: 'c', documentId: null, documentNumber: null })).toBeUndefined();
  });
});

/** The posted books as text, the run's timestamps left out: entries, lines, settlement items, letterings, marks. */
async function books(db: Kysely<any>): Promise<string> {
  const out: string[] = [];
  for (const [table, order] of [['entries', 'id'], ['entry_lines', 'id'], ['settlements', 'id'], ['letterings', 'id'], ['posted_tickets', 'ticket_id'], ['documents', 'id']] as const) {
    const rows = (await sql.raw(`select * from ${table} order by ${order}`).execute(db)).rows as Record<string, unknown>[];
    for (const r of rows) {
      for (const k of ['created_at', 'validated_at', 'lettered_at']) delete r[k];
      out.push(`${table} ${JSON.stringify(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)]))}`);
    }
  }
  return out.join('\n');
}

for (const engine of TEST_ENGINES) {
  describe(`integration's parsed tickets handed to posting on ${engine}`, () => {
    const open: TestDb[] = [];
    afterEach(async () => {
      for (const t of open.splice(0)) await t.cleanup();
    });

    it('posts the very books posting reads itself, and reads only what integration did not keep', async () => {
      const night = [...realisticNight({ store: 'S001', tills: 3, ticketsPerTill: 150, day: DAY, customers: 200, seed: 7 }, emptyCounts())];
      const [kept, read] = [await openTestDb(engine), await openTestDb(engine)];
      open.push(kept, read);
      for (const t of [kept, read]) {
        await saveBaseData(t.db, realisticBaseData(200));
        await intakeAll(t, night);
      }
      // An earlier run's documents, integrated without keeping anything: posting reads those itself.
      const earlier = night.filter((x) => x.till === night[0].till).map((x) => x.id);
      const parsed = new ParsedTickets();
      for (const t of [kept, read]) await runIntegration(t.db, t.data, { until: DAY, tillList: [night[0].till] }, { checks: 'inline', invoiceDate: DAY });
      const a = await runIntegration(kept.db, kept.data, { until: DAY }, { checks: 'inline', invoiceDate: DAY, onAccepted: (row, ticket) => parsed.keep(row, ticket) });
      const b = await runIntegration(read.db, read.data, { until: DAY }, { checks: 'inline', invoiceDate: DAY });
      expect(a.documents).toBe(b.documents);
      expect(parsed.size).toBe(night.length - earlier.length);

      const pa = await runPosting(kept.db, kept.data, { until: DAY }, { parsed });
      const pb = await runPosting(read.db, read.data, { until: DAY });
      expect(pa.errors).toEqual([]);
      expect(pa.invariants.every((c) => c.ok)).toBe(true);
      expect(pa.tickets).toBe(night.length);
      // Every ticket of this run came from integration; those of the earlier run were read.
      expect(parsed.handedOut).toBe(night.length - earlier.length);
      expect(parsed.size).toBe(0);
      await runLettering(kept.db, kept.data);
      await runLettering(read.db, read.data);
      const [ba, bb] = [await books(kept.db), await books(read.db)];
      expect(ba.split('\n').length).toBeGreaterThan(night.length);
      expect(ba).toBe(bb);
      expect({ ...pa, elapsedMs: 0, ticketsPerSecond: 0, batch: 0 }).toEqual({ ...pb, elapsedMs: 0, ticketsPerSecond: 0, batch: 0 });
    });
  });
}
