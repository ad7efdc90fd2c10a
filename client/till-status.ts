/**
 * What `till status` reports, put together from two halves: the facts only the store knows
 * (StatusFacts: numbers, counts, closures, journal — read from the open store, or from the status
 * snapshot while the store is unchanged, client/store/status-snapshot.ts) and what is read fresh on
 * every call (the signing key on disk, the server's health). Both ways give the same TillStatus.
 */
import type { Closure } from '../sync/types.ts';
import { keyFingerprint } from '../sync/till-keys.ts';
import type { LedgerCounts } from './store/ticket-ledger.ts';
import { loadTillSigningKey } from './till-signing-key.ts';

export interface TillStatus {
  store: string;
  till: string;
  server: string | null;
  /** null: no server configured, or not checked yet. */
  serverOnline: boolean | null;
  /**
   * What the cashier's screen shows: `online` (the server answers, tickets replicate), `degraded`
   * (a server is configured but does not answer: tickets are flagged degraded), `standalone` (no
   * server: tickets wait to be extracted and sent), `checking` (first health check running).
   */
  mode: 'online' | 'degraded' | 'standalone' | 'checking';
  /** Why the server counts as away (`connection refused`, `no answer in 0.8 s`, …); null otherwise. */
  serverUnreachable?: string | null;
  /** How the till talks to its server: tls (pinned or by system CAs), loopback or insecure plain HTTP. */
  transport: 'tls-pinned' | 'tls' | 'http-loopback' | 'http-insecure' | null;
  /** Id of the till's signing key (null before init made one). */
  signingKeyId: string | null;
  lastNumber: number;
  lastHash: string;
  counts: LedgerCounts;
  lastServerContact: string | null;
  lastClosure: Pick<Closure, 'id' | 'seq' | 'closedAt' | 'day' | 'ticketCount' | 'firstNumber' | 'lastNumber' | 'total' | 'grandTotal'> | null;
  /** Tickets sold since the last closure. */
  openTickets: number;
  /** The cash-register law's state: last monthly and fiscal-year closures, journal, training mode, key. */
  fiscal: {
    lastMonth: { id: string; period: string } | null;
    lastYear: { id: string; period: string } | null;
    journalEvents: number;
    training: boolean;
    keyFingerprint: string | null;
    pendingClosure: string | null;
  };
  /** Articles in memory (null for a one-shot command, which fetches them on demand). */
  articles: number | null;
  customers: number;
  replication?: unknown;
}

/** The part of a status that only the store knows. Plain JSON, without the till's auth secret. */
export interface StatusFacts {
  identity: { store: string; till: string; serverUrl: string | null; serverFingerprint: string | null; insecureHttp: boolean };
  lastNumber: number;
  lastHash: string;
  counts: LedgerCounts;
  lastServerContact: string | null;
  lastClosure: TillStatus['lastClosure'];
  openTickets: number;
  fiscal: Omit<TillStatus['fiscal'], 'keyFingerprint'>;
  customers: number;
}

/** The server's health as status needs it (a HealthMonitor, or nothing checked). */
export interface HealthAnswer {
  online: boolean | null;
  problem?: string | null;
}

export function composeStatus(f: StatusFacts, o: { dataDir: string; health: HealthAnswer; articles: number | null; replication?: unknown }): TillStatus {
  const id = f.identity;
  const key = signingKeyOf(o.dataDir);
  const online = id.serverUrl ? o.health.online : null;
  return {
    store: id.store,
    till: id.till,
    server: id.serverUrl,
    serverOnline: online,
    mode: !id.serverUrl ? 'standalone' : online === null ? 'checking' : online ? 'online' : 'degraded',
    ...(id.serverUrl && online === false ? { serverUnreachable: o.health.problem ?? 'no answer' } : {}),
    transport: !id.serverUrl ? null : id.serverUrl.startsWith('https:') ? (id.serverFingerprint ? 'tls-pinned' : 'tls') : id.insecureHttp ? 'http-insecure' : 'http-loopback',
    signingKeyId: key?.keyId ?? null,
    lastNumber: f.lastNumber,
    lastHash: f.lastHash,
    counts: f.counts,
    lastServerContact: f.lastServerContact,
    lastClosure: f.lastClosure,
    openTickets: f.openTickets,
    fiscal: { lastMonth: f.fiscal.lastMonth, lastYear: f.fiscal.lastYear, journalEvents: f.fiscal.journalEvents, training: f.fiscal.training, keyFingerprint: key ? keyFingerprint(key.publicKeyPem) : null, pendingClosure: f.fiscal.pendingClosure },
    articles: o.articles,
    customers: f.customers,
    ...(o.replication !== undefined ? { replication: o.replication } : {}),
  };
}

function signingKeyOf(dataDir: string): { keyId: string; publicKeyPem: string } | null {
  try {
    return loadTillSigningKey(dataDir);
  } catch {
    // No key yet: made by the first signed record.
    return null;
  }
}
