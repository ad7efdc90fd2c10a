/**
 * "This till's own package file": a regular file (not a symlink) that either lies in the till's
 * packages folder under a TicDeg/TicDep name, or is one the till recorded when it extracted it.
 * Paths are compared after resolving every symlink, so `packages/../../etc/passwd`, a symlink in
 * packages/ pointing out, or a symlinked parent folder all end up outside and are refused.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';

const PACKAGE_NAME = /^TicDe[gp][A-Za-z0-9]+_\d{8}(\d{6})?(-\d+)?\.zip$/;

function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** The real path of `file` when it is one of this till's packages; throws a one-line refusal otherwise. */
export function ownPackageFile(dataDir: string, file: string, recordedPaths: string[]): string {
  const path = resolve(file);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new TillsyncError('no-file', `no package file ${path}`, { hint: 'give the path printed by tillsync till extract', ref: { file } });
  }
  const refusal = (why: string) =>
    new TillsyncError('not-own-package', `send refused: ${path} ${why}`, { hint: "only this till's packages can be sent: the files tillsync till extract wrote (DATA/packages by default)", status: 403, ref: { file: basename(path) } });
  if (st.isSymbolicLink()) throw refusal('is a symbolic link');
  if (!st.isFile()) throw refusal('is not a file');
  const target = real(path);
  if (!target) throw refusal('cannot be resolved');
  const packages = real(join(resolve(dataDir), 'packages'));
  if (packages && target.startsWith(packages + sep) && PACKAGE_NAME.test(basename(target))) return target;
  // Recorded paths may be relative to the data folder (relocatable folders).
  if (recordedPaths.some((p) => real(resolve(dataDir, p)) === target)) return target;
  throw refusal('is not a package this till wrote');
}
