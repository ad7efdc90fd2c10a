/**
 * The till side of sync/replication-protocol.ts, on RxDB's replication primitives with handlers
 * that call the server over fetch:
 *
 *   tickets  push only → POST ticketsPush, page by page from a checkpoint in the store
 *            (client/ticket-push.ts, not RxDB: bounded memory after a long outage); the server
 *            answers accepted / duplicates / conflicts / rejected. Acknowledged tickets are not
 *            pushed again.
 *   closures push only → POST closuresPush.
 *   acks     pull only → the `acks` collection (never the tickets: a pull cannot overwrite a sold
 *            ticket or its local flags); the store's ledger follows its change stream.
 *   base     pull only → the `base` collection (`deleted` → RxDB `_deleted`); the in-process base
 *            index follows its change stream.
 *
 * After a failure a channel waits before its next try, 1 s doubling up to 10 s and reset on
 * success, so a till whose server is away does not spin. The wait is ours, not RxDB's (its
 * `retryTime` is 1 ms; a failing handler waits, then throws), because RxDB's cannot be cut short:
 * as soon as the till sees the server again — its health probe (`serverBack()`) or a channel that
 * failed getting through — every channel's wait ends and the tickets' push is woken out of its
 * backoff, so the unsynced tickets go up at once, a page at a time; a server still away keeps the
 * backoff. Pulls have no server push channel: a timer asks RxDB to RESYNC every `pullIntervalMs`,
 * and right after tickets were accepted (to fetch their acks).
 */
import { Subject } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { API, pullQuery, type BaseItem, type Checkpoint, type KeyRegistrationResponse, type PullResponse, type TicketAck, type TicketsPushResponse } from '../sync/replication-protocol.ts';
import { signTicketPage } from '../sync/ticket-page.ts';
import { keyFingerprint } from '../sync/till-keys.ts';
import { serverRequest } from '../sync/transports/server-http.ts';
import { loadOrCreateTillSigningKey, readKeyChanges } from './till-signing-key.ts';
import type { Closure } from '../sync/types.ts';
import type { JetEvent } from '../sync/jet.ts';
import { logTillEvent } from './day-log.ts';
import { tillPublicKeys } from './till-public-keys.ts';
import { TicketPusher } from './ticket-push.ts';
import type { AckDoc, BaseDoc } from './store/schemas.ts';
import type { TillIdentity, TillStore } from './store/till-store.ts';

export interface ReplicationOptions {
  store: TillStore;
  dataDir: string;
  /** Pull acks and base every … (default 5 s). */
  pullIntervalMs?: number;
  /** Tickets per push request (default PUSH_PAGE, client/ticket-push.ts). */
  pushPage?: number;
  /** First retry delay after a failure (default 1 s); doubles up to maxRetryMs (default 10 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Per request (default 15 s). */
  requestTimeoutMs?: number;
  onContact?: () => void;
}

export interface ChannelStatus {
  ok: boolean | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  retryMs: number;
}

export interface ReplicationStatus {
  server: string;
  tickets: ChannelStatus & { pushed: number; duplicates: number; conflicts: string[]; rejected: { id: string; reason: string }[] };
  closures: ChannelStatus & { pushed: number };
  journal: ChannelStatus & { pushed: number };
  acks: ChannelStatus & { received: number };
  base: ChannelStatus & { received: number };
}

export interface TillReplication {
  states: RxReplicationState<any, any>[];
  status(): ReplicationStatus;
  /** Asks acks and base to pull now. */
  resync(): void;
  /** The server answers again (the health probe saw it): push the tickets now, whatever the backoff, and pull. */
  serverBack(): void;
  /** Resolves once every channel has nothing pending (only when the server answers). */
  awaitInSync(): Promise<void>;
  stop(): Promise<void>;
}

class HttpError extends Error {}

function stripRx<T>(doc: any): T {
  const { _deleted, _attachments, _meta, _rev, ...rest } = doc;
  return rest as T;
}

