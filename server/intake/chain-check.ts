/**
 * The hash-chain links of newly received tickets of ONE till against their neighbours — the ones
 * arriving with them and the ones already stored. Same rules as sync/ticket-chain.ts verifyChain,
 * minus its hash recomputation: intake has just recomputed every hash once (ticket-check.ts) and
 * a second pass would double the cost of a 100,000-ticket package.
 *
 * Decision: a broken link flags the ticket that arrives, never a stored one — the stored ticket may
 * already be integrated and posted. A flagged ticket is still stored (status `error`, so the number
 * is no longer a gap and a later copy is seen as a duplicate or a conflict) and integration leaves
 * it out; the log book says which link broke.
 */
import { GENESIS_HASH } from '../../sync/ticket-chain.ts';

export interface Link {
  id: string;
  number: number;
  hash: string;
  prevHash: string;
}

export interface BrokenLink {
  id: string;
  reason: string;
}

/** `fresh`: the new tickets of one till; `stored`: its stored tickets around them, by number. */
export function checkLinks(fresh: Link[], stored: Map<number, Pick<Link, 'hash' | 'prevHash'>>): BrokenLink[] {
  const byNumber = new Map(fresh.map((t) => [t.number, t]));
  const broken: BrokenLink[] = [];
  for (const t of [...fresh].sort((a, b) => a.number - b.number)) {
    const pred = byNumber.get(t.number - 1) ?? stored.get(t.number - 1);
    if (t.number === 1 && t.prevHash !== GENESIS_HASH) {
      broken.push({ id: t.id, reason: `ticket ${t.id}: first ticket of the till must chain to the genesis hash` });
      continue;
    }
    if (pred && t.prevHash !== pred.hash) {
      broken.push({ id: t.id, reason: `ticket ${t.id}: previous hash does not match ticket ${t.number - 1} (broken chain: altered, replaced or forged ticket)` });
      continue;
    }
    const succ = byNumber.has(t.number + 1) ? undefined : stored.get(t.number + 1);
    if (succ && succ.prevHash !== t.hash) {
      broken.push({ id: t.id, reason: `ticket ${t.id}: ticket ${t.number + 1} already stored does not chain to it (broken chain: altered, replaced or forged ticket)` });
    }
  }
  return broken;
}
