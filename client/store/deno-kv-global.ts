/**
 * RxDB's denokv storage reaches Deno KV through `globalThis.Deno.openKv`. On Node we provide it with
 * the `@deno/kv` client on a SQLite file. `implementation: 'sqlite'` is required: without it
 * `@deno/kv` sees our Deno global, believes it runs on Deno and calls back into itself.
 */
import { openKv } from '@deno/kv';

export type Kv = Awaited<ReturnType<typeof openKv>>;

export function installDenoKvGlobal(): void {
  const g = globalThis as { Deno?: { openKv?: unknown } };
  if (g.Deno?.openKv) return;
  g.Deno = { ...(g.Deno ?? {}), openKv: (path?: string) => openKv(path, { implementation: 'sqlite' }) };
}

/** A bare Deno KV handle on the same kind of file: used by the benchmark's raw floor. */
export function openBareKv(path: string): Promise<Kv> {
  return openKv(path, { implementation: 'sqlite' });
}