export function startReplication(opts: ReplicationOptions): TillReplication {
  const { store } = opts;
  const identity: TillIdentity = store.requireIdentity();
  if (!identity.serverUrl) throw new Error('no server configured');
  const server = identity.serverUrl;
  const baseRetry = opts.retryMs ?? 1000;
  const maxRetry = opts.maxRetryMs ?? 10_000;
  const timeout = opts.requestTimeoutMs ?? 15_000;
  const tillId = `${identity.store}-${identity.till}`;
  // Every request signed with the auth secret (never sent); the certificate pinned under TLS.
  const endpoint = { url: server, fingerprint: identity.serverFingerprint };
  const credentials = { till: tillId, authSecret: identity.secret };

  const channel = (): ChannelStatus => ({ ok: null, lastSuccessAt: null, lastError: null, retryMs: baseRetry });
  const st: ReplicationStatus = {
    server,
    tickets: { ...channel(), pushed: 0, duplicates: 0, conflicts: [], rejected: [] },
    closures: { ...channel(), pushed: 0 },
    journal: { ...channel(), pushed: 0 },
    acks: { ...channel(), received: 0 },
    base: { ...channel(), received: 0 },
  };
  const lastLogged = new Map<string, number>();

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await serverRequest(endpoint, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      timeoutMs: timeout,
      credentials,
    });
    if (res.status < 200 || res.status > 299) throw new HttpError(`${method} ${path} → HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return JSON.parse(res.text) as T;
  }

  /**
   * The server learns the till's public key on first contact (trust on first use, the request
   * authenticated by the auth secret) and each new key through the signed key changes: done once
   * per key, before the first page of tickets it signs.
   */
  let registeredKeyId: string | null = null;
  async function signingKey() {
    const key = loadOrCreateTillSigningKey(opts.dataDir);
    if (registeredKeyId !== key.keyId) {
      const r = await call<KeyRegistrationResponse>('POST', API.keys, { publicKey: key.publicKeyPem, keyChanges: readKeyChanges(opts.dataDir) });
      registeredKeyId = r.keyId;
      if (r.registered !== 'known') logTillEvent(opts.dataDir, 'info', `signing key ${keyFingerprint(key.publicKeyPem)} registered on the server ${server} (${r.registered})`);
    }
    return key;
  }

  /** The RxDB channels' waits after a failure, each ended early by serverSeen() (their timers do not hold the process). */
  const waits = new Set<() => void>();
  function backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      waits.add(done);
    });
  }
  /** The server answers again: no channel waits out its backoff. */
  function serverSeen(): void {
    pusher.serverBack();
    for (const done of [...waits]) done();
  }

  /**
   * Runs one request of a channel with the backoff bookkeeping. `rx`: an RxDB channel, whose
   * failure waits its backoff here before throwing (RxDB then retries at once).
   */
  function guarded<T>(name: keyof Omit<ReplicationStatus, 'server'>, rx: boolean, fn: () => Promise<T>): Promise<T> {
    const s = st[name];
    return fn().then(
      (v) => {
        const reconnected = s.ok === false;
        s.ok = true;
        s.lastSuccessAt = new Date().toISOString();
        s.lastError = null;
        s.retryMs = baseRetry;
        // A channel that had failed got through: the server is back for the others too.
        if (reconnected) serverSeen();
        opts.onContact?.();
        return v;
      },
      async (e) => {
        s.ok = false;
        s.lastError = (e as Error)?.message ?? String(e);
        const wait = s.retryMs;
        s.retryMs = Math.min(maxRetry, s.retryMs * 2);
        const key = `${name}:${s.lastError.replace(/\d+/g, '#')}`;
        if (Date.now() - (lastLogged.get(key) ?? 0) > 60_000) {
          lastLogged.set(key, Date.now());
          logTillEvent(opts.dataDir, 'warning', `replication ${name}: ${s.lastError} (retrying every ${Math.round(s.retryMs / 1000)} s at most)`);
        }
        if (rx) await backoff(wait);
        throw e;
      },
    );
  }

  const resync$ = new Subject<'RESYNC'>();
  let closuresRs: RxReplicationState<any, any> | undefined;
  let journalRs: RxReplicationState<any, any> | undefined;
  let acksRs: RxReplicationState<any, any> | undefined;
  let baseRs: RxReplicationState<any, any> | undefined;
  // retryTime: the wait after a failure is guarded()'s (cut short when the server is back), RxDB's is 1 ms.
  const common = { live: true, autoStart: true, waitForLeadership: false, toggleOnDocumentVisible: false, retryTime: 1 };

  // Tickets: page by page from a checkpoint in the store (client/ticket-push.ts), not RxDB's push,
  // which held every ticket sold during an outage in memory and sent them all at once after it.
  const pusher = new TicketPusher({
    store,
    pageSize: opts.pushPage,
    retryDelay: () => st.tickets.retryMs,
    send: (tickets) =>
      guarded('tickets', false, async () => {
        const key = await signingKey();
        const res = await call<TicketsPushResponse>('POST', API.ticketsPush, { tickets, signature: signTicketPage(key, tillId, tickets) }).catch((e: Error) => {
          // The server no longer knows the key (rotated, reset): register again on the next try.
          if (/HTTP 403 .*(unknown-key|key-retired)/.test(e.message)) registeredKeyId = null;
          throw e;
        });
        st.tickets.pushed += res.accepted.length;
        st.tickets.duplicates += res.duplicates.length;
        for (const id of res.conflicts) {
          st.tickets.conflicts = [...st.tickets.conflicts.slice(-49), id];
          logTillEvent(opts.dataDir, 'error', `server reports a conflict for ticket ${id}: it holds different content under this id`);
        }
        for (const r of res.rejected) {
          st.tickets.rejected = [...st.tickets.rejected.slice(-49), r];
          logTillEvent(opts.dataDir, 'error', `server rejected ticket ${r.id}: ${r.reason}`);
        }
        // Their acks at once when this page was the last; during a catch-up the pull's timer fetches them.
        const caughtUp = tickets[tickets.length - 1].number >= store.last.number;
        if (caughtUp && (res.accepted.length || res.duplicates.length)) setTimeout(() => resync$.next('RESYNC'), 50).unref();
      }),
  });
  pusher.start((e) => logTillEvent(opts.dataDir, 'warning', `replication tickets: ${(e as Error)?.message ?? e}`));
  // A sale wakes the push (only the event: the ticket is read back from the store by number).
  // After this turn: the store moves its last number once the insert has resolved, after the event.
  const salesSub = store.db.tickets.insert$.subscribe(() => setImmediate(() => pusher.wake()));

  closuresRs = replicateRxCollection<Closure, unknown>({
    ...common,
    collection: store.db.closures as any,
    replicationIdentifier: `tillsync-closures-push:${server}`,
    push: {
      batchSize: 50,
      modifier: (doc) => stripRx<Closure>(doc),
      handler: (rows) =>
        guarded('closures', true, async () => {
          const closures = rows.map((r) => r.newDocumentState as unknown as Closure);
          // The public key goes along until the server has the till's key registered (it then ignores it).
          const res = await call<{ accepted: string[] }>('POST', API.closuresPush, { closures, publicKeys: tillPublicKeys(opts.dataDir) });
          st.closures.pushed += res.accepted?.length ?? 0;
          return [];
        }),
    },
  });

  // The technical-event journal goes up like the closures (NF525: shown in the back office).
  journalRs = replicateRxCollection<JetEvent, unknown>({
    ...common,
    collection: store.db.journal as any,
    replicationIdentifier: `tillsync-journal-push:${server}`,
    push: {
      batchSize: 100,
      modifier: (doc) => stripRx<JetEvent>(doc),
      handler: (rows) =>
        guarded('journal', true, async () => {
          const events = rows.map((r) => r.newDocumentState as unknown as JetEvent);
          const res = await call<{ accepted: string[] }>('POST', API.journalPush, { events, publicKeys: tillPublicKeys(opts.dataDir) });
          st.journal.pushed += res.accepted?.length ?? 0;
          return [];
        }),
    },
  });

  acksRs = replicateRxCollection<AckDoc, Checkpoint>({
    ...common,
    collection: store.db.acks as any,
    replicationIdentifier: `tillsync-acks-pull:${server}`,
    pull: {
      batchSize: 500,
      stream$: resync$.asObservable(),
      handler: (checkpoint, batchSize) =>
        guarded('acks', true, async () => {
          const res = await call<PullResponse<TicketAck>>('GET', API.acksPull + pullQuery(checkpoint, batchSize));
          st.acks.received += res.documents.length;
          return {
            documents: res.documents.map((a) => ({ id: a.id, acknowledgedAt: a.acknowledgedAt, documentNumber: a.documentNumber ?? null, updatedAt: a.updatedAt, _deleted: false })),
            checkpoint: res.checkpoint ?? checkpoint ?? null,
          } as any;
        }),
    },
  });

  baseRs = replicateRxCollection<BaseDoc, Checkpoint>({
    ...common,
    collection: store.db.base as any,
    replicationIdentifier: `tillsync-base-pull:${server}`,
    deletedField: 'deleted',
    pull: {
      batchSize: 500,
      stream$: resync$.asObservable(),
      modifier: (item: BaseItem & { _deleted: boolean }) => {
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(item.content);
        } catch {
          logTillEvent(opts.dataDir, 'error', `base item ${item.id} from the server is not valid JSON; kept empty`);
        }
        return { id: item.id, kind: item.kind, code: item.code, barcode: item.kind === 'article' ? String((data as any).barcode ?? '') : '', data, updatedAt: item.updatedAt, _deleted: item._deleted } as any;
      },
      handler: (checkpoint, batchSize) =>
        guarded('base', true, async () => {
          const res = await call<PullResponse<BaseItem>>('GET', API.basePull + pullQuery(checkpoint, batchSize));
          st.base.received += res.documents.length;
          return { documents: res.documents as any, checkpoint: res.checkpoint ?? checkpoint ?? null } as any;
        }),
    },
  });

  // First contact registers the key even before the first sale.
  void signingKey().catch(() => undefined);
  const states = [closuresRs, journalRs, acksRs, baseRs];
  // RxDB reports handler failures here too; they are already counted and logged by `guarded`.
  const subs = states.map((s) => s.error$.subscribe(() => undefined));
  const timer = setInterval(() => resync$.next('RESYNC'), opts.pullIntervalMs ?? 5000);
  timer.unref();

  return {
    states,
    status: () => JSON.parse(JSON.stringify(st)),
    resync: () => resync$.next('RESYNC'),
    serverBack: () => {
      serverSeen();
      resync$.next('RESYNC');
    },
    awaitInSync: async () => {
      await Promise.all([pusher.awaitInSync(), ...states.map((s) => s.awaitInSync())]);
    },
    stop: async () => {
      clearInterval(timer);
      salesSub.unsubscribe();
      subs.forEach((s) => s.unsubscribe());
      await Promise.all([pusher.stop(), ...states.map((s) => s.cancel())]);
      resync$.complete();
    },
  };
}
