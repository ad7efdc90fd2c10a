/**
 * What every server command works with: the data folder, its configuration (DATA/server.json,
 * written by `server init`) and the open database.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
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

export function readServerConfig(data: string): ServerConfig {
  const p = configPath(data);
  if (!existsSync(p)) throw new TillsyncError('not-initialised', `no store server in ${data}`, { hint: `run: tillsync server init --data ${data}` });
  return JSON.parse(readFileSync(p, 'utf8')) as ServerConfig;
}

/** Written atomically (a crash never leaves a half-written configuration), readable by its owner only. */
export function writeServerConfig(data: string, config: ServerConfig): void {
  mkdirSync(data, { recursive: true });
  const p = configPath(data);
  writeFileSync(`${p}.part`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
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
