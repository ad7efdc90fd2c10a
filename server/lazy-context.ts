/**
 * `withServer` for command definitions: the same call, but config, database and schema libraries
 * (zod, kysely, better-sqlite3, pg) load when a verb runs, not when `tillsync --help` builds the
 * command tree (see docs/developer.md "Start-up").
 */
import type { ServerContext } from './context.ts';

export async function withServer<T>(opts: { data: string; db?: string }, fn: (ctx: ServerContext) => Promise<T>): Promise<T> {
  return (await import('./context.ts')).withServer(opts, fn);
}
