/**
 * Login throttling of the back office, per account and per source address: a few failures are
 * free, then each further failure locks the key for twice as long as the one before (1 s, 2 s,
 * 4 s … capped). While a key is locked every attempt is answered 429 with Retry-After, the right
 * password included, and no password is even checked (so a brute force costs the server nothing
 * and learns nothing). A success clears its account's count. In memory: a restart forgets, which
 * only ever makes it kinder to the shop's own staff.
 *
 * Pure bookkeeping over a Map; the clock comes in as `now` so the rules are testable without sleeps.
 */
export interface ThrottleRules {
  /** Failures allowed before the first lock, per account. */
  accountFree: number;
  /** Failures allowed before the first lock, per source address (several users share one PC). */
  addressFree: number;
  /** First lock; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_THROTTLE: ThrottleRules = { accountFree: 5, addressFree: 20, baseMs: 1000, maxMs: 15 * 60_000 };

interface Entry {
  failures: number;
  lockedUntil: number;
  /** Whether this lock period's refusal was already written to the log book. */
  told: boolean;
  lastAt: number;
}

export interface Lock {
  key: string;
  retryAfterMs: number;
  failures: number;
  /** First refusal of this lock period (worth a log-book line). */
  first: boolean;
}

const MAX_KEYS = 10_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly rules: ThrottleRules = DEFAULT_THROTTLE) {}

  static keys(account: string, address: string): { account: string; address: string } {
    return { account: `account:${account.toLowerCase().slice(0, 64)}`, address: `address:${address}` };
  }

  /** The longest lock among these keys, or null when the attempt may be checked. */
  locked(keys: string[], now = Date.now()): Lock | null {
    let worst: Lock | null = null;
    for (const key of keys) {
      const e = this.entries.get(key);
      if (!e || e.lockedUntil <= now) continue;
      const lock = { key, retryAfterMs: e.lockedUntil - now, failures: e.failures, first: !e.told };
      e.told = true;
      if (!worst || lock.retryAfterMs > worst.retryAfterMs) worst = lock;
    }
    return worst;
  }

  /** Counts a wrong password; returns the lock it starts, if any. */
  failed(key: string, free: number, now = Date.now()): Lock | null {
    this.prune(now);
    const e = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, told: false, lastAt: now };
    e.failures++;
    e.lastAt = now;
    this.entries.set(key, e);
    if (e.failures <= free) return null;
    const ms = Math.min(this.rules.maxMs, this.rules.baseMs * 2 ** Math.min(30, e.failures - free - 1));
    e.lockedUntil = now + ms;
    e.told = false;
    return { key, retryAfterMs: ms, failures: e.failures, first: true };
  }

  /** Keys locked at `now` (the security page's "throttled" list): account or address, until when. */
  lockedKeys(now = Date.now()): { kind: 'account' | 'address'; who: string; failures: number; until: number }[] {
    const out: { kind: 'account' | 'address'; who: string; failures: number; until: number }[] = [];
    for (const [key, e] of this.entries) {
      if (e.lockedUntil <= now) continue;
      const i = key.indexOf(':');
      out.push({ kind: key.slice(0, i) === 'account' ? 'account' : 'address', who: key.slice(i + 1), failures: e.failures, until: e.lockedUntil });
    }
    return out.sort((a, b) => b.until - a.until);
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets keys idle for longer than the longest lock, and the oldest ones past MAX_KEYS. */
  private prune(now: number): void {
    if (this.entries.size < MAX_KEYS) return;
    for (const [k, e] of this.entries) if (e.lockedUntil <= now && now - e.lastAt > this.rules.maxMs) this.entries.delete(k);
    const extra = this.entries.size - MAX_KEYS + 1;
    if (extra > 0) [...this.entries.entries()].sort((a, b) => a[1].lastAt - b[1].lastAt).slice(0, extra).forEach(([k]) => this.entries.delete(k));
  }
}
