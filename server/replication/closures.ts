/**
 * Z reports pushed by tills: stored once in `closures` (a re-push is a no-op), then handed to
 * server/closure-hooks.ts afterClosure one at a time, after the till has had its answer — the hook
 * may integrate, post and export a whole day.
 */
import type { ServerContext } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import type { Closure } from '../../sync/types.ts';
import { afterClosure } from '../closure-hooks.ts';
import { logEvent } from '../log-book.ts';
import type { AuthenticatedTill } from '../intake/till-auth.ts';
import { verifyClosure } from '../fiscal/closure-verify.ts';
import { keysForTill } from '../fiscal/till-public-keys.ts';

export async function storeClosures(ctx: ServerContext, closures: Closure[], till: AuthenticatedTill, publicKeys?: unknown): Promise<{ accepted: string[]; fresh: Closure[] }> {
  for (const c of closures) {
    if (!c || typeof c !== 'object' || typeof c.id !== 'string' || typeof c.day !== 'string') throw new TillsyncError('bad-request', 'a closure needs at least id and day', { status: 400 });
    if (c.store !== till.store || c.till !== till.till) {
      throw new TillsyncError('wrong-till', `closure ${c.id} belongs to till ${c.store}-${c.till}, sent as till ${till.id}`, { status: 403 });
    }
  }
  // NF525: every signed closure is verified (seal, key, link to the previous one of its kind) before it is kept.
  const keys = await keysForTill(ctx.db, till.id, publicKeys);
  const stored = await ctx.db.selectFrom('closures').select(['content']).where('store', '=', till.store).where('till', '=', till.till).execute();
  const known = new Map<string, Closure>();
  for (const r of stored) {
    try {
      const c = JSON.parse(r.content) as Closure;
      known.set(`${c.kind ?? 'day'}#${c.seq}`, c);
    } catch {
      // unreadable rows verify nothing
    }
  }
  for (const c of [...closures].sort((a, b) => a.seq - b.seq)) {
    const v = verifyClosure(c, keys, known.get(`${c.kind ?? 'day'}#${c.seq - 1}`) ?? null);
    if (!v.ok) {
      await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'replication', till: till.id, message: `closure refused: ${v.message}` });
      throw new TillsyncError(`closure-${v.code}`, v.message, { status: 422, hint: 'the closure was changed after the till signed it, or signed by another key: nothing was stored', ref: { till: till.id } });
    }
    known.set(`${c.kind ?? 'day'}#${c.seq}`, c);
  }
  const now = new Date().toISOString();
  const fresh: Closure[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    for (const c of closures) {
      const r = await trx
        .insertInto('closures')
        .values({ id: c.id, store: c.store, till: c.till, day: c.day, content: canonicalJson(c), received_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (r) fresh.push(c);
    }
  });
  return { accepted: closures.map((c) => c.id), fresh };
}

/** Runs afterClosure for each new closure in arrival order; `idle()` resolves when nothing is pending. */
export class ClosureQueue {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ServerContext) {}

  enqueue(c: Closure): void {
    // The automatic export follows a day's Z; monthly and fiscal-year closures sum days already exported.
    if ((c.kind ?? 'day') !== 'day') return;
    this.chain = this.chain.then(async () => {
      try {
        await afterClosure(this.ctx, c);
      } catch (e) {
        await logEvent(this.ctx.db, this.ctx.data, { severity: 'error', channel: 'replication', till: `${c.store}-${c.till}`, message: `after closure ${c.id}: ${(e as Error).message}` }).catch(() => undefined);
      }
    });
  }

  idle(): Promise<void> {
    return this.chain;
  }
}
