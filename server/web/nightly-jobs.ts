/**
 * The nightly runs as the back office sees them: every run of this server process (scheduled,
 * at a closure, from a pilot file, or started here) reports through `nightlyObservers`, and its
 * events are kept as a numbered list, so a page opened mid-run (or reconnecting) gets what it
 * missed, then live events (server-sent events, or polling of the same list).
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { ServerContext } from '../context.ts';
import { nightlyObservers, runNightly, type NightlyEvent as RunEvent, type NightlyStepResult } from '../nightly.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { appendDayLog } from '../log-book.ts';

export interface NightlyEvent {
  seq: number;
  at: string;
  kind: RunEvent['kind'];
  step: string;
  detail: string;
}

export interface NightlyJob {
  id: number;
  by: string;
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'done' | 'failed';
  events: NightlyEvent[];
  results: NightlyStepResult[];
  error: string | null;
}

const KEEP_JOBS = 10;
const KEEP_EVENTS = 5000;

export class NightlyJobs extends EventEmitter {
  private jobs: NightlyJob[] = [];
  private seq = 0;
  private nextBy: string | null = null;
  private readonly observer: (ev: RunEvent) => void;

  constructor(private readonly ctx: ServerContext) {
    super();
    this.setMaxListeners(100);
    const mine = resolve(ctx.data);
    this.observer = (ev) => {
      if (resolve(ev.data) === mine) this.record(ev);
    };
    nightlyObservers.add(this.observer);
  }

  dispose(): void {
    nightlyObservers.delete(this.observer);
  }

  get current(): NightlyJob | null {
    return this.jobs[this.jobs.length - 1] ?? null;
  }

  get running(): boolean {
    return this.current?.status === 'running';
  }

  private record(ev: RunEvent): void {
    if (ev.kind === 'start') {
      const by = ev.trigger === 'web' && this.nextBy ? this.nextBy : (ev.trigger ?? 'cli');
      this.nextBy = null;
      this.jobs.push({ id: (this.current?.id ?? 0) + 1, by, startedAt: new Date().toISOString(), finishedAt: null, status: 'running', events: [], results: [], error: null });
      if (this.jobs.length > KEEP_JOBS) this.jobs.shift();
    }
    const job = this.current;
    if (!job) return;
    if (ev.kind === 'done' || ev.kind === 'failed') {
      job.status = ev.kind;
      job.finishedAt = new Date().toISOString();
      if (ev.kind === 'failed') job.error = ev.detail;
    }
    const e: NightlyEvent = { seq: ++this.seq, at: new Date().toISOString(), kind: ev.kind, step: ev.step, detail: ev.detail };
    // A huge run keeps its first and latest events; the middle is in the day log anyway.
    if (job.events.length >= KEEP_EVENTS) job.events.splice(100, 1);
    job.events.push(e);
    this.emit('event', e);
  }

  /** Starts a run in the background; refuses a second one while one runs. */
  start(by: string, until?: string): void {
    if (this.running) throw new TillsyncError('busy', `a nightly run is already in progress (started ${this.current!.startedAt} by ${this.current!.by})`, { hint: 'wait for it to finish', status: 409 });
    this.nextBy = by;
    appendDayLog(this.ctx.data, `INFO [web] nightly run started by ${by}${until ? ` until ${until}` : ''}`);
    const run = runNightly(this.ctx, { until, trigger: 'web' });
    const job = this.current;
    run
      .then((results) => {
        if (job) job.results = results;
      })
      .catch((e: unknown) => {
        appendDayLog(this.ctx.data, `ERROR [web] nightly run failed: ${(e as Error)?.message ?? String(e)}`);
      });
  }

  eventsAfter(seq: number): NightlyEvent[] {
    return this.current ? this.current.events.filter((e) => e.seq > seq) : [];
  }
}

const registries = new WeakMap<ServerContext, NightlyJobs>();

export function nightlyJobs(ctx: ServerContext): NightlyJobs {
  let r = registries.get(ctx);
  if (!r) registries.set(ctx, (r = new NightlyJobs(ctx)));
  return r;
}
