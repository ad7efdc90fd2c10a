/**
 * Authentication of every till → server request but /api/health (sync/request-auth.ts): the HMAC
 * of method, path, till, timestamp, nonce and body digest, keyed by the till's auth secret, is
 * checked from the HEADERS ALONE — before a byte of body is read — then the replay window, the
 * nonce, the till's optional IP allowlist. Only then does `body(limit)` read at most `limit` bytes
 * and check them against the signed digest.
 *
 * Refusals cost the same whoever asks: auth secrets come from an in-memory table refreshed at most
 * every CACHE_MS (no database round trip per request), an unknown till is checked against a dummy
 * secret, and the answer closes the connection so a large unauthenticated body is never drained.
 * The authenticated till goes to `res.locals.till`.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { ServerContext } from '../context.ts';
import { appendDayLog } from '../log-book.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { DIGEST_HEADER, EMPTY_SHA256, NonceCache, REPLAY_WINDOW_MS, bodyDigest, macMatches, parseSignedHeaders } from '../../sync/request-auth.ts';
import { tillAuthPurpose, unwrapSecret } from '../security/secrets-at-rest.ts';
import { ipAllowed, normalizeIp } from './till-registry.ts';

export interface AuthenticatedTill {
  id: string;
  store: string;
  till: string;
}

interface TillRow extends AuthenticatedTill {
  secret: string;
  allowIps: string | null;
}

const CACHE_MS = 2000;
const DUMMY_SECRET = 'x'.repeat(64);

export interface TillAuth {
  /** Checks the request's signature from its headers; reads no body. */
  check: RequestHandler;
  /** After `check`: reads at most `limit` bytes, checks the signed digest; JSON parsed into req.body when `json`. */
  body(limit: number, kind: 'json' | 'raw'): RequestHandler[];
}

const perContext = new WeakMap<object, TillAuth>();

/** One authenticator per server context: the upload and replication routes share its nonce cache. */
export function tillAuth(ctx: ServerContext, opts: { windowMs?: number } = {}): TillAuth {
  let auth = perContext.get(ctx);
  if (!auth) {
    auth = makeTillAuth(ctx, opts.windowMs ?? REPLAY_WINDOW_MS);
    perContext.set(ctx, auth);
  }
  return auth;
}

function makeTillAuth(ctx: ServerContext, windowMs: number): TillAuth {
  const nonces = new NonceCache(windowMs);
  let table = new Map<string, TillRow>();
  let loadedAt = 0;
  let loading: Promise<void> | null = null;
  const lastLogged = new Map<string, number>();

  async function rows(): Promise<Map<string, TillRow>> {
    if (Date.now() - loadedAt > CACHE_MS) {
      loading ??= (async () => {
        const list = await ctx.db.selectFrom('tills').select(['id', 'store', 'till', 'secret', 'allow_ips']).execute();
        table = new Map(list.map((r) => [r.id, { id: r.id, store: r.store, till: r.till, secret: unwrapSecret(ctx.data, tillAuthPurpose(r.id), r.secret), allowIps: r.allow_ips }]));
        loadedAt = Date.now();
      })().finally(() => {
        loading = null;
      });
      await loading;
    }
    return table;
  }

  const refuse = (req: Request, res: Response, code: string, message: string, hint: string, status = 401): never => {
    res.setHeader('connection', 'close');
    // One line per kind of refusal and source per minute: a flood must not fill the disk.
    const key = `${code} ${normalizeIp(req.ip)}`;
    if (Date.now() - (lastLogged.get(key) ?? 0) > 60_000) {
      lastLogged.set(key, Date.now());
      if (lastLogged.size > 10_000) lastLogged.clear();
      try {
        appendDayLog(ctx.data, `WARNING [http ${normalizeIp(req.ip)}] refused ${req.method} ${req.path}: ${message}`);
      } catch {
        // The answer matters more than the log line.
      }
    }
    throw new TillsyncError(code, message, { status, hint });
  };

  const check: RequestHandler = async (req, res, next) => {
    const signed = parseSignedHeaders((n) => req.get(n), req.method, req.originalUrl);
    if ('problem' in signed) {
      return refuse(req, res, 'auth-required', `till request not signed: ${signed.problem}`, 'tills sign every request with their auth secret: initialise the till with the enrolment string (tillsync till init --enrolment …)');
    }
    const { parts, mac } = signed;
    const row = (await rows()).get(parts.till);
    // Compute a MAC even for an unknown till, so the answer time does not tell which tills exist.
    const ok = macMatches(row?.secret ?? DUMMY_SECRET, parts, mac) && Boolean(row);
    if (!row || !ok) {
      return refuse(req, res, 'auth-failed', `bad request signature for till ${parts.till}, or till not enrolled`, 'check the till was initialised with its current enrolment string (tillsync server enroll-till)');
    }
    const skew = Date.now() - Number(parts.date);
    if (Math.abs(skew) > windowMs) {
      return refuse(req, res, 'auth-stale', `request of till ${row.id} dated ${Math.round(skew / 1000)} s ${skew > 0 ? 'ago' : 'ahead'}, outside the ${windowMs / 1000} s window (replayed, or the till clock is wrong)`, 'set the till\'s clock right (NTP)');
    }
    if (!nonces.admit(row.id, parts.nonce)) {
      return refuse(req, res, 'auth-replayed', `request of till ${row.id} replayed (nonce already used)`, 'each request is signed once; a replay is refused');
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && parts.digest !== EMPTY_SHA256) {
      return refuse(req, res, 'auth-failed', 'a GET request carries no body', 'sign GET requests with the digest of an empty body', 400);
    }
    if (!ipAllowed(row.allowIps, req.ip)) {
      return refuse(req, res, 'ip-not-allowed', `till ${row.id} may not connect from ${normalizeIp(req.ip)}`, 'add this address to the till\'s allowlist (server enroll-till --rotate --allow-ip …) or connect from an allowed one', 403);
    }
    res.locals.till = { id: row.id, store: row.store, till: row.till } satisfies AuthenticatedTill;
    res.locals.tillDigest = parts.digest;
    await ctx.db.updateTable('tills').set({ last_contact_at: new Date().toISOString() }).where('id', '=', row.id).execute();
    next();
  };

  const body = (limit: number, kind: 'json' | 'raw'): RequestHandler[] => [
    express.raw({ type: () => true, limit }),
    (req, res, next) => {
      const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bodyDigest(bytes) !== res.locals.tillDigest) {
        throw new TillsyncError('auth-failed', `body does not match its signed ${DIGEST_HEADER}`, { status: 400, hint: 'the request was altered on the way: send it again' });
      }
      if (kind === 'raw') {
        req.body = bytes;
        return next();
      }
      try {
        req.body = bytes.length ? JSON.parse(bytes.toString('utf8')) : {};
      } catch {
        throw new TillsyncError('bad-json', 'request body is not valid JSON', { status: 400 });
      }
      next();
    },
  ];

  return { check, body };
}

export function tillOf(res: Response): AuthenticatedTill {
  return res.locals.till as AuthenticatedTill;
}

