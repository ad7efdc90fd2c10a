/**
 * The one door to Exact Online's REST API: bearer tokens kept fresh, rate limits respected, OData
 * answers unwrapped, errors turned into one line.
 *
 * Tokens (Exact: access token 10 minutes, refresh token rotating — each works once): an access
 * token within a minute of its end is refreshed first. The refresh runs under a lock file
 * (DATA/exact-online.lock, owner pid checked) and re-reads the state inside it, so two processes
 * (server start's schedule and a push by hand) never spend the same refresh token. The new tokens
 * are written durably (connection-store.ts) BEFORE the access token is used: a crash after Exact
 * answered leaves the new refresh token on disk (crash point exact:token-saved). The only window
 * left is between Exact's answer and the fsync (milliseconds); a token lost there, or revoked in
 * Exact, gives one line: "connect again".
 *
 * Rate limits (Exact: per minute and per day, headers X-RateLimit-Minutely-Remaining/Reset and
 * X-RateLimit-Remaining/Reset, resets in epoch ms): the headroom of the last answer is kept; with
 * none left in the minute the next call waits for the reset; a 429 waits for the reset too (at
 * most `maxWaitMs`, then retries, `maxRetries` times). The daily limit is never waited for: its
 * exhaustion is an error saying when it resets.
 */
import { withPidLockFile } from '../../sync/pid-lock-file.ts';
import { join } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';
import { crashPoint } from '../../sync/crash-points.ts';
import { readConnection, writeConnection, type ExactConnection, type RateHeadroom } from './connection-store.ts';

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: string | number;
}

export interface ApiOptions {
  /** Longest wait for a minutely reset before retrying (ms). */
  maxWaitMs?: number;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called with each wait (ms, reason), for progress lines. */
  onWait?: (ms: number, why: string) => void;
}

const REFRESH_MARGIN_MS = 60_000;

export function revokedError(data: string, detail: string): TillsyncError {
  return new TillsyncError('exact-revoked', `Exact Online refused tillsync's authorisation (${detail})`, { hint: `connect again: tillsync server exact connect --data ${data}`, status: 401 });
}

/** POST to Exact's token endpoint (form body, as OAuth 2 wants it). */
export async function tokenRequest(baseUrl: string, form: Record<string, string>): Promise<TokenAnswer> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/api/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form).toString() });
  } catch (e) {
    throw new TillsyncError('exact-unreachable', `cannot reach Exact Online at ${baseUrl}: ${(e as Error).message}`, { hint: 'check the network and --base-url (one host per country)' });
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok || typeof json.access_token !== 'string' || typeof json.refresh_token !== 'string') {
    const err = String(json.error ?? `HTTP ${res.status}`);
    const e = new TillsyncError(err === 'invalid_grant' ? 'exact-invalid-grant' : err === 'invalid_client' ? 'exact-invalid-client' : 'exact-token', `Exact Online token endpoint answered ${res.status} ${err}${json.error_description ? `: ${String(json.error_description)}` : ''}`, { hint: err === 'invalid_client' ? 'check --client-id and --client-secret (Exact App Center, your app)' : 'connect again: tillsync server exact connect', status: 401 });
    throw e;
  }
  return json as unknown as TokenAnswer;
}

function expiry(t: TokenAnswer): string {
  const s = Number(t.expires_in);
  return new Date(Date.now() + (Number.isFinite(s) && s > 0 ? s : 600) * 1000).toISOString();
}

/** The state with fresh tokens from an answer of the token endpoint. */
export function withTokens(c: ExactConnection, t: TokenAnswer): ExactConnection {
  const now = new Date().toISOString();
  return { ...c, accessToken: t.access_token, refreshToken: t.refresh_token, accessExpiresAt: expiry(t), refreshedAt: now };
}

function withRefreshLock<T>(data: string, fn: () => Promise<T>): Promise<T> {
  const path = join(data, 'exact-online.lock');
  return withPidLockFile(path, {
    waitMs: 30_000,
    pollMs: 50,
    busy: (owner) => new TillsyncError('exact-busy', `another process is refreshing the Exact Online token (lock ${path}, process ${owner})`, { hint: 'try again in a moment' }),
  }, fn);
}

