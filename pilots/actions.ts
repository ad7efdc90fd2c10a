/**
 * What each pilot action means, as `tillsync` command lines. No business logic lives here: an
 * action only picks a CLI verb and fills its flags from the current defaults, so a pilot step does
 * exactly what an operator typing the command would do. `planStep` is pure (the dry run and the
 * real run share it); the runner executes the operations it returns.
 */
import { join } from 'node:path';
import type { Values } from './defaults-file.ts';

/** Placeholder for "the file the previous step wrote" in a planned command line. */
export const LAST_FILE = '@last-file';

/**
 * Which file of a command's JSON output later steps take: 'file' — the file it wrote (extract,
 * publish-base, export); 'lan-target' — where a LAN send put it (the server's copy).
 */
export type Produces = 'file' | 'lan-target';

export type Operation =
  /**
   * Run `tillsync --json ARGV…`. An argument equal to LAST_FILE is replaced, when the operation runs,
   * by the file the latest earlier operation reported (a package extracted, delivered, published).
   * `needs` are files that must exist before it runs (checked by the dry run too).
   */
  | { kind: 'cli'; argv: string[]; produces?: Produces; needs?: string[] }
  | { kind: 'load-defaults'; file: string }
  | { kind: 'restore-defaults' }
  | { kind: 'set-default'; key: string; value: string };

export interface PlanInput {
  args: string[];
  /** Current defaults merged with the keyword's section (if the action takes a keyword). */
  values: Values;
  /** Whether an earlier step writes a file that LAST_FILE will stand for. */
  hasLastFile: boolean;
  /** Resolves a file named in the pilot (relative to the pilot file's folder). */
  resolve(p: string): string;
  /** The moment the step runs: date words (yesterday, month-start…) are read against it. */
  now: Date;
}

export class PlanError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export interface ActionSpec {
  name: string;
  usage: string;
  summary: string;
  minArgs: number;
  maxArgs: number;
  /** Index of the argument that is a keyword selecting a defaults section (seed programs). */
  keywordArg?: number;
  /** Seed program name this is an alias of the native action for. */
  aliasOf?: string;
  plan(input: PlanInput): Operation[];
}

/** Settings a seed keyword stands for when the defaults file has no section of that name. */
export const BUILTIN_KEYWORDS: Record<string, { summary: string; values: Values }> = {
  reco1: { summary: 'extract the degraded tickets (TicDeg)', values: { kind: 'degraded' } },
  reco2: { summary: 'deliver the extracted package over the LAN and take it into the server', values: { via: 'lan', intake: 'yes', integrate: 'no' } },
  SENDMD: { summary: 'send the extracted package by mail to mailTo', values: { via: 'mail' } },
  tran1: { summary: 'extract the untransferred tickets (TicDep, multi-server)', values: { kind: 'untransferred' } },
  tran2: { summary: 'deliver the TicDep package over the LAN and take it into the server', values: { via: 'lan', intake: 'yes', integrate: 'no' } },
  SENDMT: { summary: 'send the TicDep package by mail to mailTo (or the address on the line)', values: { via: 'mail' } },
};

export function builtinKeyword(keyword: string): Values | undefined {
  const hit = Object.entries(BUILTIN_KEYWORDS).find(([k]) => k.toLowerCase() === keyword.toLowerCase());
  return hit?.[1].values;
}

function need(values: Values, key: string, forWhat: string): string {
  const v = values[key];
  if (v === undefined || v === '') throw new PlanError(`${forWhat} needs the default "${key}", which is not set`, `add "${key}=…" to the defaults file, or load one with: defaults,FILE`);
  return v;
}

function serverFlags(values: Values, forWhat: string): string[] {
  const flags = ['--data', need(values, 'serverData', forWhat)];
  if (values.serverDb) flags.push('--db', values.serverDb);
  return flags;
}

function tillFlags(values: Values, forWhat: string): string[] {
  return ['--data', need(values, 'tillData', forWhat)];
}

function yes(v: string | undefined): boolean {
  return /^(yes|oui|o|y|1|true)$/i.test(v ?? '');
}

function inputFile(input: PlanInput, explicit: string | undefined, forWhat: string): string {
  if (explicit) return input.resolve(explicit);
  if (input.hasLastFile) return LAST_FILE;
  throw new PlanError(`${forWhat} has no file: name one on the line, or run a step that writes one before (extract, publish-base)`);
}

