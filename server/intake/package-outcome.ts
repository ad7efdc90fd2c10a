/**
 * How a package outcome is told: one line for people (`server intake`, the server output) and an
 * HTTP status + JSON for tills.
 */
import { TillsyncError } from '../../sync/errors.ts';
import type { PackageOutcome } from './intake.ts';

export function outcomeLine(o: PackageOutcome): string {
  if (o.status === 'accepted') {
    const c = o.counts;
    const extra = [c.conflicts ? `${c.conflicts} conflicts` : '', c.errors ? `${c.errors} refused lines` : '', c.flagged ? `${c.flagged} flagged (broken chain)` : ''].filter(Boolean).join(', ');
    return `${o.fileName}: accepted — ${c.tickets} tickets of ${o.till}: ${c.accepted} new, ${c.duplicates} already known${extra ? `, ${extra}` : ''}`;
  }
  if (o.status === 'already') return `${o.fileName}: already received (${o.receivedAt} by ${o.channel}) — nothing to do`;
  return `${o.fileName}: REFUSED (${o.reason}) — ${o.message}${o.hint ? ` (${o.hint})` : ''}`;
}

const REFUSAL_STATUS: Record<string, number> = { 'unknown-till': 403, signature: 403, 'wrong-till': 403, 'too-large': 413, 'compression-ratio': 413 };

/** A refused package as the error the HTTP handler sends (422 by default). */
export function refusalError(o: Extract<PackageOutcome, { status: 'refused' }>): TillsyncError {
  return new TillsyncError(`package-${o.reason}`, o.message, { hint: o.hint, status: REFUSAL_STATUS[o.reason] ?? 422, ref: { file: o.fileName, till: o.till ?? undefined } });
}

/** The JSON answer for an accepted or already-known package. */
export function outcomeBody(o: PackageOutcome): Record<string, unknown> {
  if (o.status === 'accepted') {
    return { status: 'accepted', packageId: o.packageId, fileName: o.fileName, till: o.till, counts: o.counts, conflicts: o.result.conflicts, rejected: o.result.rejected, flagged: o.result.flagged, lineErrors: o.lineErrors };
  }
  if (o.status === 'already') return { status: 'already', packageId: o.packageId, fileName: o.fileName, receivedAt: o.receivedAt, channel: o.channel, counts: o.counts };
  return { status: 'refused', packageId: o.packageId, fileName: o.fileName, reason: o.reason, message: o.message, hint: o.hint };
}
