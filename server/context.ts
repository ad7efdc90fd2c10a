/**
 * What every server command works with: the data folder, its configuration (DATA/server.json,
 * written by `server init`) and the open database.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
// zod/mini with its English messages, like every schema of the product (see sync/zod-mini.ts).
import * as z from '../sync/zod-mini.ts';
import { readConfigFile, relativePath, resolveIn } from '../sync/config-file.ts';
import { join } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { openDatabase, type Db } from './db/database.ts';

export interface ServerConfig {
  store: string;
  /** postgres://… or empty for SQLite under the data folder. */
  db?: string;
  port: number;
  inbox: string;
  smtpPort?: number;
  mailTo?: string;
  /** HH:MM of the nightly run, if scheduled. */
  nightly?: string;
  /** Free room for features (exports.auto, web.users, …). */
  [key: string]: unknown;
}

export interface ServerContext {
  data: string;
  config: ServerConfig;
  db: Db;
}

export function configPath(data: string): string {
  return join(data, 'server.json');
}

export function defaultConfig(data: string, store = 'S1'): ServerConfig {
  return { store, port: 8480, inbox: join(data, 'inbox') };
}

const CODE = /^[A-Za-z0-9]{1,16}$/;

/**
 * server.json, the one schema it is read through. Known keys are checked here; the blocks that
 * features own (exports, web, …) are checked by their features' own schemas when used, and keys
 * this version does not know are kept as they are (a newer tillsync may have written them).
 */
export const serverConfigSchema = z.looseObject({
  store: z.string().check(z.regex(CODE, 'must be a store code of letters and digits, e.g. "S1"')),
  db: z.optional(z.string().check(z.minLength(1, 'must be a postgres:// URL, or left out for SQLite in the data folder'))),
  port: z.int().check(z.minimum(0), z.maximum(65535)),
  inbox: z.string().check(z.minLength(1, 'must be a folder (relative to the data folder, or absolute)')),
  smtpPort: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
  mailTo: z.optional(z.string().check(z.minLength(3))),
  nightly: z.optional(z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. "02:30"'))),
  exports: z.optional(z.record(z.string(), z.unknown())),
  /** The screens: `lang` of the back office when the browser does not choose (docs/screens.md). */
  ui: z.optional(z.looseObject({ lang: z.optional(z.enum(['fr', 'en'], 'must be "fr" or "en"')) })),
});

/** Keys of server.json holding paths: stored relative to the data folder when inside it. */
const PATH_KEYS = ['inbox'] as const;

const CONFIG_FIX = 'fix the file by hand, or move it away and run tillsync server init --data DIR again';

/** server.json, checked, with every path resolved against the data folder. */
export function readServerConfig(data: string): ServerConfig {
  const p = configPath(data);
  if (!existsSync(p)) throw new TillsyncError('not-initialised', `no store server in ${data}`, { hint: `run: tillsync server init --data ${data}` });
  const config = readConfigFile(p, serverConfigSchema, CONFIG_FIX) as ServerConfig;
  for (const k of PATH_KEYS) config[k] = resolveIn(data, config[k]);
  return config;
}

/** Written atomically (a crash never leaves a half-written configuration), readable by its owner only. Paths inside the folder are written relative to it. */
export function writeServerConfig(data: string, config: ServerConfig): void {
  mkdirSync(data, { recursive: true });
  const p = configPath(data);
  const stored: ServerConfig = { ...config };
  for (const k of PATH_KEYS) stored[k] = relativePath(data, config[k]);
  writeFileSync(`${p}.part`, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  chmodSync(`${p}.part`, 0o600);
  renameSync(`${p}.part`, p);
}

export async function openServerContext(opts: { data: string; db?: string }): Promise<ServerContext> {
  const config = readServerConfig(opts.data);
  const db = await openDatabase({ data: opts.data, url: opts.db ?? config.db });
  return { data: opts.data, config, db };
}

export async function withServer<T>(opts: { data: string; db?: string }, fn: (ctx: ServerContext) => Promise<T>): Promise<T> {
  const ctx = await openServerContext(opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.destroy();
  }
}