function extractOps(values: Values, kind: string | undefined): Operation[] {
  const k = kind || values.kind || 'degraded';
  if (k !== 'degraded' && k !== 'untransferred') throw new PlanError(`extract kind "${k}" is unknown`, 'use degraded (TicDeg) or untransferred (TicDep)');
  const argv = ['till', 'extract', ...tillFlags(values, 'extract'), '--kind', k];
  // The till's own packages folder when the defaults name none (what its local API uses too).
  argv.push('--out', values.outDir || join(values.tillData!, 'packages'));
  return [{ kind: 'cli', argv, produces: 'file' }];
}

function sendOps(input: PlanInput, via: string, explicitFile: string | undefined, address?: string): Operation[] {
  const { values } = input;
  const file = inputFile(input, explicitFile, `send by ${via}`);
  const argv = ['till', 'send', ...tillFlags(values, `send by ${via}`)];
  let produces: Produces | undefined;
  if (via === 'lan') {
    argv.push('--lan', need(values, 'lanDir', 'send by LAN'));
    produces = 'lan-target';
  } else if (via === 'mail') {
    const to = (address || need(values, 'mailTo', 'send by mail')).split(/[,;\s]+/).filter(Boolean);
    argv.push('--mail', to.join(','));
    argv.push('--smtp', need(values, 'smtpUrl', 'send by mail'));
    if (values.mailFrom) argv.push('--from', values.mailFrom);
  } else if (via === 'http') argv.push('--lan', need(values, 'serverUrl', 'send by HTTP'));
  else throw new PlanError(`send by "${via}" is unknown`, 'use lan, mail or http');
  argv.push(file);
  return [{ kind: 'cli', argv, produces, needs: explicitFile ? [file] : [] }];
}

function intakeOps(values: Values, file: string, checkExists: boolean): Operation[] {
  return [{ kind: 'cli', argv: ['server', 'intake', ...serverFlags(values, 'intake'), file], needs: checkExists ? [file] : [] }];
}

function integrateOps(values: Values, until?: string): Operation[] {
  const argv = ['server', 'integrate', ...serverFlags(values, 'integrate')];
  const u = until || values.until;
  if (u) argv.push('--until', u);
  return [{ kind: 'cli', argv }];
}

function postOps(values: Values, until?: string): Operation[] {
  // server post wants --until; the same default as server integrate's own.
  return [{ kind: 'cli', argv: ['server', 'post', ...serverFlags(values, 'post'), '--until', until || values.until || 'yesterday'] }];
}

