/**
 * The mail listener's limits, from the `mail` object of server.json (all optional):
 *   maxBytes            largest message taken (SIZE extension + counted while streaming), default 10 MiB
 *   senderPerMinute     mails per envelope sender per minute, default 10
 *   addressPerMinute    mails per source IP address per minute, default 60 (a relay carries many senders)
 *   allowFrom           if set, the only senders taken: addresses or "@domain" entries
 *   quarantineMaxBytes  room for refused mail attachments in quarantine/, default 100 MiB
 *   quarantineMaxFiles  and their number, default 500
 * Over a rate, a mail is deferred (450): a genuine sender's relay simply tries again later.
 */
import type { ServerConfig } from '../context.ts';

export interface MailLimits {
  maxBytes: number;
  senderPerMinute: number;
  addressPerMinute: number;
  allowFrom: string[] | null;
  quarantineMaxBytes: number;
  quarantineMaxFiles: number;
}

export const DEFAULT_MAIL_LIMITS: MailLimits = {
  maxBytes: 10 * 1024 * 1024,
  senderPerMinute: 10,
  addressPerMinute: 60,
  allowFrom: null,
  quarantineMaxBytes: 100 * 1024 * 1024,
  quarantineMaxFiles: 500,
};

const positive = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback);

export function mailLimitsOf(config: Pick<ServerConfig, 'mail'> | Record<string, unknown>, override: Partial<MailLimits> = {}): MailLimits {
  const m = (config as { mail?: Record<string, unknown> }).mail ?? {};
  const d = DEFAULT_MAIL_LIMITS;
  const allow = Array.isArray(m.allowFrom) ? m.allowFrom.map((a) => String(a).trim().toLowerCase()).filter(Boolean) : null;
  return {
    maxBytes: positive(m.maxBytes, d.maxBytes),
    senderPerMinute: positive(m.senderPerMinute, d.senderPerMinute),
    addressPerMinute: positive(m.addressPerMinute, d.addressPerMinute),
    allowFrom: allow && allow.length ? allow : null,
    quarantineMaxBytes: positive(m.quarantineMaxBytes, d.quarantineMaxBytes),
    quarantineMaxFiles: positive(m.quarantineMaxFiles, d.quarantineMaxFiles),
    ...override,
  };
}

/** Whether the allowlist (if any) takes this envelope sender. */
export function senderAllowed(limits: MailLimits, sender: string): boolean {
  if (!limits.allowFrom) return true;
  const s = sender.trim().toLowerCase();
  const domain = s.slice(s.lastIndexOf('@'));
  return limits.allowFrom.some((a) => (a.startsWith('@') ? a === domain : a === s));
}

/** Events per key over the last window: a sliding log of timestamps, pruned as it goes. */
export class RateWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(readonly limit: number, readonly windowMs = 60_000) {}

  /** Counts one event; false (and not counted) when the key is over its rate. */
  take(key: string, now = Date.now()): boolean {
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (!v.length || now - v[v.length - 1] > this.windowMs) this.hits.delete(k);
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    return true;
  }
}

/** Lets one log line per key through per window, counting the ones held back. */
export class LogGate {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(readonly windowMs = 60_000) {}

  /** null: stay quiet; else how many were held back since the last line. */
  pass(key: string, now = Date.now()): number | null {
    const cur = this.last.get(key);
    if (cur && now - cur.at < this.windowMs) {
      cur.held++;
      return null;
    }
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, { at: now, held: 0 });
    return cur?.held ?? 0;
  }
}
