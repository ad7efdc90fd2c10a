/**
 * How a till authenticates an HTTP request to its store server without sending a reusable secret:
 * an HMAC-SHA256, keyed by the till's AUTH secret (given at enrolment; never the signing key), over
 * method, path with query, till id, timestamp, nonce and the SHA-256 of the body. The server checks
 * the HMAC from the headers alone — before reading any body — then refuses a timestamp outside the
 * replay window or a nonce it has already seen, then reads at most the route's cap of body bytes
 * and checks their digest. What crosses the wire authenticates one request, once, and signs nothing.
 *
 * Pure functions both sides share; the nonce cache is the server's.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const AUTH_SCHEME = 'Tillsync-HMAC-SHA256';
export const TILL_HEADER = 'x-tillsync-till';
export const DATE_HEADER = 'x-tillsync-date';
export const NONCE_HEADER = 'x-tillsync-nonce';
export const DIGEST_HEADER = 'x-tillsync-content-sha256';

/** A request older or newer than this (till clock vs server clock) is refused. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export function bodyDigest(body: Buffer | string | undefined): string {
  return body === undefined || body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
}

export interface SignedRequestParts {
  method: string;
  /** Path and query exactly as sent (`/api/replication/acks/pull?limit=500`). */
  path: string;
  till: string;
  /** Milliseconds since the epoch, decimal text. */
  date: string;
  nonce: string;
  digest: string;
}

function stringToSign(p: SignedRequestParts): string {
  return [AUTH_SCHEME, p.method.toUpperCase(), p.path, p.till, p.date, p.nonce, p.digest].join('\n');
}

export function requestMac(authSecret: string, p: SignedRequestParts): string {
  return createHmac('sha256', authSecret).update(stringToSign(p)).digest('hex');
}

/** The headers that authenticate one request (add content-type yourself). */
export function signRequest(opts: { authSecret: string; till: string; method: string; path: string; body?: Buffer | string; now?: number }): Record<string, string> {
  const parts: SignedRequestParts = {
    method: opts.method,
    path: opts.path,
    till: opts.till,
    date: String(opts.now ?? Date.now()),
    nonce: randomBytes(16).toString('hex'),
    digest: bodyDigest(opts.body),
  };
  return {
    authorization: `${AUTH_SCHEME} ${requestMac(opts.authSecret, parts)}`,
    [TILL_HEADER]: parts.till,
    [DATE_HEADER]: parts.date,
    [NONCE_HEADER]: parts.nonce,
    [DIGEST_HEADER]: parts.digest,
  };
}

/** The signed parts read back from headers, or the name of what is missing or malformed. */
export function parseSignedHeaders(get: (name: string) => string | undefined, method: string, path: string): { parts: SignedRequestParts; mac: string } | { problem: string } {
  const auth = get('authorization') ?? '';
  const m = new RegExp(`^${AUTH_SCHEME} ([0-9a-f]{64})$`).exec(auth);
  if (!m) return { problem: auth ? 'Authorization is not a Tillsync-HMAC-SHA256 signature' : 'no Authorization header' };
  const till = get(TILL_HEADER) ?? '';
  const date = get(DATE_HEADER) ?? '';
  const nonce = get(NONCE_HEADER) ?? '';
  const digest = get(DIGEST_HEADER) ?? '';
  if (!/^[A-Za-z0-9]{1,16}-[A-Za-z0-9]{1,16}$/.test(till)) return { problem: `no valid ${TILL_HEADER} header` };
  if (!/^\d{1,16}$/.test(date)) return { problem: `no valid ${DATE_HEADER} header` };
  if (!/^[0-9a-f]{32}$/.test(nonce)) return { problem: `no valid ${NONCE_HEADER} header` };
  if (!/^[0-9a-f]{64}$/.test(digest)) return { problem: `no valid ${DIGEST_HEADER} header` };
  return { parts: { method, path, till, date, nonce, digest }, mac: m[1] };
}

export function macMatches(authSecret: string, parts: SignedRequestParts, mac: string): boolean {
  return timingSafeEqual(Buffer.from(requestMac(authSecret, parts), 'hex'), Buffer.from(mac, 'hex'));
}

/**
 * Nonces seen within the replay window, per till. In memory: a server restart forgets them, which
 * the window bounds (a request captured less than REPLAY_WINDOW_MS before a restart could be
 * replayed once after it; every request is idempotent, so a replay re-does nothing).
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly windowMs = REPLAY_WINDOW_MS, private readonly max = 200_000) {}

  /** True the first time (till, nonce) is seen in the window; false on a replay. */
  admit(till: string, nonce: string, now = Date.now()): boolean {
    if (now - this.lastSweep > 10_000 || this.seen.size >= this.max) this.sweep(now);
    const key = `${till} ${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now + 2 * this.windowMs);
    return true;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
    // Still full (a flood of valid requests): drop the oldest; the window check still bounds replays.
    while (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
  }
}
