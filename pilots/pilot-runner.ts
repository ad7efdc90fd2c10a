/**
 * Runs a pilot file: every line is checked first (unknown action, argument count, missing
 * defaults, files not found) so a mistake on line 9 never leaves lines 1–8 half done; then each
 * step runs its `tillsync` command lines one after the other as child processes. A step succeeds
 * when its commands exit 0; the first failure stops the pilot with the file, line and reason.
 * Each step is logged with its outcome and duration on screen and in a daily log file.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { runTillsync } from '../cli/spawn-tillsync.ts';
import { parsePilot, type PilotStep } from './pilot-parser.ts';
import { ACTIONS, builtinKeyword, findAction, LAST_FILE, PlanError, type Operation, type Produces } from './actions.ts';
import { defaultsBaseDir, emptyDefaults, parseDefaults, valuesFor, type DefaultsData } from './defaults-file.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `tillsync --json ARGV…`; the default spawns the CLI as a child process. */
export type Executor = (argv: string[], opts: { cwd: string }) => Promise<ExecResult>;

export const childProcessExecutor: Executor = async (argv, { cwd }) => {
  const r = await runTillsync(['--json', ...argv], { cwd });
  return { exitCode: r.code ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
};

export interface CommandReport {
  argv: string[];
  /** The command line as an operator would type it. */
  display: string;
  exitCode?: number;
  ms?: number;
  output?: unknown;
  error?: string;
}

export type StepStatus = 'planned' | 'ok' | 'failed' | 'skipped' | 'invalid' | 'not-run';

export interface StepReport {
  line: number;
  text: string;
  action: string;
  status: StepStatus;
  ms: number;
  commands: CommandReport[];
  /** What a defaults step did, or why a step failed or was skipped. */
  note?: string;
}

export interface PilotReport {
  file: string;
  dryRun: boolean;
  ok: boolean;
  startedAt: string;
  ms: number;
  userDefaults: string | null;
  logFile: string | null;
  steps: StepReport[];
  /** The first failure (or, in a dry run, the first invalid line). */
  failure?: { file: string; line: number; reason: string };
  /** Every invalid line (a dry run reports them all). */
  problems: { line: number; reason: string }[];
}

export interface RunPilotOptions {
  file: string;
  dryRun?: boolean;
  /** The user's own defaults file; default ~/.tillsync/defaults.txt when it exists. */
  defaults?: string;
  cwd?: string;
  exec?: Executor;
  /** Called with each log line as it happens (the CLI prints them when not in --json mode). */
  onLog?: (line: string) => void;
  now?: () => Date;
}

export function userDefaultsPath(explicit?: string): string | null {
  if (explicit) return resolve(explicit);
  const home = join(homedir(), '.tillsync', 'defaults.txt');
  return existsSync(home) ? home : null;
}

/** Pilot and defaults files come from Windows editors as often as not: UTF-8, else Windows-1252. */
export function readText(file: string): string {
  const bytes = readFileSync(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function readDefaults(file: string): DefaultsData {
  if (!existsSync(file)) throw new PlanError(`defaults file ${file} not found`, 'check the path (relative paths are read from the pilot file\'s folder)');
  const { data, errors } = parseDefaults(readText(file), defaultsBaseDir(file));
  if (errors.length > 0) throw new PlanError(`${file} line ${errors[0]!.line}: ${errors[0]!.message}`, 'fix the defaults file');
  return data;
}

/** A loaded defaults file overlays the current defaults: keys it sets win, the others stay. */
function overlay(base: DefaultsData, top: DefaultsData): DefaultsData {
  const sections: DefaultsData['sections'] = { ...base.sections };
  for (const [k, v] of Object.entries(top.sections)) sections[k] = { ...(sections[k] ?? {}), ...v };
  return { values: { ...base.values, ...top.values }, sections };
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`;
}

export function displayCommand(argv: string[]): string {
  return ['tillsync', ...argv].map(quote).join(' ');
}

/** The file a command reports in its --json output (see Produces in actions.ts). */
export function fileFromOutput(output: unknown, produces: Produces = 'file'): string | null {
  if (!output || typeof output !== 'object') return null;
  const o = output as Record<string, unknown>;
  if (produces === 'lan-target') return typeof o.target === 'string' && o.target !== '' ? o.target : null;
  for (const key of ['delivered', 'file', 'path', 'bundle', 'package', 'out']) {
    const v = o[key];
    if (typeof v === 'string' && v !== '') return v;
    if (v && typeof v === 'object' && typeof (v as Record<string, unknown>).path === 'string') return (v as Record<string, string>).path;
  }
  for (const key of ['files', 'written']) {
    const v = o[key];
    if (Array.isArray(v) && typeof v[0] === 'string') return v[v.length - 1] as string;
  }
  return null;
}

function parseJson(stdout: string): unknown {
  const t = stdout.trim();
  if (!t) return null;
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}

function failureReason(r: ExecResult, output: unknown): string {
  const line = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  if (line) return line.replace(/^tillsync: /, '');
  const err = (output as { error?: { message?: string } } | null)?.error?.message;
  return err ?? `exit code ${r.exitCode}`;
}

function describeDefaultsOp(o: Operation): string {
  if (o.kind === 'load-defaults') return `load defaults ${o.file}`;
  if (o.kind === 'restore-defaults') return "restore the user's defaults";
  if (o.kind === 'set-default') return `set ${o.key}=${o.value}`;
  return '';
}

interface Walker {
  defaults: DefaultsData;
  /** Some earlier operation writes a file (planning) / the file it wrote (running). */
  hasLastFile: boolean;
}

/** Plans one step against the current defaults; applies its defaults operations to the walker. */
function planStep(step: PilotStep, w: Walker, user: DefaultsData, pilotDir: string, now: Date): Operation[] {
  const spec = findAction(step.action);
  if (!spec) {
    throw new PlanError(`unknown action "${step.action}"`, `known actions: ${ACTIONS.map((a) => a.name).join(', ')}`);
  }
  // Trailing empty arguments are the seed's way of writing "nothing" (pvpplib.dhop,,).
  const meaningful = step.args.length > 0 && step.args.every((a) => a === '') ? [] : step.args;
  const n = meaningful.length;
  if (n < spec.minArgs || n > spec.maxArgs) {
    const expected = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
    throw new PlanError(`${step.action} takes ${expected} argument(s), found ${n}`, `usage: ${spec.usage}`);
  }
  let values = valuesFor(w.defaults);
  if (spec.keywordArg !== undefined) {
    const keyword = meaningful[spec.keywordArg] ?? '';
    const own = Object.keys(w.defaults.sections).find((k) => k.toLowerCase() === keyword.toLowerCase());
    const builtin = builtinKeyword(keyword);
    if (!own && !builtin) {
      throw new PlanError(`keyword "${keyword}" is not defined`, `add a [${keyword}] section to the defaults file (built-in keywords: reco1, reco2, SENDMD, tran1, tran2, SENDMT)`);
    }
    values = { ...values, ...(builtin ?? {}), ...(own ? w.defaults.sections[own] : {}) };
  }
  const resolveArg = (p: string) => (isAbsolute(p) ? p : resolve(pilotDir, p));
  const ops = spec.plan({ args: meaningful, values, hasLastFile: w.hasLastFile, resolve: resolveArg, now });
  for (const op of ops) {
    if (op.kind === 'load-defaults') w.defaults = overlay(w.defaults, readDefaults(op.file));
    else if (op.kind === 'restore-defaults') w.defaults = user;
    else if (op.kind === 'set-default') {
      const parsed = parseDefaults(`${op.key}=${op.value}`, pilotDir);
      if (parsed.errors.length) throw new PlanError(parsed.errors[0]!.message, 'see the defaults keys in docs/pilots.md (or tillsync pilot actions)');
      w.defaults = overlay(w.defaults, parsed.data);
    } else if (op.kind === 'cli') {
      for (const f of op.needs ?? []) if (!existsSync(f)) throw new PlanError(`${f} not found`, 'check the path in the pilot or the defaults file');
      const data = op.argv.indexOf('--data');
      if (data >= 0) {
        const dir = op.argv[data + 1]!;
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PlanError(`data folder ${dir} not found`, 'check tillData / serverData in the defaults file');
      }
      if (op.produces) w.hasLastFile = true;
    }
  }
  return ops;
}

function logDirFor(d: DefaultsData, cwd: string): string {
  const v = d.values;
  if (v.logDir) return v.logDir;
  if (v.tillData && existsSync(v.tillData)) return join(v.tillData, 'log');
  if (v.serverData && existsSync(v.serverData)) return join(v.serverData, 'log');
  return join(cwd, 'log');
}

function day(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export async function runPilot(opts: RunPilotOptions): Promise<PilotReport> {
  const now = opts.now ?? (() => new Date());
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, opts.file);
  const started = now();
  const t0 = performance.now();
  const report: PilotReport = { file, dryRun: Boolean(opts.dryRun), ok: false, startedAt: started.toISOString(), ms: 0, userDefaults: null, logFile: null, steps: [], problems: [] };
  const finish = () => {
    report.ms = Math.round(performance.now() - t0);
    report.ok = !report.failure && report.problems.length === 0;
    return report;
  };
  const fail = (line: number, reason: string) => {
    report.failure ??= { file, line, reason };
  };

  if (!existsSync(file)) {
    fail(0, `pilot file ${file} not found`);
    return finish();
  }
  const parsed = parsePilot(readText(file));
  const pilotDir = dirname(file);

  let user = emptyDefaults();
  const userFile = userDefaultsPath(opts.defaults);
  report.userDefaults = userFile;
  if (userFile) {
    try {
      user = readDefaults(userFile);
    } catch (e) {
      fail(0, `user defaults: ${(e as Error).message}`);
      return finish();
    }
  }

  // Pass 1: check every line against the defaults as they will be when it runs.
  const byLine = new Map<number, string>(parsed.errors.map((e) => [e.line, e.message]));
  const planned = new Map<number, Operation[]>();
  const w: Walker = { defaults: user, hasLastFile: false };
  for (const step of parsed.steps) {
    try {
      planned.set(step.line, planStep(step, w, user, pilotDir, now()));
    } catch (e) {
      const hint = e instanceof PlanError && e.hint ? ` (${e.hint})` : '';
      byLine.set(step.line, `${(e as Error).message}${hint}`);
    }
  }
  report.problems = [...byLine.entries()].sort((a, b) => a[0] - b[0]).map(([line, reason]) => ({ line, reason }));
  const allLines = [...parsed.steps.map((s) => ({ line: s.line, text: s.text, action: s.action })), ...parsed.errors.map((e) => ({ line: e.line, text: '', action: '' }))].sort((a, b) => a.line - b.line);
  if (parsed.steps.length === 0 && parsed.errors.length === 0) report.problems.push({ line: 1, reason: 'the pilot file holds no step' });

  const display = (argv: string[], lastFileText: string) => argv.map((a) => (a === LAST_FILE ? lastFileText : a));
  if (opts.dryRun || report.problems.length > 0) {
    for (const s of allLines) {
      const problem = byLine.get(s.line);
      const ops = planned.get(s.line) ?? [];
      report.steps.push({
        line: s.line,
        text: s.text,
        action: s.action,
        status: problem ? 'invalid' : opts.dryRun ? 'planned' : 'not-run',
        ms: 0,
        commands: ops.filter((o) => o.kind === 'cli').map((o) => {
          const argv = display((o as { argv: string[] }).argv, '<file written by the step before>');
          return { argv, display: displayCommand(argv) };
        }),
        note: problem ?? (ops.map(describeDefaultsOp).filter(Boolean).join('; ') || undefined),
      });
      if (!opts.dryRun || problem) opts.onLog?.(`${basename(file)}:${s.line} ${s.text} — ${problem ? `INVALID: ${problem}` : 'would run'}`);
    }
    const first = report.problems[0];
    if (first) fail(first.line, first.reason);
    if (opts.dryRun) for (const s of report.steps.filter((x) => x.status === 'planned')) opts.onLog?.(`${basename(file)}:${s.line} ${s.text}${s.commands.length ? ` → ${s.commands.map((c) => c.display).join(' ; ')}` : s.note ? ` → ${s.note}` : ''}`);
    return finish();
  }

  // Pass 2: run. Only now is anything written, the daily log first.
  const logDir = logDirFor(user, cwd);
  mkdirSync(logDir, { recursive: true });
  report.logFile = join(logDir, `pilot-${day(started)}.log`);
  const log = (line: string) => {
    appendFileSync(report.logFile!, `${now().toISOString()} ${line}\n`);
    opts.onLog?.(line);
  };
  const exec = opts.exec ?? childProcessExecutor;
  log(`pilot ${file} started${userFile ? ` (user defaults ${userFile})` : ''}`);
  const rw: Walker = { defaults: user, hasLastFile: false };
  let lastFile: string | null = null;
  let lastFileLine = 0;
  let stopped = false;
  for (const step of parsed.steps) {
    const sr: StepReport = { line: step.line, text: step.text, action: step.action, status: 'not-run', ms: 0, commands: [] };
    report.steps.push(sr);
    if (stopped) continue;
    const s0 = performance.now();
    try {
      const ops = planStep(step, rw, user, pilotDir, now());
      sr.status = 'ok';
      const notes: string[] = [];
      for (const op of ops) {
        if (op.kind === 'load-defaults') notes.push(`defaults loaded from ${op.file}`);
        else if (op.kind === 'restore-defaults') notes.push(`user defaults restored${userFile ? ` (${userFile})` : ' (none set)'}`);
        else if (op.kind === 'set-default') notes.push(`${op.key}=${op.value}`);
        if (op.kind !== 'cli') continue;
        if (op.argv.includes(LAST_FILE) && !lastFile) {
          sr.status = 'skipped';
          notes.push(`nothing to take: line ${lastFileLine} wrote no file`);
          break;
        }
        const argv = op.argv.map((a) => (a === LAST_FILE ? lastFile! : a));
        const cr: CommandReport = { argv, display: displayCommand(argv) };
        sr.commands.push(cr);
        const c0 = performance.now();
        const r = await exec(argv, { cwd });
        cr.ms = Math.round(performance.now() - c0);
        cr.exitCode = r.exitCode;
        cr.output = parseJson(r.stdout);
        if (r.exitCode !== 0) {
          cr.error = failureReason(r, cr.output);
          throw new PlanError(`${cr.display} failed: ${cr.error}`);
        }
        if (op.produces) {
          lastFile = fileFromOutput(cr.output, op.produces);
          lastFileLine = step.line;
        }
      }
      if (notes.length) sr.note = notes.join('; ');
    } catch (e) {
      sr.status = 'failed';
      const hint = e instanceof PlanError && e.hint ? ` (${e.hint})` : '';
      sr.note = `${(e as Error).message}${hint}`;
      fail(step.line, sr.note);
      stopped = true;
    }
    sr.ms = Math.round(performance.now() - s0);
    const took = `${(sr.ms / 1000).toFixed(1)}s`;
    log(`${basename(file)}:${step.line} ${step.text} — ${sr.status.toUpperCase()} in ${took}${sr.commands.length ? ` [${sr.commands.map((c) => c.display).join(' ; ')}]` : ''}${sr.note ? ` ${sr.note}` : ''}`);
  }
  finish();
  log(report.ok ? `pilot ${file} done in ${(report.ms / 1000).toFixed(1)}s` : `pilot ${file} STOPPED at line ${report.failure!.line}: ${report.failure!.reason}`);
  return report;
}
