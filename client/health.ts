/**
 * Is the store server there? `GET <server>/api/health` with a short timeout, the answer cached a
 * few seconds so that selling never waits on the network twice in a row. No server configured →
 * never degraded (every ticket is simply untransferred until it is packaged and sent).
 */
import { API } from '../sync/replication-protocol.ts';
import { serverRequest, whyUnreachable } from '../sync/transports/server-http.ts';

export interface HealthOptions {
  /** How long a check may take before the server counts as away. */
  timeoutMs?: number;
  /** How long a result stays valid for a sale. */
  freshMs?: number;
  /** The server certificate's pinned SHA-256 fingerprint (https). */
  fingerprint?: string | null;
  /** Called after each check that reached the server. */
  onContact?: (at: Date) => void;
  /** Called when the answer changes (online ↔ away). */
  onChange?: (online: boolean) => void;
  /**
   * Never make a sale wait once an answer is known: a stale answer is used while a fresh check
   * runs in the background (till start, whose loop keeps it fresh anyway).
   */
  background?: boolean;
}

export class HealthMonitor {
  online: boolean | null = null;
  /** Why the last check failed, in a few words (`connection refused`, `no answer in 0.8 s`); null when it answered. */
  problem: string | null = null;
  checkedAt = 0;
  private inFlight: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly timeoutMs: number;
  private readonly freshMs: number;

  constructor(readonly serverUrl: string | null, private readonly opts: HealthOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 800;
    this.freshMs = opts.freshMs ?? 3000;
  }

  check(): Promise<boolean> {
    if (!this.serverUrl) return Promise.resolve(false);
    if (this.inFlight) return this.inFlight;
    const endpoint = { url: this.serverUrl, fingerprint: this.opts.fingerprint };
    this.inFlight = (async () => {
      let ok = false;
      let problem: string | null = null;
      try {
        const res = await serverRequest(endpoint, { method: 'GET', path: API.health, timeoutMs: this.timeoutMs });
        ok = res.status === 200 && /"ok"\s*:\s*true/.test(res.text);
        if (!ok) problem = res.status === 200 ? 'not a tillsync server health answer' : `HTTP ${res.status}`;
      } catch (e) {
        const why = whyUnreachable(e);
        // The timeout also bounds the connection itself: a black-holed address costs timeoutMs, no more.
        problem = why === 'no answer in time' ? `no answer in ${this.timeoutMs / 1000} s` : why;
      }
      this.problem = problem;
      const was = this.online;
      this.online = ok;
      this.checkedAt = Date.now();
      if (ok) this.opts.onContact?.(new Date());
      if (was !== ok) this.opts.onChange?.(ok);
      return ok;
    })().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Whether a ticket sold now is degraded: cached answer when fresh, else one short check. */
  async isDegraded(): Promise<boolean> {
    if (!this.serverUrl) return false;
    if (this.online !== null && Date.now() - this.checkedAt < this.freshMs) return !this.online;
    if (this.online !== null && this.opts.background) {
      void this.check();
      return !this.online;
    }
    return !(await this.check());
  }

  /** Checks every `intervalMs` (till start), so sales always find a fresh answer. */
  start(intervalMs = 2000): void {
    if (!this.serverUrl || this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
