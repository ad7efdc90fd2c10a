/**
 * RxDB's denokv storage reaches Deno KV through `globalThis.Deno.openKv`. On Node we provide it with
 * the `@deno/kv` client on a SQLite file. `implementation: 'sqlite'` is required: without it
 * `@deno/kv` sees our Deno global, believes it runs on Deno and calls back into itself.
 */
import type { openKv } from '@deno/kv';

export type Kv = Awaited<ReturnType<typeof openKv>>;

let loading: Promise<typeof import('@deno/kv')> | undefined;

/**
 * `@deno/kv` loads its native half on import, and napi-rs' loader first asks
 * `process.report.getReport()` whether libc is musl: a full diagnostic report whose network part
 * (interfaces, sockets) is half of its ~20 ms. Excluded for that one call; restored afterwards.
 */
function loadDenoKv(): Promise<typeof import('@deno/kv')> {
  loading ??= (async () => {
    const report = process.report as { excludeNetwork?: boolean } | undefined;
    const before = report?.excludeNetwork;
    if (report) report.excludeNetwork = true;
    try {
      return await import('@deno/kv');
    } finally {
      if (report) report.excludeNetwork = before;
    }
  })();
  return loading;
}

export function installDenoKvGlobal(): void {
  const g = globalThis as { Deno?: { openKv?: unknown } };
  if (g.Deno?.openKv) return;
  g.Deno = { ...(g.Deno ?? {}), openKv: async (path?: string) => (await loadDenoKv()).openKv(path, { implementation: 'sqlite' }) };
}

/** A bare Deno KV handle on the same kind of file: used by the benchmark's raw floor. */
export async function openBareKv(path: string): Promise<Kv> {
  return (await loadDenoKv()).openKv(path, { implementation: 'sqlite' });
}
