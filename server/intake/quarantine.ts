/**
 * The inbox's two side folders: `processed/` for files taken (accepted, or already known) and
 * `quarantine/` for files refused, each with `<file>.reason.txt` beside it saying why and how to
 * reprocess. Names are never overwritten: a second file of the same name gets `-2`, `-3`…
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { suffixedName } from '../../sync/atomic-file.ts';

export const PROCESSED = 'processed';
export const QUARANTINE = 'quarantine';
export const REASON_SUFFIX = '.reason.txt';

export function inboxFolders(inbox: string): { inbox: string; processed: string; quarantine: string } {
  return { inbox, processed: join(inbox, PROCESSED), quarantine: join(inbox, QUARANTINE) };
}

export function ensureInbox(inbox: string): void {
  const f = inboxFolders(inbox);
  for (const d of [f.inbox, f.processed, f.quarantine]) mkdirSync(d, { recursive: true });
}

function freeName(dir: string, name: string): string {
  for (let n = 1; ; n++) {
    const candidate = suffixedName(name, n);
    if (!existsSync(join(dir, candidate)) && !existsSync(join(dir, candidate + REASON_SUFFIX))) return candidate;
  }
}

export interface Refusal {
  reason: string;
  message: string;
  hint?: string;
  channel: string;
  /** Never a genuine package of an enrolled till (quarantine-quota.ts may drop it first). */
  junk?: boolean;
}

export function reasonText(r: Refusal, data: string, placed: string): string {
  return [
    `reason: ${r.reason}`,
    `message: ${r.message}`,
    ...(r.hint ? [`hint: ${r.hint}`] : []),
    `channel: ${r.channel}`,
    ...(r.junk ? ['class: junk'] : []),
    `at: ${new Date().toISOString()}`,
    `reprocess: fix the cause, then move this file back into the inbox, or run: tillsync server intake --data ${data} ${placed}`,
    '',
  ].join('\n');
}

/** Moves an inbox file to processed/; returns its new path. */
export function moveToProcessed(inbox: string, file: string): string {
  const dir = inboxFolders(inbox).processed;
  mkdirSync(dir, { recursive: true });
  const target = join(dir, freeName(dir, basename(file)));
  renameSync(file, target);
  return target;
}

/** Moves an inbox file to quarantine/ with its reason file; returns its new path. */
export function moveToQuarantine(inbox: string, file: string, r: Refusal, data: string): string {
  const dir = inboxFolders(inbox).quarantine;
  mkdirSync(dir, { recursive: true });
  const target = join(dir, freeName(dir, basename(file)));
  writeFileSync(target + REASON_SUFFIX, reasonText(r, data, target));
  renameSync(file, target);
  return target;
}

/** A refused package that came by HTTP or mail: its bytes are kept in quarantine/ too, for reprocessing. */
export function saveToQuarantine(inbox: string, fileName: string, bytes: Buffer, r: Refusal, data: string): string {
  const dir = inboxFolders(inbox).quarantine;
  mkdirSync(dir, { recursive: true });
  const target = join(dir, freeName(dir, safeFileName(fileName)));
  writeFileSync(`${target}.part`, bytes);
  writeFileSync(target + REASON_SUFFIX, reasonText(r, data, target));
  renameSync(`${target}.part`, target);
  return target;
}

/** A file name from a header or a mail: no folders, no control characters, something left. */
export function safeFileName(name: string | undefined | null, fallback = 'package.zip'): string {
  const base = basename(String(name ?? '').replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : fallback;
}

/** A file in quarantine/ that was reprocessed with success leaves quarantine (and its reason file). */
export function releaseFromQuarantine(inbox: string, file: string): string | null {
  const q = inboxFolders(inbox).quarantine;
  if (resolve(q, basename(file)) !== resolve(file)) return null;
  rmSync(file + REASON_SUFFIX, { force: true });
  return moveToProcessed(inbox, resolve(file));
}

/**
 * Where a file given by hand to `server intake` goes, so that the inbox ends as the watcher would
 * leave it: a file lying in the inbox itself goes to processed/ (taken) or quarantine/ (refused,
 * with its reason); a file in quarantine/ that is now taken leaves it; any other file stays where
 * the operator keeps it. Returns the new path, or null when the file did not move.
 */
export function placeHandIntake(inbox: string, file: string, refusal: Refusal | null, data: string): string | null {
  const f = resolve(file);
  if (dirname(f) === resolve(inbox) && isCandidate(basename(f))) return refusal ? moveToQuarantine(inbox, f, refusal, data) : moveToProcessed(inbox, f);
  return refusal ? null : releaseFromQuarantine(inbox, f);
}

/** Package files in a folder (not sub-folders, not reason files, not partial writes). */
export function countPackages(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && isCandidate(e.name)).length;
}

/** What the inbox takes: any file but hidden files, partial writes and reason files. */
export function isCandidate(name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('.part') && !name.endsWith('.tmp') && !name.endsWith(REASON_SUFFIX);
}
