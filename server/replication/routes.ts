/**
 * The server end of sync/replication-protocol.ts. Tickets pushed by a till go through the one
 * intake path (channel `replication`), so a ticket that also comes by LAN or mail is stored once.
 * Pulls page by (updated_at, id) — the RxDB checkpoint — in the same order the WHERE compares, so
 * no row is skipped or repeated between pages.
 */
import express, { type Router } from 'express';
import { storeOf } from '../db/store.ts';
import type { ServerContext } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { API, type BaseItem, type Checkpoint, type KeyRegistration, type KeyRegistrationResponse, type PullResponse, type TicketAck, type TicketsPushResponse } from '../../sync/replication-protocol.ts';
import type { Closure } from '../../sync/types.ts';
import { intakeTickets } from '../intake/intake.ts';
import { tillAuth, tillOf } from '../intake/till-auth.ts';
import { checkTicketPage, registerTillKey } from '../security/till-keys-store.ts';
import { storeClosures, type ClosureQueue } from './closures.ts';

/** Largest page a till may ask for. */
export const MAX_PULL = 2000;
/** Largest JSON body (a push of a few hundred tickets is well under). */
export const MAX_JSON_BYTES = 20 * 1024 * 1024;
/** A key registration: a public key and a few signed key changes. */
export const MAX_KEY_BYTES = 256 * 1024;

function pullParams(query: Record<string, unknown>): { limit: number; checkpoint: Checkpoint | null } {
  const limit = Math.max(1, Math.min(MAX_PULL, Number(query.limit) || 100));
  const updatedAt = typeof query.updatedAt === 'string' ? query.updatedAt : '';
  const id = typeof query.id === 'string' ? query.id : '';
  return { limit, checkpoint: updatedAt ? { updatedAt, id } : null };
}

/**
 * PostgreSQL lets writers commit in another order than they stamped `tickets.updated_at`; a pull
 * that saw a later stamp first would move the till's checkpoint past an earlier one committed
 * after it, and that ack would never reach the till. Intake cannot do that to itself (per till it
 * stamps after locking the till row), but integration, undo, posting and lettering stamp
 * write-backs inside long transactions under the books lock (server/db/books-lock.ts). So the
 * store's hold-back (server/db/store.ts ackHoldBack): while that lock is held, serve nothing;
 * otherwise serve only rows stamped before (now − settle): a run starting after this check stamps
 * later than that. SQLite has one writer at a time and needs neither.
 */
export const ACK_SETTLE_MS = 2000;

