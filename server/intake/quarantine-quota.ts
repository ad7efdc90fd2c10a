/**
 * A quota on what mail can put into quarantine/: refused attachments that were never a genuine
 * package of an enrolled till (not a zip, a bad manifest, a wrong signature, an unknown till —
 * "junk") are dropped oldest first once the junk plus everything else the mail brought exceeds
 * the room given. A genuine package refused for a business reason (its signature checked) is
 * never dropped: the operator must see it. Junk is recognised by the `class: junk` line its
 * reason file carries (quarantine.ts writes it).
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inboxFolders, REASON_SUFFIX } from './quarantine.ts';

/** Refusal reasons given before (or instead of) a good signature of an enrolled till. */
const JUNK_REASONS = new Set(['zip-corrupt', 'path-traversal', 'unexpected-entry', 'too-large', 'compression-ratio', 'manifest', 'checksum', 'unknown-till', 'signature', 'wrong-till']);

export function isJunkReason(reason: string): boolean {
  return JUNK_REASONS.has(reason);
}

interface Held {
  file: string;
  bytes: number;
  mtimeMs: number;
  junk: boolean;
}

function mailHeld(quarantine: string): Held[] {
  let names: string[];
  try {
    names = readdirSync(quarantine);
  } catch {
    return [];
  }
  const out: Held[] = [];
  for (const n of names) {
    if (!n.endsWith(REASON_SUFFIX)) continue;
    const file = join(quarantine, n.slice(0, -REASON_SUFFIX.length));
    let reason: string;
    try {
      reason = readFileSync(join(quarantine, n), 'utf8');
    } catch {
      continue;
    }
    if (!/^channel: mail$/m.test(reason)) continue;
    try {
      const st = statSync(file);
      out.push({ file, bytes: st.size, mtimeMs: st.mtimeMs, junk: /^class: junk$/m.test(reason) });
    } catch {
      // reason file without its package: nothing to count
    }
  }
  return out;
}

export interface QuotaResult {
  dropped: string[];
  droppedBytes: number;
  /** Still over quota after dropping every junk file: only genuine packages are left. */
  overWithGenuine: boolean;
}

export function enforceMailQuarantineQuota(inbox: string, quota: { maxBytes: number; maxFiles: number }): QuotaResult {
  const held = mailHeld(inboxFolders(inbox).quarantine);
  let bytes = held.reduce((s, h) => s + h.bytes, 0);
  let files = held.length;
  const dropped: string[] = [];
  let droppedBytes = 0;
  const junk = held.filter((h) => h.junk).sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
  for (const j of junk) {
    if (bytes <= quota.maxBytes && files <= quota.maxFiles) break;
    rmSync(j.file, { force: true });
    rmSync(j.file + REASON_SUFFIX, { force: true });
    dropped.push(j.file);
    droppedBytes += j.bytes;
    bytes -= j.bytes;
    files--;
  }
  return { dropped, droppedBytes, overWithGenuine: bytes > quota.maxBytes || files > quota.maxFiles };
}
