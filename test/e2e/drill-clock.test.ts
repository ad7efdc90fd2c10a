import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { retime, runClockDrill } from '../../drills/drill-clock.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { verifyChain } from '../../sync/ticket-chain.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: till clocks an hour off', () => {
  it('retimed tickets stay a valid chain, dated by the wrong clock', () => {
    const tickets = retime([...generateTillTickets('01', { tills: 1, ticketsPerTill: 4, seed: 1 })], (i) => new Date(Date.UTC(2026, 10, 2, 23, 30 + i * 10)));
    expect(verifyChain(tickets, null)).toEqual([]);
    expect(tickets.map((t) => t.day)).toEqual(['2026-11-02', '2026-11-02', '2026-11-02', '2026-11-03']);
  });

  it('nothing is refused for its time, and tickets are integrated by the day they carry', async () => {
    const report = await runClockDrill({ dir, seed: 5, ticketsPerTill: 12 });
    expect(report.tickets).toBe(36);
    expect(report.shiftedAcrossMidnight).toBeGreaterThanOrEqual(8);
    expect(report.daysIntegrated).toHaveLength(2);
    expect(report.documents).toBeGreaterThan(0);
  }, 180_000);
});
