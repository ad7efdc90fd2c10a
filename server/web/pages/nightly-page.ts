/**
 * Live view of the nightly run (seed 002's "journal de traitement en temps réel"): start it, then
 * watch each step's progress as it happens, through server-sent events (polling as a fallback).
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
import { nightlyJobs, type NightlyEvent } from '../nightly-jobs.ts';
import { summaryText } from '../batches-queries.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';

function line(e: NightlyEvent) {
  const cls = e.kind === 'failed' ? 'err' : e.kind === 'done' || e.kind === 'step-done' ? 'ok' : '';
  return html`<div class="${cls}" data-seq="${e.seq}">${when(e.at).slice(11)} - ${e.step}: ${e.detail}</div>`;
}

export function mountNightly(r: Router, ctx: ServerContext): void {
  const jobs = nightlyJobs(ctx);

  r.get('/nightly', async (req: AuthedRequest, res) => {
    const job = jobs.current;
    const last = job?.events[job.events.length - 1]?.seq ?? 0;
    const body = html`<form class="toolbar" method="post" action="${BASE}/nightly/run">
  <label>Until day (default: yesterday) <input type="date" name="until"></label>
  <button type="submit" id="run-nightly" ${jobs.running ? html`disabled` : ''}>Run the nightly chain now</button>
  <span class="muted">integrate → post → letter → export, as scheduled by <code>server start --nightly HH:MM</code></span>
</form>
<section id="nightly" data-after="${last}" data-running="${jobs.running ? '1' : '0'}">
  <p>Status: <span id="nightly-status" class="badge ${job?.status ?? ''}">${job ? job.status : 'no run since the server started'}</span>
  ${job ? html`<span class="muted">run #${job.id} by ${job.by}, started ${when(job.startedAt)}${job.finishedAt ? html`, finished ${when(job.finishedAt)}` : ''}</span>` : ''}</p>
  <label>Steps <progress id="nightly-steps" max="1" value="${job && job.status !== 'running' ? 1 : 0}"></progress></label>
  <label>Current step <span id="nightly-step" class="muted"></span><progress id="nightly-progress" max="1" value="${job && job.status !== 'running' ? 1 : 0}"></progress></label>
  <h2>Processing log</h2>
  <div class="log-live" id="nightly-log" aria-live="polite">${job ? job.events.map(line) : html`<span class="muted">Waiting for a run…</span>`}</div>
</section>
${
  job?.results.length
    ? html`<h2>Results of run #${job.id}</h2><div class="table-wrap"><table><thead><tr><th>Step</th><th>Summary</th></tr></thead><tbody>
${job.results.map((s) => html`<tr><td>${s.step}</td><td class="wrap">${summaryText(s.summary && typeof s.summary === 'object' ? (s.summary as Record<string, unknown>) : { result: s.summary })}</td></tr>`)}</tbody></table></div>`
    : ''
}`;
    renderPage(req, res, ctx, { title: 'Nightly run', active: '/nightly', body });
  });

  r.post(
    '/nightly/run',
    action('/nightly', async (req, res) => {
      const until = str(req.body?.until);
      if (until && !/^\d{4}-\d{2}-\d{2}$/.test(until)) throw new Error(`invalid day "${until}" (use YYYY-MM-DD)`);
      jobs.start(req.user ?? 'web', until || undefined);
      redirectWith(res, '/nightly', 'ok', 'Nightly run started.');
    }),
  );

  /** Polling fallback: events after a sequence number, plus the run status. */
  r.get('/api/nightly/progress', (req, res) => {
    const after = Number(req.query.after ?? 0) || 0;
    res.set('Cache-Control', 'no-store').json({ status: jobs.current?.status ?? null, events: jobs.eventsAfter(after) });
  });

  r.get('/api/nightly/events', (req, res) => {
    const after = Number(req.query.after ?? req.get('Last-Event-ID') ?? 0) || 0;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // Headers and a first line go out at once: a client waits for them before anything else.
    res.write('retry: 3000\n: connected\n\n');
    const send = (e: NightlyEvent) => res.write(`id: ${e.seq}\nevent: progress\ndata: ${JSON.stringify(e)}\n\n`);
    for (const e of jobs.eventsAfter(after)) send(e);
    jobs.on('event', send);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      jobs.off('event', send);
    });
  });
}
