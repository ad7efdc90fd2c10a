/**
 * What the till remembers about base bundles, in DATA/base/: `state.json` (the store's base key,
 * the version applied last) and, while a bundle is being applied, `pending.zip` — a copy of the
 * verified bundle. The store takes a bundle in many commits (Deno KV caps one commit at ~1,000
 * mutations), so `pending.zip` is the redo journal: until `state.json` says the version is applied,
 * the next apply-base (or till start) applies it again from the start, which is idempotent.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import * as z from '../sync/zod-mini.ts';
import { readConfigFile } from '../sync/config-file.ts';
import { BASE_KEY_RE } from '../sync/base-key.ts';
import { join, resolve } from 'node:path';
import { writeDurably, fsyncDir } from '../sync/atomic-file.ts';

export interface BaseState {
  baseKey?: string;
  version?: number;
  created?: string;
  appliedAt?: string;
  fileName?: string;
  /** File name of the bundle being applied (its bytes are pending.zip), until it is done. */
  pending?: string;
}

export function baseDir(data: string): string {
  return join(resolve(data), 'base');
}

export function statePath(data: string): string {
  return join(baseDir(data), 'state.json');
}

export function pendingPath(data: string): string {
  return join(baseDir(data), 'pending.zip');
}

export function specificFilesDir(data: string): string {
  return join(baseDir(data), 'files');
}

const baseStateSchema = z.looseObject({
  baseKey: z.optional(z.string().check(z.regex(BASE_KEY_RE, 'must be the 64 hex characters printed by tillsync server base-key'))),
  version: z.optional(z.int().check(z.minimum(0))),
  created: z.optional(z.string()),
  appliedAt: z.optional(z.string()),
  fileName: z.optional(z.string()),
  pending: z.optional(z.string()),
});

export function readBaseState(data: string): BaseState {
  const p = statePath(data);
  if (!existsSync(p)) return {};
  return readConfigFile(p, baseStateSchema, `fix it, or remove it and set the key again: tillsync till apply-base --data ${data} --base-key KEY`);
}

/** Replaces a file's content all at once (write aside, fsync, rename): never half written. */
export async function replaceFile(path: string, bytes: Buffer): Promise<void> {
  const dir = resolve(path, '..');
  mkdirSync(dir, { recursive: true });
  await writeDurably(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
  await fsyncDir(dir);
}

export async function writeBaseState(data: string, state: BaseState): Promise<void> {
  await replaceFile(statePath(data), Buffer.from(`${JSON.stringify(state, null, 2)}\n`));
}

export async function writePending(data: string, bytes: Buffer): Promise<void> {
  await replaceFile(pendingPath(data), bytes);
}

export function clearPending(data: string): void {
  rmSync(pendingPath(data), { force: true });
}

/** Orders bundles: by version, then by creation time (two servers of one store never share a counter). */
export function compareVersion(a: { version: number; created: string }, b: { version?: number; created?: string }): number {
  if (b.version === undefined) return 1;
  if (a.version !== b.version) return a.version - b.version;
  return a.created.localeCompare(b.created ?? '');
}
