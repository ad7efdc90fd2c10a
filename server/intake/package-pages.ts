/**
 * Where the tickets of an opened package come from, judged, page by page in line order:
 *  - `inline`: every line read and judged in this thread before the transaction opens, one page.
 *    Most packages are a day of one till (a few thousand tickets): starting a thread (~0.3 s of
 *    CPU to load its modules) would cost more than it saves.
 *  - `workers`: lines judged in a worker thread (two beyond two cores) — parse, restored fields,
 *    canonical text, hash, checks: the larger part of a large package's intake — while this
 *    thread inserts the pages judged before, inside the transaction. This thread judges pages too — the first ones while
 *    the worker loads, then, rather than wait for a late page, the last page nobody has — and
 *    keeps what needs every line in order (a number seen twice, the manifest's range:
 *    TicketSequence). Verdicts are pure functions of the lines, so who judged a page changes
 *    nothing: the pages are the inline ones.
 *
 * A package whose tickets do not come in ascending number order (never written so by a till, but
 * a package is hostile input) cannot be applied page by page with the verdicts of one whole
 * apply: the worker path then stops with LinesOutOfOrder and intake starts again inline.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readOpenedPackage, TicketSequence, type OpenedPackage, type StreamedPackage, type TicketLineError, type TicketLinePage } from '../../sync/package-reader.ts';
import { ticketId } from '../../sync/ticket-chain.ts';
import type { CheckedTicket } from './ticket-check.ts';
import { prepareTickets } from './ticket-apply.ts';
import { judgeLines, type LineJudgeContext, type LinePackageMessage, type LinePageRequest, type LinePageVerdicts } from './line-verdicts.ts';

/** Packages of at least this many tickets go to worker threads (when there is a second core). */
export const WORKER_THRESHOLD = 20_000;
/** Lines per page handed to a worker. */
export const PAGE_LINES = 1000;
/** Pages a worker may hold at once: it never waits for work, and verdicts never pile up here. */
const PAGES_IN_FLIGHT = 4;
/** Pages this thread may judge ahead of a late one (each holds PAGE_LINES lines): the memory bound of stealing. */
const STOLEN_AHEAD = 8;
const YOUNG_GENERATION_MB = 192;

/**
 * 'auto': a worker for large packages when there is a second core; 'inline': never; 'workers':
 * always (this thread still judges pages until it is ready, and any page a failed worker leaves);
 * 'workers-only': every page judged by the workers, a failure is an error (tests, to prove their
 * verdicts are the inline ones).
 */
export type LinesMode = 'auto' | 'inline' | 'workers' | 'workers-only';

export interface PackagePage {
  candidates: CheckedTicket[];
  /** Sound lines that checkIncomingTicket refused (stored nowhere, journaled as refused tickets). */
  rejected: { id: string; reason: string }[];
  lineErrors: TicketLineError[];
  /** Second copies of a number already in the package, sound on their own: kept in ticket_conflicts when they differ. */
  copies: CheckedTicket[];
}

export interface PackagePages {
  readonly kind: 'inline' | 'workers';
  /** Pages judged so far by this thread and by worker threads. */
  readonly judged: { here: number; workers: number };
  /** Pages in line order; after the last one, the package's range is checked (PackageError). */
  pages(): AsyncGenerator<PackagePage>;
  close(): Promise<void>;
}

/** A worker thread failed or stopped: the pages it held are judged in this thread (or, 'workers-only', the intake fails). */
export class LineWorkerFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineWorkerFailure';
  }
}

export class LinesOutOfOrder extends Error {
  constructor() {
    super('ticket lines not in ascending number order: judged again in one piece');
    this.name = 'LinesOutOfOrder';
  }
}

/**
 * Whether a package of `count` tickets (as its manifest claims: a choice of method, nothing more)
 * goes to workers. Not gated on the load average: this thread judges every page a worker is late
 * with, so a worker short of a core costs only its start (~0.25 s of CPU), and the load average
 * mostly tells what the previous minute did (a bench's own previous round, say).
 */
export function wantsWorkers(count: number, mode: LinesMode = 'auto'): boolean {
  if (mode !== 'auto') return mode !== 'inline';
  return count >= WORKER_THRESHOLD && availableParallelism() > 1;
}

/**
 * Every line judged here, now, from the package held whole: only for a package whose lines are not in
 * ascending order (hostile: a till never writes one), which cannot be applied page by page.
 */
export function inlinePages(opened: OpenedPackage, fileName: string, tillId: string): PackagePages {
  const { read, lineErrors, copies } = readOpenedPackage(opened, fileName);
  // The package's own till signed it, so it is enrolled; the reader hashed every content.
  const prepared = prepareTickets(
    read.map((r) => r.ticket),
    new Set([tillId]),
    tillId,
    read.map((r) => r.content),
  );
  const twice = prepareTickets(
    copies.map((r) => r.ticket),
    new Set([tillId]),
    tillId,
    copies.map((r) => r.content),
  );
  const page: PackagePage = { candidates: prepared.candidates, rejected: prepared.rejected, lineErrors, copies: [...twice.candidates, ...twice.batchConflicts] };
  return {
    kind: 'inline',
    judged: { here: 1, workers: 0 },
    async *pages() {
      yield page;
    },
    close: async () => {},
  };
}

