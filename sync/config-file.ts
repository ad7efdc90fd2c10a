/**
 * The one way a configuration file is read (server.json, accounting.json, the till's base state…):
 * JSON text → one zod schema → a typed value. Every refusal is one line naming the file, the key
 * and the problem, with the fix: `FILE: path.to.key: problem (fix)`. A syntax error names the
 * line and column instead of a byte offset. Nothing else in the product parses a config file.
 *
 * Paths inside a data folder's own files are stored relative to that folder (so a copied or moved
 * folder uses its own inbox, not the original's); relativePath / resolveIn convert at the edges.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as zc from 'zod/v4/core';
import { TillsyncError } from './errors.ts';

/** `a.b[2].c` for a zod issue path; `(top level)` for the file itself. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

export function configError(file: string, key: string, problem: string, fix: string): TillsyncError {
  return new TillsyncError('config', `${file}: ${key}: ${problem}`, { hint: fix, ref: { file } });
}

/** "at position 32" → "line 3, column 5" (the offset people cannot find in an editor). */
function syntaxWhere(text: string, message: string): { where: string; problem: string } {
  const m = /at position (\d+)/.exec(message);
  const end = /Unexpected end/i.test(message);
  const problem = end ? 'the file ends too early (truncated?)' : message.replace(/\s*(in JSON )?at position \d+.*$/, '') || 'invalid JSON';
  if (!m && !end) return { where: '(file)', problem };
  const pos = m ? Number(m[1]) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return { where: `line ${line}, column ${column}`, problem };
}

/** A zod schema (sync/zod-mini.ts: zod/mini with its English messages). */
export type ConfigSchema = zc.$ZodType & { safeParse(data: unknown): zc.util.SafeParseResult<unknown> };

/** Parses config text with `schema`; throws configError on the first problem. */
export function parseConfigText<S extends ConfigSchema>(file: string, text: string, schema: S, fix: string): zc.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const { where, problem } = syntaxWhere(text, (e as Error).message);
    throw configError(file, where, `not valid JSON: ${problem}`, fix);
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data as zc.output<S>;
  const issue = r.error.issues[0];
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
  throw configError(file, keyPath(issue.path), `${issue.message}${more}`, fix);
}

/** Reads and checks a config file; `missing` says what to do when there is none (else it throws). */
export function readConfigFile<S extends ConfigSchema>(file: string, schema: S, fix: string): zc.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw configError(file, '(file)', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, fix);
  }
  return parseConfigText(file, text, schema, fix);
}

/** A path as stored in a folder's config: relative when inside the folder, absolute otherwise. */
export function relativePath(folder: string, path: string): string {
  const abs = resolve(folder, path);
  const rel = relative(resolve(folder), abs);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
}

/** A path read from a folder's config: relative ones are relative to the folder. */
export function resolveIn(folder: string, path: string): string {
  return isAbsolute(path) ? path : resolve(join(resolve(folder), path));
}