function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Dates for server export, which takes YYYY-MM-DD only: `today`, `yesterday`, `month-start` (first
 * day of yesterday's month, so the run on the 1st still covers the month that just ended), in the
 * local time of the machine running the pilot.
 */
export function dateWord(word: string, now: Date): string {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const yesterday = new Date(day.getFullYear(), day.getMonth(), day.getDate() - 1);
  if (word === 'today') return ymd(day);
  if (word === 'yesterday') return ymd(yesterday);
  if (word === 'month-start') return ymd(new Date(yesterday.getFullYear(), yesterday.getMonth(), 1));
  if (/^\d{4}-\d{2}-\d{2}$/.test(word)) return word;
  throw new PlanError(`"${word}" is not a date`, 'use YYYY-MM-DD, today, yesterday or month-start');
}

function letterOps(values: Values): Operation[] {
  return [{ kind: 'cli', argv: ['server', 'letter', ...serverFlags(values, 'letter')] }];
}

function exportOps(values: Values, now: Date, format?: string, from?: string, to?: string): Operation[] {
  const f = format || values.exportFormat || 'fec';
  if (!['fec', 'exact', 'csv'].includes(f)) throw new PlanError(`export format "${f}" is unknown`, 'use fec, exact or csv');
  const argv = ['server', 'export', ...serverFlags(values, 'export'), '--format', f];
  // Month to date by default: entries already exported stay on their first export, so a nightly
  // run writes only what is new.
  argv.push('--from', dateWord(from || values.exportFrom || 'month-start', now), '--to', dateWord(to || values.exportTo || 'yesterday', now));
  if (values.exportOut) argv.push('--out', values.exportOut);
  return [{ kind: 'cli', argv, produces: 'file' }];
}

function publishOps(values: Values, via?: string): Operation[] {
  const v = via || values.via || (values.lanDir ? 'lan' : 'mail');
  const argv = ['server', 'publish-base', ...serverFlags(values, 'publish-base')];
  const needs: string[] = [];
  if (v === 'lan') argv.push('--lan', need(values, 'lanDir', 'publish-base by LAN'));
  else if (v === 'mail') {
    const list = need(values, 'mailList', 'publish-base by mail');
    argv.push('--mail-list', list, '--smtp', need(values, 'smtpUrl', 'publish-base by mail'));
    if (values.mailFrom) argv.push('--from', values.mailFrom);
    needs.push(list);
  } else throw new PlanError(`publish-base by "${v}" is unknown`, 'use lan or mail');
  if (values.filesList) {
    argv.push('--files', values.filesList);
    needs.push(values.filesList);
  }
  return [{ kind: 'cli', argv, produces: 'file', needs }];
}

function applyOps(input: PlanInput, explicit?: string): Operation[] {
  const { values } = input;
  // The seed's till saves the mailed bundle in a folder (fcomp) and runs the copy from there:
  // apply-base takes a folder and applies the newest bundle in it.
  const target = explicit ? input.resolve(explicit) : values.baseInbox || (input.hasLastFile ? LAST_FILE : '');
  if (!target) throw new PlanError('apply-base has no bundle: name a file or folder on the line, or set baseInbox in the defaults');
  return [{ kind: 'cli', argv: ['till', 'apply-base', ...tillFlags(values, 'apply-base'), target], needs: target === LAST_FILE ? [] : [target] }];
}

function defaultsOps(input: PlanInput): Operation[] {
  const file = input.args.find((a) => a !== '');
  return file ? [{ kind: 'load-defaults', file: input.resolve(file) }] : [{ kind: 'restore-defaults' }];
}

/** Native actions. */
const NATIVE: ActionSpec[] = [
  { name: 'defaults', usage: 'defaults,FILE | defaults,,', summary: 'load a defaults file over the current defaults; with no file, restore the user\'s own defaults', minArgs: 0, maxArgs: 2, plan: defaultsOps },
  {
    name: 'set', usage: 'set,KEY,VALUE', summary: 'set one default for the following steps', minArgs: 2, maxArgs: 2,
    plan: ({ args }) => [{ kind: 'set-default', key: args[0]!, value: args[1]! }],
  },
  { name: 'extract', usage: 'extract[,degraded|untransferred]', summary: 'till extract: write the TicDeg/TicDep package of the till (tillData, outDir)', minArgs: 0, maxArgs: 1, plan: ({ args, values }) => extractOps(values, args[0]) },
  {
    name: 'send', usage: 'send,lan|mail|http[,FILE]', summary: 'till send: deliver FILE (default: the last package written) to lanDir, mailTo via smtpUrl, or serverUrl', minArgs: 1, maxArgs: 2,
    plan: (input) => sendOps(input, input.args[0]!, input.args[1] || undefined),
  },
  {
    name: 'intake', usage: 'intake[,FILE]', summary: 'server intake: take FILE (default: the last package delivered) into the server (serverData)', minArgs: 0, maxArgs: 1,
    plan: (input) => intakeOps(input.values, inputFile(input, input.args[0] || undefined, 'intake'), Boolean(input.args[0])),
  },
  { name: 'integrate', usage: 'integrate[,UNTIL]', summary: 'server integrate: tickets → invoices and delivery notes, up to UNTIL (default: the until default or the server\'s own)', minArgs: 0, maxArgs: 1, plan: ({ args, values }) => integrateOps(values, args[0]) },
  { name: 'post', usage: 'post[,UNTIL]', summary: 'server post: accounting entries and settlements, up to UNTIL (default: until, else yesterday)', minArgs: 0, maxArgs: 1, plan: ({ args, values }) => postOps(values, args[0]) },
  { name: 'letter', usage: 'letter', summary: 'server letter: match customer account lines', minArgs: 0, maxArgs: 0, plan: ({ values }) => letterOps(values) },
  { name: 'export', usage: 'export[,fec|exact|csv[,FROM,TO]]', summary: 'server export to accounting software (exportFormat; exportFrom default month-start, exportTo default yesterday; exportOut)', minArgs: 0, maxArgs: 3, plan: ({ args, values, now }) => exportOps(values, now, args[0], args[1], args[2]) },
  {
    name: 'nightly', usage: 'nightly[,UNTIL]', summary: 'the nightly chain: integrate → post → letter → export, stopping at the first failure', minArgs: 0, maxArgs: 1,
    plan: ({ args, values, now }) => [...integrateOps(values, args[0]), ...postOps(values, args[0]), ...letterOps(values), ...exportOps(values, now)],
  },
  { name: 'close', usage: 'close', summary: 'till close: the Z report of the till\'s day', minArgs: 0, maxArgs: 0, plan: ({ values }) => [{ kind: 'cli', argv: ['till', 'close', ...tillFlags(values, 'close')] }] },
  { name: 'publish-base', usage: 'publish-base[,lan|mail]', summary: 'server publish-base: one signed bundle of the base files, to lanDir or to the mailList recipients via smtpUrl (filesList selects the content)', minArgs: 0, maxArgs: 1, plan: ({ args, values }) => publishOps(values, args[0]) },
  { name: 'apply-base', usage: 'apply-base[,FILE|FOLDER]', summary: 'till apply-base: verify and apply a base bundle (default: the newest in baseInbox)', minArgs: 0, maxArgs: 1, plan: (input) => applyOps(input, input.args[0] || undefined) },
  {
    name: 'status', usage: 'status,till|server', summary: 'till status / server status (a check step: fails when the command fails)', minArgs: 1, maxArgs: 1,
    plan: ({ args, values }) => {
      if (args[0] === 'till') return [{ kind: 'cli', argv: ['till', 'status', ...tillFlags(values, 'status')] }];
      if (args[0] === 'server') return [{ kind: 'cli', argv: ['server', 'status', ...serverFlags(values, 'status')] }];
      throw new PlanError(`status of "${args[0]}" is unknown`, 'use status,till or status,server');
    },
  },
];

/** The seed's program names (Divalto "hop" programs), kept so the seed's pilot files run unchanged. */
const SEED_ALIASES: ActionSpec[] = [
  {
    name: 'pvppreco1.dhop', aliasOf: 'extract', usage: 'pvppreco1.dhop,KEYWORD', summary: 'extract; the keyword\'s "kind" says which tickets (reco1: degraded, tran1: untransferred)', minArgs: 1, maxArgs: 1, keywordArg: 0,
    plan: ({ values }) => extractOps(values, values.kind),
  },
  {
    name: 'pvppsendmail.dhop', aliasOf: 'send', usage: 'pvppsendmail.dhop,KEYWORD[,ADDRESS]', summary: 'send the last package by the keyword\'s "via" (SENDMD/SENDMT: mail) to ADDRESS or mailTo', minArgs: 1, maxArgs: 2, keywordArg: 0,
    plan: (input) => sendOps(input, input.values.via || 'mail', undefined, input.args[1] || undefined),
  },
  { name: 'pvpplib.dhop', aliasOf: 'defaults', usage: 'pvpplib.dhop,FILE | pvpplib.dhop,,', summary: 'load a defaults file ("implicites"); with empty arguments restore the user\'s own', minArgs: 0, maxArgs: 2, plan: defaultsOps },
  {
    name: 'pvppreco2.dhop', aliasOf: 'send + intake (+ integrate)', usage: 'pvppreco2.dhop,KEYWORD', summary: 'server side of the LAN flow: deliver the last package to lanDir (when set), intake it, integrate when the keyword says integrate=yes', minArgs: 1, maxArgs: 1, keywordArg: 0,
    plan: (input) => {
      const { values } = input;
      const ops: Operation[] = [];
      const pkg = inputFile(input, undefined, 'pvppreco2.dhop');
      // Delivered over the LAN first when a drop folder is set, so the server takes the very file
      // its inbox received; on one machine (no lanDir) the server takes the package where it lies.
      if ((values.via || 'lan') === 'lan' && values.lanDir) ops.push(...sendOps(input, 'lan', undefined));
      if (values.intake === undefined || yes(values.intake)) ops.push(...intakeOps(values, pkg, false));
      if (yes(values.integrate)) ops.push(...integrateOps(values));
      return ops;
    },
  },
];

export const ACTIONS: ActionSpec[] = [...NATIVE, ...SEED_ALIASES];

const BY_NAME = new Map(ACTIONS.map((a) => [a.name.toLowerCase(), a]));

/** Action names are case-insensitive: the seed's files come from Windows (PVPPTRANST.TXT). */
export function findAction(name: string): ActionSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}
