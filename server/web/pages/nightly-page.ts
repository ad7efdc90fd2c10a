/**
 * Live view of the nightly run (seed 002's "journal de traitement en temps réel"): start it, then
 * watch each step's progress as it happens, through server-sent events (polling as a fallback).
 */
import type { Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
import { label, t } from '../i18n/index.ts';
import { stepSentence } from '../summaries.ts';
import { nightlyJobs, type NightlyEvent } from '../nightly-jobs.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';

/** A step's name in the page's language (the event's own detail stays as the run wrote it). */
function stepName(step: string): string {
  return ['nightly', 'integrate', 'post', 'letter', 'export', 'ereport', 'check'].includes(step) ? t(`nightly.step.${step}` as 'nightly.step.nightly') : step;
}

/** What the page's script writes as the run goes (statuses, step names), in the page's language. */
function words(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ['running', 'done', 'failed']) out[s] = label('status', s);
  for (const s of ['nightly', 'integrate', 'post', 'letter', 'export', 'ereport', 'check']) out[s] = stepName(s);
  return out;
}

function line(e: NightlyEvent) {
  const cls = e.kind === 'failed' ? 'err' : e.kind === 'done' || e.kind === 'step-done' ? 'ok' : '';
  return html`<div class="${cls}" data-seq="${e.seq}">${when(e.at).slice(11)} - ${stepName(e.step)} : ${e.detail}</div>`;
}

export function mountNightly(r: Router, ctx: ServerContext): void {
  const jobs = nightlyJobs(ctx);

  r.get('/nightly', async (req: AuthedRequest, res) => {
    const job = jobs.current;
    const last = job?.events[job.events.length - 1]?.seq ?? 0;
    const body = html`<form class="toolbar" method="post" action="${BASE}/nightly/run">
  <label>${t('nightly.until')} <input type="date" name="until"></label>
  <button type="submit" id="run-nightly" ${jobs.running ? html`disabled` : ''}>${t('nightly.run')}</button>
  <span class="muted">${t('nightly.chain')} <code>server start --nightly HH:MM</code></span>
</form>
<section id="nightly" data-after="${last}" data-running="${jobs.running ? '1' : '0'}" data-words="${JSON.stringify(words())}">
  <p>${t('nightly.status')} <span id="nightly-status" class="badge ${job?.status ?? ''}" data-status="${job?.status ?? ''}">${job ? label('status', job.status) : t('nightly.noRun')}</span>
  ${job ? html`<span class="muted">${t('nightly.runBy', { id: job.id, by: job.by, started: when(job.startedAt), finished: job.finishedAt ? when(job.finishedAt) : 'no' })}</span>` : ''}</p>
  <label>${t('nightly.steps')} <progress id="nightly-steps" max="1" value="${job && job.status !== 'running' ? 1 : 0}"></progress></label>
  <label>${t('nightly.current')} <span id="nightly-step" class="muted"></span><progress id="nightly-progress" max="1" value="${job && job.status !== 'running' ? 1 : 0}"></progress></label>
  <h2>${t('nightly.log')}</h2>
  <div class="log-live" id="nightly-log" aria-live="polite">${job ? job.events.map(line) : html`<span class="muted">${t('nightly.waiting')}</span>`}</div>
</section>
${
  job?.results.length
    ? html`<h2>${t('nightly.results', { id: job.id })}</h2><div class="table-wrap"><table id="nightly-results"><thead><tr><th>${t('nightly.step')}</th><th>${t('common.summary')}</th></tr></thead><tbody>
${job.results.map((s) => html`<tr data-step="${s.step}"><td>${stepName(s.step)}</td><td class="wrap summary">${stepSentence(s.step, s.summary)}</td></tr>`)}</tbody></table></div>`
    : ''
}`;
    renderPage(req, res, ctx, { title: t('nav.nightly'), active: '/nightly', body });
  });

  r.post(
    '/nightly/run',
    action('/nightly', async (req, res) => {
      const until = str(req.body?.until);
      if (until && !/^\d{4}-\d{2}-\d{2}$/.test(until)) throw new Error(t('nightly.badDay', { until }));
      jobs.start(req.user ?? 'web', until || undefined);
      redirectWith(res, '/nightly', 'ok', t('nightly.started'));
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
