/**
 * Defaults files (the seed's "implicites"): `key=value` lines, `;` or `#` comments, and optional
 * `[KEYWORD]` sections. Keys before any section are the defaults every following step uses; a
 * section holds the settings a keyword (reco1, reco2, SENDMD…) selects for the one step that names it.
 * Path values are resolved against the defaults file's own folder, so a file can move with its data.
 */
import { dirname, isAbsolute, resolve } from 'node:path';

export interface DefaultKey {
  key: string;
  path: boolean;
  meaning: string;
}

/** Every key a defaults file may set (documented in docs/pilots.md from this table). */
export const DEFAULT_KEYS: DefaultKey[] = [
  { key: 'tillData', path: true, meaning: 'the till data folder (till init --data)' },
  { key: 'serverData', path: true, meaning: 'the store server data folder (server init --data)' },
  { key: 'serverDb', path: false, meaning: 'postgres://… URL when the server does not use its SQLite file' },
  { key: 'serverUrl', path: false, meaning: 'the store server URL, for sending by HTTP' },
  { key: 'store', path: false, meaning: 'store code (informational; the data folders know theirs)' },
  { key: 'till', path: false, meaning: 'till code (informational; the till data folder knows its own)' },
  { key: 'outDir', path: true, meaning: 'where extract writes packages (the seed\'s "zechange"); default: <tillData>/packages' },
  { key: 'lanDir', path: true, meaning: 'the LAN drop folder shared with the server (its inbox)' },
  { key: 'mailTo', path: false, meaning: 'recipient(s) of packages sent by mail, comma-separated' },
  { key: 'mailFrom', path: false, meaning: 'sender address of mails' },
  { key: 'smtpUrl', path: false, meaning: 'SMTP server, e.g. smtp://mail.magasin.example:25' },
  { key: 'mailList', path: true, meaning: 'pvpplstmail.txt: recipients of base files' },
  { key: 'filesList', path: true, meaning: 'pvpplstfic.txt: what base files hold' },
  { key: 'baseInbox', path: true, meaning: 'where the till finds received base bundles (the seed\'s "fcomp")' },
  { key: 'until', path: false, meaning: 'last day integrate/post take: YYYY-MM-DD, today or yesterday (default: the server\'s own, yesterday)' },
  { key: 'exportFormat', path: false, meaning: 'fec | exact | csv' },
  { key: 'exportFrom', path: false, meaning: 'first day of the export: YYYY-MM-DD, today, yesterday or month-start (default month-start)' },
  { key: 'exportTo', path: false, meaning: 'last day of the export: YYYY-MM-DD, today or yesterday (default yesterday)' },
  { key: 'exportOut', path: true, meaning: 'folder the export writes to' },
  { key: 'logDir', path: true, meaning: 'folder of the pilot\'s daily log (default: <tillData or serverData or cwd>/log)' },
  // Keys a keyword section sets for its one step:
  { key: 'kind', path: false, meaning: '(section) degraded | untransferred: what extract takes' },
  { key: 'via', path: false, meaning: '(section) lan | mail | http: how send delivers' },
  { key: 'intake', path: false, meaning: '(section) yes | no: reco2 takes the delivered file into the server' },
  { key: 'integrate', path: false, meaning: '(section) yes | no: reco2 integrates right after intake' },
];

const KNOWN = new Map(DEFAULT_KEYS.map((k) => [k.key.toLowerCase(), k]));

export type Values = Record<string, string>;

export interface DefaultsData {
  values: Values;
  sections: Record<string, Values>;
}

export interface DefaultsError {
  line: number;
  message: string;
}

export function emptyDefaults(): DefaultsData {
  return { values: {}, sections: {} };
}

/** Pure: text → defaults (paths resolved against `baseDir`) and errors with line numbers. */
export function parseDefaults(text: string, baseDir: string): { data: DefaultsData; errors: DefaultsError[] } {
  const data = emptyDefaults();
  const errors: DefaultsError[] = [];
  let target = data.values;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((raw, i) => {
      const line = i + 1;
      const body = raw.trim();
      if (body === '' || body.startsWith(';') || body.startsWith('#')) return;
      const section = /^\[([^\]]+)\]$/.exec(body);
      if (section) {
        const name = section[1]!.trim();
        target = data.sections[name] ??= {};
        return;
      }
      const eq = body.indexOf('=');
      if (eq <= 0) {
        errors.push({ line, message: `"${body}" is not key=value` });
        return;
      }
      const rawKey = body.slice(0, eq).trim();
      const value = body.slice(eq + 1).trim();
      const known = KNOWN.get(rawKey.toLowerCase());
      if (!known) {
        errors.push({ line, message: `unknown key "${rawKey}" (known: ${DEFAULT_KEYS.map((k) => k.key).join(', ')})` });
        return;
      }
      target[known.key] = known.path && value !== '' && !isAbsolute(value) ? resolve(baseDir, value) : value;
    });
  return { data, errors };
}

export function defaultsBaseDir(file: string): string {
  return dirname(resolve(file));
}

/** The values a step sees: the current defaults, overridden by its keyword's section if any. */
export function valuesFor(d: DefaultsData, keyword?: string): Values {
  if (!keyword) return { ...d.values };
  const exact = d.sections[keyword];
  const folded = exact ?? Object.entries(d.sections).find(([k]) => k.toLowerCase() === keyword.toLowerCase())?.[1];
  return { ...d.values, ...(folded ?? {}) };
}
