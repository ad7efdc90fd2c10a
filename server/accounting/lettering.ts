/**
 * Lettering (pure): customer and deposit lines with the same account, third party and lettering
 * key (the invoice number, the order number, or the *TPV piece of a group) settle each other. A key
 * with debits and credits is lettered; when they do not sum to zero the lettering is partial (the
 * rest is what the customer still owes, and stays open as an effet). Codes run AAA, AAB… per
 * account and third party; a partial group completed later keeps its code.
 *
 * Letterings are never edited across batches: a later batch that changes a group supersedes it by
 * a new lettering pointing back to it, so undoing that batch restores the earlier one exactly.
 */
import { D, type Dec } from '../../sync/money.ts';
import type { BooksPass } from '../books/pass.ts';
import type { EntryDraft } from './ledger-types.ts';
import { unitsSides } from './units.ts';

export type Ref = { db: number } | { local: number };

export interface LetterLine {
  ref: Ref;
  account: string;
  aux: string | null;
  key: string;
  debit: Dec;
  credit: Dec;
  date: string;
  letteringId: number | null;
}

export interface CurrentLettering {
  id: number;
  code: string;
  seq: number;
  partial: boolean;
  batchId: number;
}

export interface NewLettering {
  account: string;
  aux: string | null;
  key: string;
  seq: number;
  code: string;
  partial: boolean;
  letteredAt: string;
  previousId: number | null;
}

export interface LetteringPlan {
  create: NewLettering[];
  /** Letterings of this same batch changed in place. */
  update: { id: number; partial: boolean; letteredAt: string }[];
  supersede: number[];
  /** Line → lettering: `local` indexes `create`. */
  assign: { line: Ref; lettering: Ref }[];
  /** Every group lettered or re-lettered, for the invariants. */
  groups: { account: string; aux: string | null; key: string; code: string; partial: boolean; debit: Dec; credit: Dec }[];
  /** The next free code number of each account + third party that took new codes. */
  nextSeq: Map<string, number>;
}

/** What the lettering pass reads: the lines of the keys to letter and the letterings they point to. */
export interface LetteringSnapshot {
  /** ALL lines of the keys to letter: stored ones (`db` refs) and those not stored yet (`local`). */
  lines: readonly LetterLine[];
  /** The letterings those lines point to now. */
  current: ReadonlyMap<number, CurrentLettering>;
  /** Next free code number per account + third party. */
  nextSeq: ReadonlyMap<string, number>;
  /** The batch lettering: its own letterings are changed in place, older ones superseded. */
  batchId: number;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 0 → AAA, 1 → AAB … 17575 → ZZZ, then AAAA… */
export function letterCode(seq: number): string {
  let n = seq;
  let len = 3;
  while (n >= 26 ** len) {
    n -= 26 ** len;
    len++;
  }
  let s = '';
  for (let i = 0; i < len; i++) {
    s = LETTERS[n % 26] + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** The letterable lines of entries not stored yet, `local` refs counting every line of them in order. */
export function letterLinesOf(entries: readonly EntryDraft[]): LetterLine[] {
  const out: LetterLine[] = [];
  let k = 0;
  for (const e of entries) {
    for (const l of e.lines) {
      if (l.letterKey !== null) out.push({ ref: { local: k }, account: l.account, aux: l.aux, key: l.letterKey, ...unitsSides(l.amount), date: e.date, letteringId: null });
      k++;
    }
  }
  return out;
}

export function groupId(account: string, aux: string | null, key: string): string {
  return `${account}\u0000${aux ?? ''}\u0000${key}`;
}

export function seqKey(account: string, aux: string | null): string {
  return `${account}\u0000${aux ?? ''}`;
}

/** A pass (server/books/pass.ts); it finds no errors of its own: the invariants judge its groups. */
export const planLettering: BooksPass<LetteringSnapshot, LetteringPlan> = ({ lines, current, nextSeq, batchId }) => {
  const plan: LetteringPlan = { create: [], update: [], supersede: [], assign: [], groups: [], nextSeq: new Map() };
  const groups = new Map<string, LetterLine[]>();
  for (const l of lines) {
    const id = groupId(l.account, l.aux, l.key);
    const g = groups.get(id);
    if (g) g.push(l);
    else groups.set(id, [l]);
  }
  for (const g of groups.values()) {
    let debit: Dec = new D(0);
    let credit: Dec = new D(0);
    let date = '';
    for (const l of g) {
      debit = debit.plus(l.debit);
      credit = credit.plus(l.credit);
      if (l.date > date) date = l.date;
    }
    if (debit.isZero() || credit.isZero()) continue; // nothing to match yet
    const partial = !debit.eq(credit);
    const { account, aux, key } = g[0];
    const ids = [...new Set(g.map((l) => l.letteringId).filter((x): x is number => x !== null))].sort((a, b) => b - a);
    const cur = ids.length ? current.get(ids[0]) : undefined;
    let target: Ref;
    let code: string;
    if (cur && cur.batchId === batchId) {
      if (cur.partial !== partial || ids.length > 1) plan.update.push({ id: cur.id, partial, letteredAt: date });
      target = { db: cur.id };
      code = cur.code;
    } else if (cur && ids.length === 1 && cur.partial === partial && g.every((l) => l.letteringId === cur.id)) {
      continue; // unchanged
    } else {
      let seq: number;
      if (cur) {
        seq = cur.seq;
        code = cur.code;
      } else {
        const sk = seqKey(account, aux);
        seq = plan.nextSeq.get(sk) ?? nextSeq.get(sk) ?? 0;
        plan.nextSeq.set(sk, seq + 1);
        code = letterCode(seq);
      }
      plan.create.push({ account, aux, key, seq, code, partial, letteredAt: date, previousId: cur?.id ?? null });
      target = { local: plan.create.length - 1 };
    }
    for (const id of ids) if (!('db' in target && target.db === id)) plan.supersede.push(id);
    for (const l of g) {
      if ('db' in target && l.letteringId === target.db) continue;
      plan.assign.push({ line: l.ref, lettering: target });
    }
    plan.groups.push({ account, aux, key, code, partial, debit, credit });
  }
  return { result: plan, errors: [] };
};
