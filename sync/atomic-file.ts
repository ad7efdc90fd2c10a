/**
 * Publishing a file so that nobody ever sees half of it: write `<name>.part`, fsync, then give it
 * its final name in one step, fsync the folder. Watchers (server inbox, LAN drop folders) ignore
 * `*.part`. An existing file is never overwritten: same bytes → nothing to do; other bytes → the
 * next free `-2`, `-3`… name.
 */
import { constants as fsConstants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { TillsyncError } from './errors.ts';

export const PART_SUFFIX = '.part';

/** `TicDeg01_20261124093000.zip` → `TicDeg01_20261124093000-2.zip` for n = 2. */
export function suffixedName(name: string, n: number): string {
  if (n <= 1) return name;
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)}-${n}${ext}`;
}

export interface PublishResult {
  path: string;
  fileName: string;
  /** The same bytes were already there under this name: nothing was written. */
  existing: boolean;
}

const MAX_SUFFIX = 999;

/** Errors of hard links on file systems that have none (SMB shares, some FUSE mounts). */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EACCES']);

/**
 * Writes `bytes` as `dir/name` atomically without overwriting anything. `retry` completes the hint
 * of a failure ("extract again", "send again").
 */
export async function publishFile(dir: string, name: string, bytes: Buffer, retry: string): Promise<PublishResult> {
  const part = join(dir, name + PART_SUFFIX);
  try {
    await writeDurably(part, bytes);
    for (let n = 1; n <= MAX_SUFFIX; n++) {
      const fileName = suffixedName(name, n);
      const target = join(dir, fileName);
      const placed = await placeNoClobber(part, target, bytes);
      if (placed === 'taken') continue;
      await fsyncDir(dir);
      return { path: target, fileName, existing: placed === 'same' };
    }
    throw new TillsyncError('name-exhausted', `cannot write ${join(dir, name)}: ${MAX_SUFFIX} files of that name already exist`, { hint: `move old files out of ${dir}`, ref: { file: name } });
  } catch (e) {
    await unlink(part).catch(() => undefined);
    throw asWriteError(e, join(dir, name), dir, retry);
  }
}

/** Links (or, where links do not exist, renames) `part` to `target` unless `target` exists. */
/**
 * publishFile for a file already written and fsynced as `part` (a streamed package): gives it
 * `name`, or `name-2`… when taken, never overwriting. Unlike publishFile an existing file of the
 * same name is never taken for this one (comparing would mean reading both again).
 */
export async function publishPartFile(dir: string, name: string, part: string, retry: string): Promise<{ path: string; fileName: string }> {
  try {
    for (let n = 1; n <= MAX_SUFFIX; n++) {
      const fileName = suffixedName(name, n);
      const target = join(dir, fileName);
      try {
        await link(part, target);
        await unlink(part);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') continue;
        if (!NO_LINK.has(code)) throw e;
        if (await exists(target)) continue;
        await rename(part, target);
      }
      return { path: target, fileName };
    }
    throw new TillsyncError('name-exhausted', `cannot write ${join(dir, name)}: ${MAX_SUFFIX} files of that name already exist`, { hint: `move old files out of ${dir}`, ref: { file: name } });
  } catch (e) {
    await unlink(part).catch(() => undefined);
    throw asWriteError(e, join(dir, name), dir, retry);
  }
}

async function placeNoClobber(part: string, target: string, bytes: Buffer): Promise<'placed' | 'same' | 'taken'> {
  try {
    await link(part, target);
    await unlink(part);
    return 'placed';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return (await sameBytes(target, bytes)) ? dropPart(part, 'same') : 'taken';
    if (!NO_LINK.has(code)) throw e;
  }
  // No hard links here: check then rename. A writer racing on the very same name in the same
  // instant could still win; package names carry the till code and the second, so that needs two
  // extractions of one till in one second on a share without links.
  if (await exists(target)) return (await sameBytes(target, bytes)) ? dropPart(part, 'same') : 'taken';
  await rename(part, target);
  return 'placed';
}

async function dropPart<T>(part: string, result: T): Promise<T> {
  await unlink(part);
  return result;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function sameBytes(path: string, bytes: Buffer): Promise<boolean> {
  const st = await stat(path);
  if (st.size !== bytes.length) return false;
  return (await readFile(path)).equals(bytes);
}

export async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const fh = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes the new name itself durable. Some file systems (network shares) refuse fsync on folders. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP', 'EACCES'].includes(code)) throw e;
  } finally {
    await fh?.close();
  }
}

/** One-line, actionable error for a failed write into `dir`. */
export function asWriteError(e: unknown, path: string, dir: string, retry: string): TillsyncError {
  if (e instanceof TillsyncError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const ref = { file: basename(path) };
  const base = { ref, cause: e, status: 507 };
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new TillsyncError('disk-full', `cannot write ${path}: disk full`, { ...base, hint: `free space on ${dir} and ${retry}` });
    case 'EFBIG':
      return new TillsyncError('file-too-large', `cannot write ${path}: file too large for this file system`, { ...base, hint: `write to another folder and ${retry}` });
    case 'EACCES':
    case 'EPERM':
      return new TillsyncError('permission-denied', `cannot write ${path}: permission denied`, { ...base, status: 500, hint: `give this user write access to ${dir} and ${retry}` });
    case 'EROFS':
      return new TillsyncError('read-only', `cannot write ${path}: read-only file system`, { ...base, status: 500, hint: `choose a writable folder and ${retry}` });
    case 'ENOENT':
    case 'ENOTDIR':
      return new TillsyncError('no-folder', `cannot write ${path}: folder ${dir} does not exist`, { ...base, status: 500, hint: `create ${dirname(path)} or fix the path, then ${retry}` });
    default:
      return new TillsyncError('write-failed', `cannot write ${path}: ${(e as Error)?.message ?? String(e)}`, { ...base, status: 500, hint: `check ${dir} and ${retry}` });
  }
}
