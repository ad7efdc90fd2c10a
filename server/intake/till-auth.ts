/**
 * Per-till authentication of every HTTP request but /api/health: `Authorization: Bearer <till
 * secret>` and `X-Tillsync-Till: S1-01`, the secret compared in constant time, then the till's
 * optional IP allowlist. The authenticated till goes to `res.locals.till`.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { TILL_HEADER } from '../../sync/replication-protocol.ts';
import { ipAllowed, normalizeIp, secretMatches } from './till-registry.ts';

export interface AuthenticatedTill {
  id: string;
  store: string;
  till: string;
}

const DUMMY_SECRET = 'x'.repeat(64);

export function requireTill(db: Kysely<Database>): RequestHandler {
  return async (req, res, next) => {
    const tillId = req.get(TILL_HEADER) ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!tillId || !m) {
      throw new TillsyncError('auth-required', 'missing till credentials', { status: 401, hint: `send Authorization: Bearer <till secret> and ${TILL_HEADER}: <store>-<till>` });
    }
    const row = await db.selectFrom('tills').select(['id', 'store', 'till', 'secret', 'allow_ips']).where('id', '=', tillId).executeTakeFirst();
    // Compare even for an unknown till, so the answer time does not tell which tills exist.
    const ok = secretMatches(m[1], row?.secret ?? DUMMY_SECRET) && Boolean(row);
    if (!row || !ok) throw new TillsyncError('auth-failed', `wrong secret for till ${tillId}, or till not enrolled`, { status: 401, hint: 'check the till secret given at enrolment (tillsync server enroll-till)' });
    if (!ipAllowed(row.allow_ips, req.ip)) {
      throw new TillsyncError('ip-not-allowed', `till ${row.id} may not connect from ${normalizeIp(req.ip)}`, { status: 403, hint: 'add this address to the till\'s allowlist (server enroll-till --rotate --allow-ip …) or connect from an allowed one' });
    }
    res.locals.till = { id: row.id, store: row.store, till: row.till } satisfies AuthenticatedTill;
    await db.updateTable('tills').set({ last_contact_at: new Date().toISOString() }).where('id', '=', row.id).execute();
    next();
  };
}

export function tillOf(res: Response): AuthenticatedTill {
  return res.locals.till as AuthenticatedTill;
}

export function clientIp(req: Request): string {
  return normalizeIp(req.ip);
}
