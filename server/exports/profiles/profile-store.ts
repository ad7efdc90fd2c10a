/**
 * Export profiles on disk: DATA/profiles/NAME.json, one file per profile (hand-editable, 2-space
 * JSON), and DATA/profiles/.default naming the default profile. Every load validates: a bad file is
 * one TillsyncError naming the file and the field. Writes are atomic (.part then rename).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TillsyncError } from '../../../sync/errors.ts';
import { PROFILE_FORMATS, PROFILE_NAME, profileIssues, type ExportProfile, type ProfileFormat, type ProfileIssue } from './profile-schema.ts';

export function profilesDir(data: string): string {
  return join(data, 'profiles');
}

export function profilePath(data: string, name: string): string {
  return join(profilesDir(data), `${name}.json`);
}

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) throw new TillsyncError('usage', `"${name}" is not a profile name`, { hint: 'letters, digits, . - _ (up to 40), e.g. cabinet-sage' });
  return name;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TillsyncError('profile-invalid', `${file}: not valid JSON (${(e as Error).message})`, { hint: 'fix the JSON, or write the profile again with tillsync server profile add', ref: { file } });
  }
}

/** Problems of one profile file (empty when it is sound): what `config check --profile` lists. */
export function checkProfileFile(data: string, name: string): { file: string; issues: ProfileIssue[]; profile: ExportProfile | null } {
  const file = profilePath(data, checkProfileName(name));
  if (!existsSync(file)) throw new TillsyncError('not-found', `no export profile "${name}" (${file})`, { hint: `list them with: tillsync server profile list --data ${data}` });
  const { profile, issues } = profileIssues(readJson(file));
  return { file, issues, profile };
}

/** Loads and validates a profile; the first problem is one error naming the file and the field. */
export function loadProfile(data: string, name: string): ExportProfile {
  const { file, issues, profile } = checkProfileFile(data, name);
  if (!profile) {
    throw new TillsyncError('profile-invalid', `${file}: ${issues[0].path}: ${issues[0].message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
      hint: `fix it; every problem is listed by: tillsync server config check --data ${data} --profile ${name}`,
      ref: { file },
    });
  }
  return profile;
}

export function listProfiles(data: string): { name: string; format: string; default: boolean; error: string | null }[] {
  const dir = profilesDir(data);
  if (!existsSync(dir)) return [];
  const def = defaultProfile(data);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && PROFILE_NAME.test(f.slice(0, -5)))
    .sort()
    .map((f) => {
      const name = f.slice(0, -5);
      try {
        return { name, format: loadProfile(data, name).format, default: name === def, error: null };
      } catch (e) {
        return { name, format: '?', default: name === def, error: (e as Error).message };
      }
    });
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.part`, text);
  renameSync(`${file}.part`, file);
}

export function writeProfile(data: string, name: string, profile: ExportProfile): string {
  const { issues } = profileIssues(profile);
  if (issues.length) throw new TillsyncError('profile-invalid', `profile ${name}: ${issues[0].path}: ${issues[0].message}`, { hint: 'see docs/exports.md, section Export profiles' });
  const file = profilePath(data, checkProfileName(name));
  writeAtomic(file, `${JSON.stringify(profile, null, 2)}\n`);
  return file;
}

/** A new profile for a format: the books as posted, every choice left to edit (see docs/exports.md). */
export function newProfile(format: string): ExportProfile {
  if (!PROFILE_FORMATS.includes(format as ProfileFormat)) throw new TillsyncError('usage', `unknown format "${format}"`, { hint: `use one of ${PROFILE_FORMATS.join(', ')}` });
  return { $comment: 'tillsync export profile: see docs/exports.md, section "Export profiles". Check it with: tillsync server config check --data DIR --profile NAME', version: 1, format: format as ProfileFormat };
}

export function addProfile(data: string, name: string, profile: ExportProfile): string {
  const file = profilePath(data, checkProfileName(name));
  if (existsSync(file)) throw new TillsyncError('exists', `export profile "${name}" already exists (${file})`, { hint: 'edit it, or choose another name' });
  return writeProfile(data, name, profile);
}

export function copyProfile(data: string, from: string, to: string): string {
  return addProfile(data, to, loadProfile(data, from));
}

export function renameProfile(data: string, from: string, to: string): string {
  const src = profilePath(data, checkProfileName(from));
  if (!existsSync(src)) throw new TillsyncError('not-found', `no export profile "${from}"`, { hint: `list them with: tillsync server profile list --data ${data}` });
  const dst = profilePath(data, checkProfileName(to));
  if (existsSync(dst)) throw new TillsyncError('exists', `export profile "${to}" already exists`, { hint: 'choose another name' });
  renameSync(src, dst);
  if (defaultProfile(data) === from) setDefaultProfile(data, to);
  return dst;
}

export function removeProfile(data: string, name: string): void {
  const file = profilePath(data, checkProfileName(name));
  if (!existsSync(file)) throw new TillsyncError('not-found', `no export profile "${name}"`, { hint: `list them with: tillsync server profile list --data ${data}` });
  rmSync(file);
  if (defaultProfile(data) === name) rmSync(join(profilesDir(data), '.default'), { force: true });
}

/** The default profile's name (used by `server export` without --format nor --profile), or null. */
export function defaultProfile(data: string): string | null {
  const p = join(profilesDir(data), '.default');
  if (!existsSync(p)) return null;
  const name = readFileSync(p, 'utf8').trim();
  return PROFILE_NAME.test(name) ? name : null;
}

export function setDefaultProfile(data: string, name: string): void {
  loadProfile(data, name);
  writeAtomic(join(profilesDir(data), '.default'), `${name}\n`);
}
