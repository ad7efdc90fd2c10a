/**
 * One step of `tillsync bench backlog`, alone in its process so that its peak memory (maxRSS) is
 * its own: `fill DIR N` puts N tickets of one till straight into a till's disk store (not sold one
 * by one: a week's outage of a busy till; a till already initialised keeps its identity); `extract DIR OUT` extracts them as one package;
 * `intake DATA FILE TILLDIR` takes that package into a fresh SQLite store server, the till enrolled with its public key. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { generateTillTickets } from '../fixtures/volume.ts';
import type { Ticket } from '../sync/types.ts';

const SECRET = 'bench-backlog-secret';
const peakMB = () => process.resourceUsage().maxRSS / 1024;

async function fill(dir: string, n: number): Promise<unknown> {
  const { TillStore } = await import('../client/store/till-store.ts');
  const { loadOrCreateTillSigningKey } = await import('../client/till-signing-key.ts');
  const { BULK_TICKET_CHUNK } = await import('../client/store/open-store.ts');
  // Large chunks, each one Deno KV commit (DESIGN.md: ~1,000 mutations a commit, 4 per ticket).
  const FILL_CHUNK = BULK_TICKET_CHUNK;
  const store = await TillStore.open({ dir }, { articles: 'lazy', writeBatch: BULK_TICKET_CHUNK });
  loadOrCreateTillSigningKey(dir); // as `till init` makes it: extraction signs with it
  // A till made by `till init` (enrolled on a server: the catch-up test) keeps its identity.
  if (!store.identity) await store.setIdentity({ store: 'S1', till: '01', secret: SECRET, serverUrl: null, createdAt: new Date().toISOString(), rounding: { decimals: 2, vatOn: 'line' } });
  const t0 = performance.now();
  let chunk: Ticket[] = [];
  let done = 0;
  for (const t of generateTillTickets('01', { tills: 1, ticketsPerTill: n, seed: 14, days: 7 })) {
    chunk.push(t);
    if (chunk.length === FILL_CHUNK) {
      await store.db.tickets.bulkInsert(chunk);
      done += chunk.length;
      chunk = [];
      if (done % 50_000 < FILL_CHUNK) process.stderr.write(`  filled ${done}/${n}\n`);
    }
  }
  if (chunk.length) await store.db.tickets.bulkInsert(chunk);
  await store.close();
  return { tickets: n, ms: performance.now() - t0, peakRssMB: peakMB() };
}

async function extract(dir: string, out: string): Promise<unknown> {
  const { TillStore } = await import('../client/store/till-store.ts');
  const { TillService } = await import('../client/till-service.ts');
  const { HealthMonitor } = await import('../client/health.ts');
  const store = await TillStore.open({ dir }, { articles: 'lazy' });
  const svc = new TillService(store, dir, new HealthMonitor(null));
  const t0 = performance.now();
  const r = await svc.extract({ kind: 'untransferred', out });
  const ms = performance.now() - t0;
  await store.close();
  return { tickets: r.count, file: r.path, bytes: r.file?.bytes ?? 0, ms, peakRssMB: peakMB() };
}

async function intake(data: string, file: string, tillDir: string): Promise<unknown> {
  const { openDatabase } = await import('../server/db/database.ts');
  const { enrollTill } = await import('../server/intake/till-registry.ts');
  const { intakePackage } = await import('../server/intake/intake.ts');
  const { signingPublicKeyPath } = await import('../client/till-signing-key.ts');
  const db = await openDatabase({ data });
  try {
    // Format 3: packages are signed with the till's Ed25519 key; the server knows it from enrolment
    // (`server enroll-till --public-key FILE`, docs/security.md), read here from the till's folder.
    await enrollTill(db, { store: 'S1', till: '01', data, publicKeyPem: readFileSync(signingPublicKeyPath(tillDir), 'utf8') });
    const t0 = performance.now();
    const o = await intakePackage({ db, data }, { bytes: readFileSync(file), fileName: file.split('/').pop()!, channel: 'manual' });
    const ms = performance.now() - t0;
    if (o.status !== 'accepted') throw new Error(`intake ${o.status}: ${'message' in o ? o.message : ''}`);
    const stored = Number((await db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { tickets: o.counts.tickets, accepted: o.counts.accepted, errors: o.counts.errors, stored, ms, peakRssMB: peakMB() };
  } finally {
    await db.destroy();
  }
}

const [mode, a, b, c] = process.argv.slice(2);
const run = mode === 'fill' ? fill(a, Number(b)) : mode === 'extract' ? extract(a, b) : mode === 'intake' ? intake(a, b, c) : Promise.reject(new Error(`unknown mode ${mode}`));
run.then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
