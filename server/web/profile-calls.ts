/**
 * The back office's calls into export profiles (the profile part of feature-calls.ts, kept apart so
 * it merges alone): the page reads, checks and writes profiles only through profile-store.ts and
 * profile-check.ts — the same validation as `tillsync server profile …` and `server config check
 * --profile`, so a profile the page accepts is one the CLI accepts, and the other way round.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerContext } from '../context.ts';
import { loadBaseData } from '../base-data.ts';
import { loadMapping, mappingPath } from '../accounting/mapping.ts';
import { profileBooksIssues, type BooksFacts } from '../exports/profiles/profile-check.ts';
import { profileIssues, type ExportProfile, type ProfileIssue } from '../exports/profiles/profile-schema.ts';
import { addProfile, copyProfile, defaultProfile, listProfiles, newProfile, profilePath, removeProfile, setDefaultProfile, writeProfile, checkProfileName } from '../exports/profiles/profile-store.ts';
import { TillsyncError } from '../../sync/errors.ts';

export interface ProfileCheckResult {
  profile: ExportProfile | null;
  issues: ProfileIssue[];
  warnings: ProfileIssue[];
}

async function booksOf(ctx: ServerContext): Promise<{ mapping: ReturnType<typeof loadMapping> | null; base: BooksFacts }> {
  const mapping = existsSync(mappingPath(ctx.data)) ? loadMapping(ctx.data) : null;
  const base = await loadBaseData(ctx.db);
  return { mapping, base };
}

/** Every problem of a profile's JSON text, as `config check --profile` lists them (plus where the JSON itself breaks). */
export async function checkProfileText(ctx: ServerContext, name: string, text: string): Promise<ProfileCheckResult> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[1]) : text.length;
    const before = text.slice(0, at).split('\n');
    return { profile: null, warnings: [], issues: [{ path: '(json)', message: (e as Error).message, code: 'json-invalid', params: { line: before.length, column: before[before.length - 1].length + 1 } }] };
  }
  const { profile, issues } = profileIssues(json);
  if (!profile) return { profile: null, issues, warnings: [] };
  const { mapping, base } = await booksOf(ctx);
  const more = profileBooksIssues(name, profile, mapping, base);
  return { profile: more.issues.length ? null : profile, issues: more.issues, warnings: more.warnings };
}

export interface ProfileRow {
  name: string;
  format: string;
  default: boolean;
  /** Problems `config check --profile` finds (0: exportable). */
  problems: number;
}

export async function profileRows(ctx: ServerContext): Promise<ProfileRow[]> {
  const rows: ProfileRow[] = [];
  for (const p of listProfiles(ctx.data)) {
    const problems = p.error ? 1 : (await checkProfileText(ctx, p.name, readFileSync(profilePath(ctx.data, p.name), 'utf8'))).issues.length;
    rows.push({ name: p.name, format: p.format, default: p.default, problems });
  }
  return rows;
}

/** The profile's file as it is on disk (the editor shows the accountant's own text). */
export function profileText(ctx: ServerContext, name: string): string {
  const file = profilePath(ctx.data, checkProfileName(name));
  if (!existsSync(file)) throw new TillsyncError('not-found', `no export profile "${name}"`, { status: 404 });
  return readFileSync(file, 'utf8');
}

export function createProfile(ctx: ServerContext, name: string, format: string): void {
  addProfile(ctx.data, name, newProfile(format));
}

export function saveProfile(ctx: ServerContext, name: string, profile: ExportProfile): void {
  checkProfileName(name);
  if (!existsSync(profilePath(ctx.data, name))) throw new TillsyncError('not-found', `no export profile "${name}"`, { status: 404 });
  writeProfile(ctx.data, name, profile);
}

export { copyProfile, defaultProfile, removeProfile, setDefaultProfile };
