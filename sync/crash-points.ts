/**
 * Fault injection, one mechanism for the whole product: `TILLSYNC_CRASH_AT=<point>` kills the
 * process with SIGKILL when it reaches that point, as a power cut would. Crash tests and drills set
 * it on a child process; nothing else reads it. The points (docs/developer.md, "Crash points"):
 */
export const CRASH_POINTS = {
  'posting:after-first-chunk': 'a posting run, after writing its first chunk, inside its transaction',
  'integration:after-first-write': 'an integration run, after writing its first documents (and logging its first errors), inside its transaction',
  'export:mid-file': 'an export, half-way through writing its file',
  'export:after-rename': 'an export, after its file is in place, before the entries are marked exported',
  'closure:after-intent': 'a month or year closure on the till, after its intent is written',
  'closure:after-store': 'a month or year closure on the till, after the closure is stored, before its journal line and archive',
  'replication:after-page': 'the till pushing tickets, after the server answered a page, before the push checkpoint is saved',
  'exact:token-saved': 'the Exact Online link, after a rotated refresh token is saved, before it is used',
  'exact:entry-sent': 'an Exact Online push, after Exact took a sales entry, before tillsync records it as sent',
} as const;

export type CrashPoint = keyof typeof CRASH_POINTS;

export const CRASH_ENV = 'TILLSYNC_CRASH_AT';

export function crashPoint(point: CrashPoint): void {
  if (process.env[CRASH_ENV] === point) process.kill(process.pid, 'SIGKILL');
}