function numHeader(h: Headers, name: string): number | null {
  const v = h.get(name);
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

export class ExactApi {
  conn: ExactConnection;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Calls made by this client (for summaries). */
  calls = 0;

  constructor(readonly data: string, private readonly opts: ApiOptions = {}) {
    this.conn = readConnection(data);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get division(): number {
    if (this.conn.division === null) throw new TillsyncError('exact-no-division', 'no Exact Online division chosen', { hint: `choose one: tillsync server exact division --data ${this.data} NUMBER` });
    return this.conn.division;
  }

  /** A valid access token, refreshed (and the rotation saved) when it is about to end. */
  async accessToken(force = false): Promise<string> {
    const fresh = (c: ExactConnection) => c.accessToken && c.accessExpiresAt && Date.parse(c.accessExpiresAt) - Date.now() > REFRESH_MARGIN_MS;
    if (!force && fresh(this.conn)) return this.conn.accessToken!;
    const used = this.conn.accessToken;
    this.conn = await withRefreshLock(this.data, async () => {
      // Another process may have refreshed meanwhile: its tokens are on disk.
      const current = readConnection(this.data);
      if (fresh(current) && (!force || current.accessToken !== used)) return current;
      if (!current.refreshToken) throw revokedError(this.data, 'no refresh token stored');
      let t: TokenAnswer;
      try {
        t = await tokenRequest(current.baseUrl, { grant_type: 'refresh_token', refresh_token: current.refreshToken, client_id: current.clientId, client_secret: current.clientSecret });
      } catch (e) {
        if (e instanceof TillsyncError && e.code === 'exact-invalid-grant') throw revokedError(this.data, 'refresh token revoked or expired');
        throw e;
      }
      const next = withTokens(current, t);
      await writeConnection(this.data, next);
      crashPoint('exact:token-saved');
      return next;
    });
    return this.conn.accessToken!;
  }

  private noteRate(h: Headers): void {
    const rate: RateHeadroom = {
      minutelyRemaining: numHeader(h, 'x-ratelimit-minutely-remaining'),
      minutelyReset: numHeader(h, 'x-ratelimit-minutely-reset'),
      dailyRemaining: numHeader(h, 'x-ratelimit-remaining'),
      dailyReset: numHeader(h, 'x-ratelimit-reset'),
      at: new Date().toISOString(),
    };
    if (rate.minutelyRemaining !== null || rate.dailyRemaining !== null) this.conn.rate = rate;
  }

  /** Saves the last headroom seen (status shows it); tokens are saved by accessToken itself. */
  async saveRate(): Promise<void> {
    if (!this.conn.rate) return;
    await withRefreshLock(this.data, async () => {
      const current = readConnection(this.data);
      await writeConnection(this.data, { ...current, rate: this.conn.rate });
    });
  }

  private async waitForMinute(reason: string, reset: number | null): Promise<void> {
    const ms = Math.min(Math.max((reset ?? Date.now() + 1000) - Date.now(), 50), this.opts.maxWaitMs ?? 65_000);
    this.opts.onWait?.(ms, reason);
    await this.sleep(ms);
  }

  /** One call; `path` is relative to /api/v1/{division}/ unless it starts with / or http. */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const url = /^https?:/.test(path) ? path : path.startsWith('/') ? `${this.conn.baseUrl}${path}` : `${this.conn.baseUrl}/api/v1/${this.division}/${path}`;
    const retries = this.opts.maxRetries ?? 5;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const r = this.conn.rate;
      if (r?.dailyRemaining === 0 && r.dailyReset && r.dailyReset > Date.now()) {
        throw new TillsyncError('exact-daily-limit', `Exact Online's daily API limit is used up until ${new Date(r.dailyReset).toISOString()}`, { hint: 'run the command again after that time: nothing sent twice' });
      }
      if (r?.minutelyRemaining === 0 && r.minutelyReset && r.minutelyReset > Date.now()) await this.waitForMinute('minutely limit reached', r.minutelyReset);
      const token = await this.accessToken();
      let res: Response;
      try {
        res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json', prefer: 'return=representation' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (e) {
        throw new TillsyncError('exact-unreachable', `cannot reach Exact Online at ${this.conn.baseUrl}: ${(e as Error).message}`, { hint: 'check the network; run the command again (nothing is sent twice)' });
      }
      this.calls++;
      this.noteRate(res.headers);
      if (res.status === 401 && !refreshed) {
        // The access token died before its time (revoked, clock skew): one refresh, then give up.
        refreshed = true;
        await this.accessToken(true);
        continue;
      }
      if (res.status === 401) throw revokedError(this.data, `${method} ${path} answered 401`);
      if (res.status === 429 && attempt < retries) {
        await this.waitForMinute('429 Too Many Requests', numHeader(res.headers, 'x-ratelimit-minutely-reset'));
        continue;
      }
      const text = await res.text();
      let json: unknown = null;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
      }
      if (!res.ok) {
        const msg = (json as { error?: { message?: { value?: string } } } | null)?.error?.message?.value ?? (typeof json === 'string' ? json.slice(0, 200) : `HTTP ${res.status}`);
        throw new TillsyncError('exact-api', `Exact Online answered ${res.status} to ${method} ${path.replace(/\?.*$/, '')}: ${msg}`, { hint: res.status >= 500 ? 'Exact had a problem: run the command again later (nothing is sent twice)' : 'fix what the message names in Exact or in tillsync, then run the command again', status: res.status >= 500 ? 502 : 400 });
      }
      return { status: res.status, json };
    }
  }

  /** Every row of a GET list, following `__next` pages. */
  async list<T = Record<string, unknown>>(path: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | null = path;
    while (next) {
      const { json } = await this.request('GET', next);
      const d = (json as { d?: { results?: T[]; __next?: string } | T[] })?.d;
      const rows = Array.isArray(d) ? d : d?.results ?? [];
      out.push(...rows);
      next = !Array.isArray(d) && d?.__next ? d.__next : null;
    }
    return out;
  }

  /** POST a record; Exact answers `{ d: {…} }`. */
  async create<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    const { json } = await this.request('POST', path, body);
    return ((json as { d?: T })?.d ?? json) as T;
  }
}

/** An OData string literal: quotes doubled. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
