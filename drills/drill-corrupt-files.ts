/**
 * Damaged and hostile ticket packages, made from good ones, for the corrupt-files drill:
 *  - truncated: a copy interrupted half-way;
 *  - bit-flipped: one bit flipped inside the tickets' compressed data;
 *  - re-signed: a ticket's amount changed and the manifest re-signed with a key that is not the till's;
 *  - zip-slip: a package with an extra entry named `../../…` (written byte by byte: no honest zip
 *    library writes such names).
 * Each comes with the refusal reason the server must give (sync/PACKAGE-FORMAT.md).
 */
import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { manifestSigningText, signManifest } from '../sync/signed-zip.ts';
import { generateTillKeyPair, signText } from '../sync/till-keys.ts';
import { rawZip, type RawEntry } from '../sync/raw-zip.ts';

export type Corruption = 'truncated' | 'bit-flipped' | 're-signed' | 'zip-slip';

export const CORRUPTIONS: Corruption[] = ['truncated', 'bit-flipped', 're-signed', 'zip-slip'];

/** The refusal reason(s) a reader may give for each damage. */
export const EXPECTED_REASON: Record<Corruption, RegExp> = {
  truncated: /^zip-corrupt$/,
  'bit-flipped': /^(zip-corrupt|checksum)$/,
  're-signed': /^signature$/,
  'zip-slip': /^path-traversal$/,
};

function entriesOf(bytes: Buffer): RawEntry[] {
  return new AdmZip(bytes).getEntries().map((e) => ({ name: e.entryName, data: e.getData() }));
}

/** Changes the first ticket's due amount by one cent and re-signs the manifest with `wrongSecret`. */
function reSigned(bytes: Buffer, wrongSecret: string): Buffer {
  const entries = entriesOf(bytes);
  const ticketsEntry = entries.find((e) => e.name === 'tickets.jsonl')!;
  const lines = ticketsEntry.data.toString('utf8').split('\n');
  const t = JSON.parse(lines[0]);
  t.totals.due = (Number(t.totals.due) + 0.01).toFixed(2);
  lines[0] = JSON.stringify(t);
  ticketsEntry.data = Buffer.from(lines.join('\n'), 'utf8');
  const manifestEntry = entries.find((e) => e.name === 'manifest.json')!;
  const manifest = JSON.parse(manifestEntry.data.toString('utf8'));
  // Checksums made to match, so only the signature can tell: the forger lacks the till's key.
  manifest.entries = manifest.entries.map((e: { name: string }) => (e.name === 'tickets.jsonl' ? { ...e, size: ticketsEntry.data.length, sha256: createHash('sha256').update(ticketsEntry.data).digest('hex') } : e));
  // Signed again, by a key that is not the till's (format 3), or with another HMAC secret (1–2).
  manifest.signature = manifest.version >= 3 ? signText(generateTillKeyPair().privateKeyPem, manifestSigningText(manifest)) : signManifest(manifest, wrongSecret);
  manifestEntry.data = Buffer.from(JSON.stringify(manifest, null, 2));
  return rawZip(entries);
}

/** One damaged copy of a good package. `r` picks where to flip or cut. */
export function corruptPackage(bytes: Buffer, kind: Corruption, r: () => number): Buffer {
  switch (kind) {
    case 'truncated':
      return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * (0.2 + r() * 0.6))));
    case 'bit-flipped': {
      // Inside tickets.jsonl's compressed data: past its local header and name, before the central directory.
      const nameAt = bytes.indexOf(Buffer.from('tickets.jsonl'));
      const dataStart = nameAt + 'tickets.jsonl'.length;
      // Its data ends where the next entry's local header or the central directory starts.
      const ends = [Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from([0x50, 0x4b, 0x01, 0x02])].map((sig) => bytes.indexOf(sig, dataStart)).filter((i) => i > 0);
      const end = Math.min(...ends);
      const at = dataStart + 4 + Math.floor(r() * Math.max(1, end - dataStart - 8));
      const out = Buffer.from(bytes);
      out[at] ^= 1 << Math.floor(r() * 8);
      return out;
    }
    case 're-signed':
      return reSigned(bytes, 'not-the-till-secret-' + Math.floor(r() * 1e9));
    case 'zip-slip': {
      const entries = entriesOf(bytes);
      return rawZip([...entries, { name: '../../drill-zip-slip-escaped.txt', data: Buffer.from('this file must never be written outside the package\n') }]);
    }
  }
}
