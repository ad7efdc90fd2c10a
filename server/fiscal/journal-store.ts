/**
 * The technical-event journals on the server (NF525 JET): the tills' journals, pushed like their
 * closures and verified event by event (seal with the till's key, link to the previous event), and
 * the server's own journal — start/stop, archives, refused closures — appended here, signed with
 * the server key and chained. Several server processes may append at once (CLI commands beside
 * `server start`): the (origin, seq) key makes the second writer of a seq fail and retry on the new
 * last event, so the chain never forks.
 */
import type { ServerContext } from '../context.ts';
import { canonicalJson } from '../../sync/ticket-chain.ts';
import { nextJetEvent, verifyJetChain, type JetEvent, type JetType } from '../../sync/jet.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { logEvent } from '../log-book.ts';
import { loadOrCreateServerKey } from './server-key.ts';
import type { PublicKeyRow } from './till-public-keys.ts';

export const SERVER_ORIGIN = 'server';

async function lastEvent(ctx: ServerContext, origin: string): Promise<JetEvent | null> {
  const row = await ctx.db.selectFrom('journal_events').select('content').where('origin', '=', origin).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? (JSON.parse(row.content) as JetEvent) : null;
}

/** Appends one event to the server's own journal; never throws (a journal failure must not stop the work it records). */
export async function recordServerEvent(ctx: ServerContext, type: JetType, data: Record<string, unknown>): Promise<JetEvent | null> {
  try {
    const key = loadOrCreateServerKey(ctx.data);
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = nextJetEvent(await lastEvent(ctx, SERVER_ORIGIN), SERVER_ORIGIN, type, data, key, new Date());
      const r = await ctx.db
        .insertInto('journal_events')
        .values({ id: e.id, origin: e.origin, seq: e.seq, at: e.at, type: e.type, content: canonicalJson(e), received_at: e.at })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 1) return e;
    }
    throw new Error('five concurrent writers in a row');
  } catch (err) {
    await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'journal', message: `server journal event ${type} not written: ${(err as Error).message}` }).catch(() => undefined);
    return null;
  }
}

/** Stores a till's pushed journal events after checking each one; a re-push is a no-op. */
export async function storeTillEvents(ctx: ServerContext, tillId: string, events: JetEvent[], keys: PublicKeyRow[]): Promise<{ accepted: string[] }> {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) {
    if (!e || typeof e !== 'object' || e.origin !== tillId) throw new TillsyncError('wrong-till', `journal event ${String(e?.id)} is not of till ${tillId}`, { status: 403 });
  }
  const keyMap = new Map(keys.map((k) => [k.keyId, k.publicKey]));
  const first = sorted[0];
  const before = first && first.seq > 1 ? await ctx.db.selectFrom('journal_events').select('content').where('origin', '=', tillId).where('seq', '=', first.seq - 1).executeTakeFirst() : undefined;
  const run = before ? [JSON.parse(before.content) as JetEvent, ...sorted] : sorted;
  const problems = verifyJetChain(run, keyMap).filter((p) => !(before && p.ref === run[0].id));
  if (problems.length) {
    await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'journal', till: tillId, message: `journal events refused: ${problems[0].message}` });
    await recordServerEvent(ctx, 'error', { what: 'till journal refused', till: tillId, problem: problems[0].message });
    throw new TillsyncError(`journal-${problems[0].kind}`, problems[0].message, { status: 422, hint: 'the till journal was changed after it was signed: nothing was stored' });
  }
  const now = new Date().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    for (const e of sorted) {
      await trx.insertInto('journal_events').values({ id: e.id, origin: e.origin, seq: e.seq, at: e.at, type: e.type, content: canonicalJson(e), received_at: now }).onConflict((oc) => oc.column('id').doNothing()).execute();
    }
  });
  return { accepted: sorted.map((e) => e.id) };
}

export async function journalEvents(ctx: ServerContext, opts: { origin?: string; limit?: number; from?: string; to?: string } = {}): Promise<JetEvent[]> {
  let q = ctx.db.selectFrom('journal_events').select('content');
  if (opts.origin) q = q.where('origin', '=', opts.origin);
  if (opts.from) q = q.where('at', '>=', opts.from);
  if (opts.to) q = q.where('at', '<', opts.to);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit ?? 100_000).execute();
  return rows.map((r) => JSON.parse(r.content) as JetEvent);
}
