/**
 * `till status` without opening the store: the status snapshot's facts while the store is unchanged
 * (client/store/status-snapshot.ts), the signing key and the server's health read fresh, as the
 * store-opening path does. Null when there is no valid snapshot: the caller opens the store.
 */
import { noteContactInSnapshot, readStatusSnapshot } from './store/status-snapshot.ts';
import { composeStatus, type HealthAnswer, type TillStatus } from './till-status.ts';

export async function statusFromSnapshot(dataDir: string): Promise<TillStatus | null> {
  const facts = readStatusSnapshot(dataDir);
  if (!facts) return null;
  let health: HealthAnswer & { checkedAt?: number } = { online: null };
  const { serverUrl, serverFingerprint } = facts.identity;
  if (serverUrl) {
    // Loaded only with a server: node's http/https/tls cost a light command ~20 ms.
    const { HealthMonitor } = await import('./health.ts');
    const monitor = new HealthMonitor(serverUrl, { fingerprint: serverFingerprint });
    await monitor.check();
    health = monitor;
  }
  // Like the store-opening path: the status shows the contact recorded before this check.
  const status = composeStatus(facts, { dataDir, health, articles: null });
  if (health.online && health.checkedAt) noteContactInSnapshot(dataDir, new Date(health.checkedAt));
  return status;
}
