/**
 * `till rotate-key` with its journal line: the new key is made and chained to the old one by a
 * statement both sign (client/till-signing-key.ts), then the journal records a `key-change` event
 * carrying that whole statement. The event is the first one signed by the new key, so every
 * archive spanning the change holds the proof that lets `audit verify` accept both keys
 * (sync/archive-verify.ts follows the journal's keys from change to change).
 */
import type { KeyChange } from '../sync/key-change.ts';
import type { TillKeyPair } from '../sync/till-keys.ts';
import { rotateTillSigningKey } from './till-signing-key.ts';
import type { TillService } from './till-service.ts';

export async function rotateKeyJournalled(svc: TillService): Promise<{ oldKeyId: string; key: TillKeyPair; change: KeyChange; eventId: string | null }> {
  await svc.journal.idle(); // events already queued are signed by the old key, before the change
  const id = svc.identity;
  const r = rotateTillSigningKey(svc.dataDir, `${id.store}-${id.till}`);
  const e = await svc.journal.record('key-change', { ...r.change });
  return { ...r, eventId: e?.id ?? null };
}