export function replicationRouter(ctx: ServerContext, closures: ClosureQueue, opts: { ackSettleMs?: number } = {}): Router {
  const r = express.Router();
  // Credentials first (headers only), then the body, capped per route and checked against its signed digest.
  const { check: auth, body } = tillAuth(ctx);
  const json = body(MAX_JSON_BYTES, 'json');

  r.post(API.keys, auth, ...body(MAX_KEY_BYTES, 'json'), async (req, res) => {
    const till = tillOf(res);
    const b = req.body as Partial<KeyRegistration>;
    if (typeof b?.publicKey !== 'string') throw new TillsyncError('bad-request', 'body must be {"publicKey": PEM, "keyChanges": [...]}', { status: 400 });
    const out: KeyRegistrationResponse = await registerTillKey(ctx.db, ctx.data, till.id, b.publicKey, b.keyChanges ?? []);
    res.json(out);
  });

  r.post(API.ticketsPush, auth, ...json, async (req, res) => {
    const till = tillOf(res);
    const tickets = (req.body as { tickets?: unknown })?.tickets;
    if (!Array.isArray(tickets)) throw new TillsyncError('bad-request', 'body must be {"tickets": [...], "signature": {...}}', { status: 400 });
    await checkTicketPage(ctx.db, ctx.data, till.id, tickets, (req.body as { signature?: unknown }).signature);
    const out = await intakeTickets(ctx, { channel: 'replication', tickets, expectTill: till.id });
    const body: TicketsPushResponse = { accepted: out.accepted, duplicates: out.duplicates, conflicts: out.conflicts, rejected: out.rejected };
    res.json(body);
  });

  r.get(API.acksPull, auth, async (req, res) => {
    const till = tillOf(res);
    const { limit, checkpoint } = pullParams(req.query as Record<string, unknown>);
    let q = ctx.db
      .selectFrom('tickets')
      .select(['id', 'received_at', 'document_number', 'updated_at'])
      .where('till', '=', till.till)
      .where('store', '=', till.store);
    // See ACK_SETTLE_MS: nothing while integration writes back, nothing stamped in the last moments.
    const hold = await storeOf(ctx.db).ackHoldBack(ctx.db, opts.ackSettleMs ?? ACK_SETTLE_MS);
    if (!hold.serve) {
      res.json({ documents: [], checkpoint } satisfies PullResponse<TicketAck>);
      return;
    }
    if (hold.stampedBefore !== null) q = q.where('updated_at', '<', hold.stampedBefore);
    if (checkpoint) {
      const cp = checkpoint;
      q = q.where((eb) => eb.or([eb('updated_at', '>', cp.updatedAt), eb.and([eb('updated_at', '=', cp.updatedAt), eb('id', '>', cp.id)])]));
    }
    const rows = await q.orderBy('updated_at').orderBy('id').limit(limit).execute();
    const documents: TicketAck[] = rows.map((t) => ({ id: t.id, acknowledgedAt: t.received_at, documentNumber: t.document_number, updatedAt: t.updated_at }));
    const last = rows[rows.length - 1];
    const body: PullResponse<TicketAck> = { documents, checkpoint: last ? { updatedAt: last.updated_at, id: last.id } : checkpoint };
    res.json(body);
  });

  r.get(API.basePull, auth, async (req, res) => {
    const { limit, checkpoint } = pullParams(req.query as Record<string, unknown>);
    let q = ctx.db.selectFrom('base_items').select(['kind', 'code', 'content', 'deleted', 'updated_at']);
    if (checkpoint) {
      const cp = checkpoint;
      const colon = cp.id.indexOf(':');
      const kind = colon >= 0 ? cp.id.slice(0, colon) : cp.id;
      const code = colon >= 0 ? cp.id.slice(colon + 1) : '';
      // (updated_at, kind, code) > (cp.updatedAt, kind, code), spelled out for both engines.
      q = q.where((eb) =>
        eb.or([
          eb('updated_at', '>', cp.updatedAt),
          eb.and([eb('updated_at', '=', cp.updatedAt), eb.or([eb('kind', '>', kind as never), eb.and([eb('kind', '=', kind as never), eb('code', '>', code)])])]),
        ]),
      );
    }
    const rows = await q.orderBy('updated_at').orderBy('kind').orderBy('code').limit(limit).execute();
    const documents: BaseItem[] = rows.map((b) => ({ id: `${b.kind}:${b.code}`, kind: b.kind, code: b.code, content: b.content, deleted: Boolean(Number(b.deleted)), updatedAt: b.updated_at }));
    const last = documents[documents.length - 1];
    const body: PullResponse<BaseItem> = { documents, checkpoint: last ? { updatedAt: last.updatedAt, id: last.id } : checkpoint };
    res.json(body);
  });

  r.post(API.closuresPush, auth, ...json, async (req, res) => {
    const till = tillOf(res);
    const list = (req.body as { closures?: unknown })?.closures;
    if (!Array.isArray(list)) throw new TillsyncError('bad-request', 'body must be {"closures": [...]}', { status: 400 });
    const { accepted, fresh } = await storeClosures(ctx, list as Closure[], till, (req.body as { publicKeys?: unknown }).publicKeys);
    res.json({ accepted });
    // After the answer: the hook may run a whole nightly chain and an export.
    for (const c of fresh) closures.enqueue(c);
  });

  r.post(API.journalPush, auth, ...json, async (req, res) => {
    const till = tillOf(res);
    const b = req.body as { events?: unknown; publicKeys?: unknown };
    if (!Array.isArray(b?.events)) throw new TillsyncError('bad-request', 'body must be {"events": [...]}', { status: 400 });
    const { storeTillEvents } = await import('../fiscal/journal-store.ts');
    const { keysForTill } = await import('../fiscal/till-public-keys.ts');
    res.json(await storeTillEvents(ctx, till.id, b.events as never, await keysForTill(ctx.db, till.id, b.publicKeys)));
  });

  return r;
}

