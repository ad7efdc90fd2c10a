/**
 * The LAN inbox: tills (or people) drop package files into a shared folder; each file is taken
 * once it is complete — `.part` files are ignored until renamed (sync/atomic-file.ts writes that
 * way) and a file copied in slowly is taken only once its size has stopped changing — then moved
 * to processed/ or to quarantine/ with `<file>.reason.txt`. Files already there at start are taken
 * too. A crash between the intake's commit and the move is harmless: on restart the file is
 * recognised by its sha256 as already received and simply moved.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { IntakeContext, PackageOutcome } from './intake.ts';
import { intakePackage } from './intake.ts';
import { ensureInbox, isCandidate, moveToProcessed, moveToQuarantine } from './quarantine.ts';
import { SerialQueue } from './serial-queue.ts';
import { logEvent } from '../log-book.ts';

export interface InboxWatcherOptions {
  inbox: string;
  /** How long a file's size must stay the same before it is taken (ms). */
  stableMs?: number;
  pollMs?: number;
  /** Told after each file: where it went and the outcome. */
  onFile?: (e: { file: string; movedTo: string; outcome: PackageOutcome }) => void;
}

export interface InboxWatcher {
  ready: Promise<void>;
  /** Resolves when every file seen so far is dealt with. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function watchInbox(ctx: IntakeContext, opts: InboxWatcherOptions): InboxWatcher {
  const inbox = resolve(opts.inbox);
  ensureInbox(inbox);
  const queue = new SerialQueue();
  const seen = new Set<string>();

  const take = async (file: string): Promise<void> => {
    try {
      if (!existsSync(file)) return;
      const bytes = await readFile(file);
      const outcome = await intakePackage(ctx, { bytes, fileName: basename(file), channel: 'lan', refusedStatus: 'quarantined' });
      const movedTo =
        outcome.status === 'refused'
          ? moveToQuarantine(inbox, file, { reason: outcome.reason, message: outcome.message, hint: outcome.hint, channel: 'lan' }, ctx.data)
          : moveToProcessed(inbox, file);
      opts.onFile?.({ file, movedTo, outcome });
    } catch (e) {
      // The database or the disk failed, not the package: leave the file for the next start.
      await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'lan', file: basename(file), message: `inbox: could not take ${basename(file)}: ${(e as Error).message} (left in the inbox, retried at next start)` }).catch(() => undefined);
    } finally {
      seen.delete(file);
    }
  };

  const watcher: FSWatcher = chokidar.watch(inbox, {
    depth: 0,
    ignoreInitial: false,
    awaitWriteFinish: { stabilityThreshold: opts.stableMs ?? 1000, pollInterval: opts.pollMs ?? 100 },
    ignored: (path, stats) => {
      if (resolve(path) === inbox) return false;
      if (dirname(resolve(path)) !== inbox) return true;
      if (stats?.isDirectory()) return true;
      return !isCandidate(basename(path));
    },
  });
  const onFile = (path: string) => {
    const file = resolve(path);
    if (dirname(file) !== inbox || !isCandidate(basename(file)) || seen.has(file)) return;
    seen.add(file);
    void queue.run(() => take(file));
  };
  watcher.on('add', onFile);
  // A file replaced in place after it was taken is a new delivery.
  watcher.on('change', onFile);
  watcher.on('error', (e) => {
    void logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'lan', message: `inbox watcher: ${(e as Error).message}` }).catch(() => undefined);
  });
  const ready = new Promise<void>((r) => watcher.once('ready', () => r()));

  return {
    ready,
    idle: () => queue.idle(),
    async close() {
      await watcher.close();
      await queue.idle();
    },
  };
}
