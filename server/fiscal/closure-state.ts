/**
 * The closure state of each till, for `server status` and the dashboard: its last day, month and
 * fiscal-year closures, the key fingerprint they are signed with, how many are unsigned (older
 * tillsync), and whether the chain of each kind is whole (no seq missing, every link matching).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Closure, ClosureKind } from '../../sync/types.ts';

export interface TillClosureState {
  till: string;
  last: Record<ClosureKind, { id: string; period: string; closedAt: string; grandTotal: string } | null>;
  counts: Record<ClosureKind, number>;
  unsigned: number;
  keyFingerprint: string | null;
  /** Chain problems found (a closure missing, a link not matching), one line each. */
  chainProblems: string[];
}

export async function closureStates(db: Kysely<Database>): Promise<Map<string, TillClosureState>> {
  const rows = await db.selectFrom('closures').select(['store', 'till', 'content']).execute();
  const byTill = new Map<string, Closure[]>();
  for (const r of rows) {
    try {
      const c = JSON.parse(r.content) as Closure;
      const k = `${r.store}-${r.till}`;
      byTill.set(k, [...(byTill.get(k) ?? []), c]);
    } catch {
      // An unreadable row shows as missing from the chain.
    }
  }
  const out = new Map<string, TillClosureState>();
  for (const [till, list] of byTill) {
    const s: TillClosureState = { till, last: { day: null, month: null, year: null }, counts: { day: 0, month: 0, year: 0 }, unsigned: 0, keyFingerprint: null, chainProblems: [] };
    for (const kind of ['day', 'month', 'year'] as const) {
      const run = list.filter((c) => (c.kind ?? 'day') === kind).sort((a, b) => a.seq - b.seq);
      s.counts[kind] = run.length;
      run.forEach((c, i) => {
        if (!c.signature) s.unsigned++;
        else s.keyFingerprint = c.keyFingerprint ?? s.keyFingerprint;
        const prev = run[i - 1];
        if (prev && c.seq !== prev.seq + 1) s.chainProblems.push(`${kind} closures ${prev.seq + 1}–${c.seq - 1} not received before ${c.id}`);
        else if (prev && c.signature && c.prevHash !== prev.hash) s.chainProblems.push(`${c.id} does not chain to ${prev.id}`);
      });
      const last = run[run.length - 1];
      if (last) s.last[kind] = { id: last.id, period: last.period ?? last.day, closedAt: last.closedAt, grandTotal: last.grandTotal };
    }
    out.set(till, s);
  }
  return out;
}

export function closureStateText(s: TillClosureState | undefined): string {
  if (!s) return 'closures: none received';
  const l = (k: ClosureKind) => (s.last[k] ? `${s.last[k]!.id} (${s.last[k]!.period})` : 'none');
  return `closures: last Z ${l('day')}, month ${l('month')}, year ${l('year')}; signed by ${s.keyFingerprint ?? 'no key'}${s.unsigned ? `, ${s.unsigned} unsigned` : ''}${s.chainProblems.length ? `; CHAIN: ${s.chainProblems.join('; ')}` : '; chains whole'}`;
}
