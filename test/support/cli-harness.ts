/**
 * The one way tests run the real `tillsync` CLI as a child process (`node bin/tillsync.mjs …`, the
 * bundled build when it is current, as a user runs it):
 *
 * - `runCli(args)`: to completion → code, signal, stdout, stderr, and stdout parsed as JSON;
 * - `startCli(args, ready)`: a long-running command (`server start`, `till start`), resolved once
 *   `ready` finds its announcement in the output; `stop()` (SIGTERM) and `kill()` (SIGKILL) wait
 *   for the exit;
 * - `spawnCli(args)`: the bare child, for crash tests that kill it themselves.
 *
 * Children get `TILLSYNC_DEBUG=''` unless a test sets it, so an error is the one line users see
 * whatever the developer's shell exports. Built on `cli/spawn-tillsync.ts`, which the demo and the
 * pilots use the same way.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { runTillsync, TILLSYNC_BIN, type RunResult } from '../../cli/spawn-tillsync.ts';

export { TILLSYNC_BIN };
export type { RunResult };

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Prepends `--json`. */
  json?: boolean;
  /** SIGKILL after this long (default: none, the test's own timeout applies). */
  timeoutMs?: number;
}

const childEnv = (env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ TILLSYNC_DEBUG: '', ...env });

/** `tillsync ARGS…` to completion. `code` is null when a signal ended it (then `signal` says which). */
export function runCli(args: string[], o: CliOptions = {}): Promise<RunResult> {
  return runTillsync(o.json ? ['--json', ...args] : args, { env: childEnv(o.env), cwd: o.cwd, input: o.input, timeoutMs: o.timeoutMs });
}

/** The bare child process of `tillsync ARGS…` (stdout and stderr piped unless `stdio` says otherwise). */
export function spawnCli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; stdio?: StdioOptions } = {}): ChildProcess {
  return spawn(process.execPath, [TILLSYNC_BIN, ...args], { cwd: o.cwd, env: { ...process.env, ...childEnv(o.env) }, stdio: o.stdio ?? ['ignore', 'pipe', 'pipe'] });
}

export interface RunningCli<T> {
  child: ChildProcess;
  /** What `ready` returned: the announcement (a JSON line, a regexp match…). */
  ready: T;
  /** Everything printed so far, stdout then stderr as they came. */
  output(): string;
  /** SIGTERM (a graceful stop), then the exit code once the output is closed. */
  stop(): Promise<number | null>;
  /** SIGKILL, then the exit code (null) once the output is closed. */
  kill(): Promise<number | null>;
}

/** Ready test over stdout so far: the value to resolve with, or undefined while not ready. */
export type ReadyCheck<T> = (stdout: string) => T | undefined;

/** Ready when stdout has a whole line matching `re` (resolves with the match). */
export function lineMatching(re: RegExp): ReadyCheck<RegExpExecArray> {
  return (out) => {
    const whole = out.slice(0, out.lastIndexOf('\n') + 1);
    return re.exec(whole) ?? undefined;
  };
}

/** Ready at the first whole JSON line of stdout that `accept` takes (default: any), parsed. */
export function jsonLine(accept: (j: any) => boolean = () => true): ReadyCheck<any> {
  return (out) => {
    for (const line of out.split('\n').slice(0, -1)) {
      if (!line.trim().startsWith('{')) continue;
      try {
        const j = JSON.parse(line);
        if (accept(j)) return j;
      } catch {
        // not JSON after all
      }
    }
    return undefined;
  };
}

/**
 * Starts a long-running `tillsync ARGS…` and resolves once `ready` accepts its stdout. Rejects, with
 * the output, if it exits first or is not ready within `timeoutMs` (default 60 s; it is then killed).
 */
export function startCli<T>(args: string[], ready: ReadyCheck<T>, o: Omit<CliOptions, 'input'> = {}): Promise<RunningCli<T>> {
  const what = `tillsync ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawnCli(o.json ? ['--json', ...args] : args, { env: o.env, cwd: o.cwd });
    let out = '';
    let all = '';
    let settled = false;
    const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    const end = (signal: NodeJS.Signals) => async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${what} was not ready after ${o.timeoutMs ?? 60_000} ms; output:\n${all}`));
    }, o.timeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      all += d;
      if (settled) return;
      const value = ready(out);
      if (value === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, ready: value, output: () => all, stop: end('SIGTERM'), kill: end('SIGKILL') });
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (all += d));
    child.once('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready; output:\n${all}`));
    });
  });
}
