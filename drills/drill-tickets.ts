/**
 * The tickets of a fault drill, round by round: one business day per round, every till's numbering
 * and hash chain continuing from the previous round. They come from the fixture generator (so
 * they are exactly what a till makes), sliced: the generator spreads its tickets evenly over
 * `days`, so with `rounds × perRound` tickets over `rounds` days, round r is day r.
 */
import { generateTillTickets, tillCode } from '../fixtures/volume.ts';
import type { Ticket } from '../sync/types.ts';

export const DRILL_STORE = 'S1';
export const DRILL_START_DAY = '2026-11-02';

export interface RoundTicketsOptions {
  tills: number;
  rounds: number;
  perRound: number;
  seed: number;
  store?: string;
  startDay?: string;
}

export interface RoundBatch {
  round: number;
  day: string;
  byTill: Map<string, Ticket[]>;
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export class RoundTickets {
  private readonly sources = new Map<string, Generator<Ticket>>();
  private round = 0;

  constructor(private readonly opts: RoundTicketsOptions) {
    for (let t = 1; t <= opts.tills; t++) {
      const till = tillCode(t);
      this.sources.set(till, generateTillTickets(till, { store: opts.store ?? DRILL_STORE, tills: opts.tills, ticketsPerTill: opts.rounds * opts.perRound, days: opts.rounds, seed: opts.seed, startDay: opts.startDay ?? DRILL_START_DAY }));
    }
  }

  get tills(): string[] {
    return [...this.sources.keys()];
  }

  /** The next round's tickets (round numbers from 1). */
  next(): RoundBatch {
    if (this.round >= this.opts.rounds) throw new Error(`drill tickets: only ${this.opts.rounds} rounds were planned`);
    const round = ++this.round;
    const byTill = new Map<string, Ticket[]>();
    for (const [till, gen] of this.sources) {
      const out: Ticket[] = [];
      for (let i = 0; i < this.opts.perRound; i++) {
        const n = gen.next();
        if (n.done) break;
        out.push(n.value);
      }
      byTill.set(till, out);
    }
    return { round, day: addDays(this.opts.startDay ?? DRILL_START_DAY, round - 1), byTill };
  }
}