/**
 * Worker threads judging the lines of one package, page by page. Spawned before the zip checks;
 * until they have loaded their modules (~0.2–0.5 s), this thread judges the first pages itself;
 * then it judges from the end whenever the next page is late, and judges any page a failed
 * worker held (verdicts are pure functions of the lines: who judged a page never changes it).
 */
export class LineWorkers {
  private readonly waiting = new Map<number, { resolve: (v: LinePageVerdicts) => void; reject: (e: Error) => void }>();
  private failure: LineWorkerFailure | null = null;
  private started = 0;
  private readonly exited = new Set<Worker>();
  /** Resolves once every worker is ready; rejects if one fails first. */
  readonly ready: Promise<void>;
  private readonly onFailure: (e: Error) => void;

  private constructor(private readonly workers: Worker[]) {
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.onFailure = rejectReady;
    for (const w of workers) {
      w.on('error', (e) => this.fail(new LineWorkerFailure(`package line worker: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        this.exited.add(w);
        this.fail(new LineWorkerFailure(`package line worker stopped (exit ${code})`));
      });
      w.on('message', (m: LinePageVerdicts | { type: 'ready' } | { type: 'error'; error: string }) => {
        if (m.type === 'ready') {
          if (++this.started === workers.length) resolveReady();
          return;
        }
        if (m.type === 'error') return this.fail(new LineWorkerFailure(`package line worker: ${m.error}`));
        const waiter = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        waiter?.resolve(m);
      });
    }
  }

  /**
   * Starts `count` workers: one per core beside this thread, at most two (this thread inserts
   * and judges whatever page they are late with; on two cores a second worker measured ~10 %
   * more CPU for no gain).
   */
  static spawn(count = Math.max(1, Math.min(2, availableParallelism() - 1))): LineWorkers {
    const workers: Worker[] = [];
    // A young generation four times Node's default: a page's parsed lines all die young, and
    // fewer scavenges cut a tenth of a worker's time.
    const options = { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
    for (let i = 0; i < count; i++) workers.push(new Worker(new URL('./line-worker.mjs', import.meta.url), options));
    return new LineWorkers(workers);
  }

  get isReady(): boolean {
    return this.started === this.workers.length && !this.failure;
  }

  private fail(e: LineWorkerFailure): void {
    if (this.failure) return;
    this.failure = e;
    this.onFailure(e);
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private send(worker: Worker, req: LinePageRequest): Promise<LinePageVerdicts> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(req.seq, { resolve, reject });
      worker.postMessage(req);
    });
  }

  /**
   * The pages of one package, read as its tickets.jsonl is inflated and put in sequence here.
   * Up to PAGES_IN_FLIGHT pages per worker are handed out ahead; when the next page is late, this
   * thread reads the next page nobody has and judges it (at most STOLEN_AHEAD of them), so memory
   * holds a bounded number of pages whatever the package. `strict` ('workers-only', tests): wait
   * for the workers and give them every page; a worker failure is then an error rather than pages
   * judged here. `pageLines`: tests cross page boundaries with small pages.
   */
  judge(pkg: StreamedPackage, fileName: string, tillId: string, { strict = false, pageLines = PAGE_LINES }: { strict?: boolean; pageLines?: number } = {}): PackagePages {
    const { manifest, hashes } = pkg;
    const ctx: LineJudgeContext = { fileName, manifest, hashes, tillId };
    const sequence = new TicketSequence({ fileName, manifest });
    const self = this;
    const judged = { here: 0, workers: 0 };
    const here = (page: TicketLinePage) => {
      judged.here++;
      return judgeLines(ctx, requestOf(-1, page));
    };
    return {
      kind: 'workers',
      judged,
      async *pages() {
        if (strict) await self.ready;
        const source = pkg.pages(pageLines)[Symbol.asyncIterator]();
        let ended = false;
        let seq = 0;
        /** Pages read, in line order: judged here already, or handed to a worker. */
        const queue: Slot[] = [];
        const read = async (): Promise<Slot | null> => {
          if (ended) return null;
          const r = await source.next();
          if (r.done) {
            ended = true;
            return null;
          }
          const slot: Slot = { page: r.value };
          queue.push(slot);
          return slot;
        };
        let told = false;
        const handed = () => queue.reduce((n, s) => n + (s.job ? 1 : 0), 0);
        try {
          for (;;) {
            if (self.isReady) {
              if (!told) {
                const message: LinePackageMessage = { type: 'package', fileName, manifest, hashes: hashes ?? null, tillId };
                for (const w of self.workers) w.postMessage(message);
                told = true;
              }
              while (handed() < PAGES_IN_FLIGHT * self.workers.length) {
                const slot = await read();
                if (!slot) break;
                const n = seq++;
                const verdicts = self.send(self.workers[n % self.workers.length], requestOf(n, slot.page));
                const job = { verdicts, done: false };
                verdicts.then(
                  () => (job.done = true),
                  () => (job.done = true),
                );
                slot.job = job;
              }
            }
            if (queue.length === 0 && !(await read())) break;
            const head = queue[0];
            if (head.job) {
              // Rather than wait for a late page (a worker short of a core, or simply slower than
              // the inserts here), judge the next page nobody has: no page is ever judged twice.
              while (!head.job.done && !strict && queue.filter((s) => s.verdicts).length < STOLEN_AHEAD) {
                const slot = await read();
                if (!slot) break;
                slot.verdicts = here(slot.page);
                await nextTurn();
              }
              try {
                head.verdicts = await head.job.verdicts;
                judged.workers++;
              } catch (e) {
                if (strict) throw e;
                head.verdicts = here(head.page);
              }
            } else if (!head.verdicts) {
              // Not handed out: the workers are not ready yet.
              head.verdicts = here(head.page);
              await nextTurn();
            }
            queue.shift();
            yield pageOf(head.verdicts!, head.page, sequence, manifest.store, manifest.till);
          }
        } finally {
          if (!ended) await source.return?.(undefined);
        }
        sequence.finish();
      },
      close: () => self.close(),
    };
  }

  /** Asks the workers to finish (so that they end cleanly, profiles and all), terminating any that does not. */
  async close(): Promise<void> {
    this.fail(new LineWorkerFailure('package line workers closed'));
    await Promise.all(
      this.workers.map(async (w) => {
        if (this.exited.has(w)) return;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage({ type: 'stop' });
        const timer = setTimeout(() => void w.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** A page read from the package: handed to a worker (`job`) or judged here (`verdicts`). */
interface Slot {
  page: TicketLinePage;
  job?: { verdicts: Promise<LinePageVerdicts>; done: boolean };
  verdicts?: LinePageVerdicts;
}

function requestOf(seq: number, page: TicketLinePage): LinePageRequest {
  return { type: 'page', seq, k0: page.k0, line: page.line, start: page.start, end: page.end, data: page.data };
}

/**
 * Every page judged in this thread, as it is read: one page of lines in memory at a time (the
 * package's tickets.jsonl is never held whole). The verdicts are the workers' (judgeLines, then
 * pageOf), so who judged a page changes nothing.
 */
export function herePages(pkg: StreamedPackage, fileName: string, tillId: string, pageLines = PAGE_LINES): PackagePages {
  const ctx: LineJudgeContext = { fileName, manifest: pkg.manifest, hashes: pkg.hashes, tillId };
  const judged = { here: 0, workers: 0 };
  return {
    kind: 'inline',
    judged,
    async *pages() {
      const sequence = new TicketSequence({ fileName, manifest: pkg.manifest });
      for await (const page of pkg.pages(pageLines)) {
        judged.here++;
        yield pageOf(judgeLines(ctx, requestOf(-1, page)), page, sequence, pkg.manifest.store, pkg.manifest.till);
      }
      sequence.finish();
    },
    close: async () => {},
  };
}

/** Lets the workers' messages in: all else here (SQLite under Kysely) may never leave the microtask queue. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}



/** A worker's verdicts on one page, put in sequence with the pages before. */
function pageOf(v: LinePageVerdicts, lines: TicketLinePage, sequence: TicketSequence, store: string, till: string): PackagePage {
  const page: PackagePage = { candidates: [], rejected: [], lineErrors: [], copies: [] };
  let e = 0;
  let j = 0;
  for (let i = 0; i < v.kinds.length; i++) {
    if (v.kinds[i] === 0) {
      sequence.refused();
      page.lineErrors.push(v.errors[e++]);
      continue;
    }
    const number = v.number[j];
    const id = ticketId(store, till, number);
    const twice = sequence.admit(number, lines.line[i], id, { due: v.due[j], inclVat: v.inclVat[j] });
    const candidate = () => ({
      ticket: { id, store, till, number, day: v.day[j], soldAt: v.soldAt[j], customer: v.customer[j], totals: { inclVat: v.inclVat[j], due: v.due[j] }, degraded: v.degraded[j], hash: v.hash[j], prevHash: v.prevHash[j] },
      content: v.content[j],
    });
    if (twice) {
      page.lineErrors.push(twice);
      if (v.rejected[j] === null) page.copies.push(candidate());
    } else if (v.rejected[j] !== null) page.rejected.push({ id, reason: v.rejected[j]! });
    else page.candidates.push(candidate());
    j++;
  }
  if (!sequence.ascending) throw new LinesOutOfOrder();
  return page;
}
