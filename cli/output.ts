/**
 * How every command talks to the user: `--json` prints one JSON document on stdout; otherwise
 * human text. Failures print ONE line on stderr (`tillsync: what and where (how to fix)`) and exit
 * non-zero. Progress bars appear only on a TTY and never in --json mode.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { isTillsyncError } from '../sync/errors.ts';

// cli-progress loads when a bar is first shown, not with every command (start-up time).
const require = createRequire(import.meta.url);

export interface Progress {
  tick(n?: number): void;
  total(n: number): void;
  done(): void;
}

export interface CommandContext {
  json: boolean;
  /** A progress bar for long work (no-op off a TTY or with --json). */
  progress(label: string, total: number): Progress;
  /** Extra human lines printed before the result (never in --json mode). */
  say(line: string): void;
}

export interface CommandResult<T = unknown> {
  data: T;
  /** Human rendering of the result; defaults to a short JSON. */
  text?: string;
  /** Exit code when the command completed but found problems (e.g. config check). */
  exitCode?: number;
}

const NO_PROGRESS: Progress = { tick() {}, total() {}, done() {} };

export function makeContext(json: boolean): CommandContext {
  const tty = Boolean(process.stdout.isTTY) && !json;
  return {
    json,
    progress(label, total) {
      if (!tty) return NO_PROGRESS;
      const cliProgress = require('cli-progress') as typeof import('cli-progress');
      const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic);
      bar.start(total, 0);
      return { tick: (n = 1) => bar.increment(n), total: (n) => bar.setTotal(n), done: () => bar.stop() };
    },
    say(line) {
      if (!json) process.stdout.write(`${line}\n`);
    },
  };
}

/**
 * One event of a command that stays running (`server start`, a chain's schedule): a timestamped line
 * on stdout, or with --json one JSON object a line.
 */
export function writeEvent(json: boolean, event: string, extra: Record<string, unknown> = {}): void {
  if (json) process.stdout.write(`${JSON.stringify({ event, at: new Date().toISOString(), ...extra })}\n`);
  else process.stdout.write(`${new Date().toISOString()} ${event}\n`);
}

export function formatError(e: unknown): string {
  if (isTillsyncError(e)) return `tillsync: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  const err = e as Error;
  return `tillsync: ${err?.message ?? String(e)}`;
}

/** Wraps a command action: options + context in, result out, one-line errors, exit codes. */
export function run<O extends Record<string, any>>(
  fn: (opts: O, ctx: CommandContext, args: string[]) => Promise<CommandResult>,
): (...a: any[]) => Promise<void> {
  return async (...a: any[]) => {
    const cmd = a[a.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as O & { json?: boolean };
    const args = (cmd.args ?? []) as string[];
    const ctx = makeContext(Boolean(opts.json));
    try {
      const result = await fn(opts, ctx, args);
      if (ctx.json) process.stdout.write(`${JSON.stringify(result.data, null, 2)}\n`);
      else if (result.text !== undefined) process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
      else process.stdout.write(`${JSON.stringify(result.data)}\n`);
      process.exitCode = result.exitCode ?? 0;
    } catch (e) {
      if (ctx.json) process.stdout.write(`${JSON.stringify({ error: isTillsyncError(e) ? e.toJSON() : { code: 'error', message: (e as Error)?.message ?? String(e) } })}\n`);
      process.stderr.write(`${formatError(e)}\n`);
      if (process.env.TILLSYNC_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
      process.exitCode = isTillsyncError(e) && e.code === 'usage' ? 2 : 1;
    }
  };
}
