import type { Command } from 'commander';
import { run } from '../cli/output.ts';
import { runPilot, type PilotReport } from './pilot-runner.ts';
import { ACTIONS, BUILTIN_KEYWORDS } from './actions.ts';
import { DEFAULT_KEYS } from './defaults-file.ts';

function summary(r: PilotReport): string {
  if (r.dryRun) {
    return r.ok
      ? `dry run: ${r.steps.length} step(s) valid, nothing was run or written`
      : `dry run: ${r.problems.length} invalid line(s) in ${r.file}`;
  }
  if (r.ok) return `pilot done: ${r.steps.filter((s) => s.status === 'ok').length} step(s) ok, ${r.steps.filter((s) => s.status === 'skipped').length} skipped in ${(r.ms / 1000).toFixed(1)}s${r.logFile ? ` (log: ${r.logFile})` : ''}`;
  if (!r.failure?.line) return 'pilot not run';
  return `pilot stopped at line ${r.failure.line}${r.logFile ? ` (log: ${r.logFile})` : ''}`;
}

/** `tillsync pilot run FILE [--dry-run] [--defaults FILE]`, `tillsync pilot actions` */
export function registerPilotCommands(pilot: Command): void {
  pilot
    .command('run')
    .description('run a pilot file: each line action,arg,… runs a tillsync step; stops at the first failure')
    .argument('<file>', 'the pilot file')
    .option('--dry-run', 'check every line and show what would run, writing nothing')
    .option('--defaults <file>', "the user's own defaults (default: ~/.tillsync/defaults.txt); restored by defaults,,")
    .action(
      run<{ dryRun?: boolean; defaults?: string }>(async (opts, ctx, args) => {
        const report = await runPilot({ file: args[0]!, dryRun: opts.dryRun, defaults: opts.defaults, onLog: ctx.json ? undefined : (l) => ctx.say(l) });
        if (!report.ok && report.failure) {
          const where = report.failure.line > 0 ? `${report.file} line ${report.failure.line}: ` : '';
          process.stderr.write(`tillsync: ${where}${report.failure.reason}\n`);
        }
        return { data: report, text: summary(report), exitCode: report.ok ? 0 : 1 };
      }),
    );
  pilot
    .command('actions')
    .description('list the pilot actions, seed aliases, keywords and defaults keys')
    .action(
      run(async () => {
        const data = {
          actions: ACTIONS.map((a) => ({ name: a.name, usage: a.usage, summary: a.summary, aliasOf: a.aliasOf ?? null })),
          keywords: Object.entries(BUILTIN_KEYWORDS).map(([k, v]) => ({ keyword: k, summary: v.summary, values: v.values })),
          defaultsKeys: DEFAULT_KEYS,
        };
        const text = [
          'actions:',
          ...data.actions.map((a) => `  ${a.usage.padEnd(40)} ${a.summary}`),
          'keywords (a [KEYWORD] section of the defaults file overrides these):',
          ...data.keywords.map((k) => `  ${k.keyword.padEnd(8)} ${k.summary}`),
          'defaults keys:',
          ...DEFAULT_KEYS.map((k) => `  ${k.key.padEnd(14)} ${k.meaning}`),
        ].join('\n');
        return { data, text };
      }),
    );
}
