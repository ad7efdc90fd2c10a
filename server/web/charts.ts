/**
 * The dashboard's charts as markup: each one a <figure> with its title, a drawing area the page's
 * script (assets/charts.js, uPlot served from this server) fills from the data-chart JSON, and
 * the same figures as a table under it (exact amounts; what a screen reader and a printout read).
 * Readable in black and white: every series has its own dash pattern and marker, bars their own
 * hatching, and the axes say what they count.
 */
import { html, type SafeHtml } from './html.ts';
import { amount, day, num, when } from './format.ts';
import { t } from './i18n/index.ts';
import type { ChartData } from './chart-queries.ts';

/** What charts.js draws: lines over days, bars over categories, or a timeline of periods per row. */
export interface ChartSpec {
  kind: 'lines' | 'bars' | 'timeline';
  /** X positions: day labels for lines, category labels for bars. */
  x: string[];
  /** Axis titles. */
  xLabel: string;
  yLabel: string;
  series: { label: string; values: (number | null)[] }[];
  /** Timeline: one row per till, periods as [from, to] ISO times. */
  rows?: { label: string; periods: [string, string][] }[];
}

const n = (text: string) => Number(text);

function figure(id: string, title: string, spec: ChartSpec, table: SafeHtml, note?: string): SafeHtml {
  return html`<figure class="chart-figure" id="chart-${id}">
<figcaption><h3>${title}</h3>${note ? html`<p class="muted">${note}</p>` : ''}</figcaption>
<div class="chart" data-chart="${JSON.stringify(spec)}" aria-hidden="true"></div>
<details class="chart-data"><summary>${t('charts.table')}</summary><div class="table-wrap">${table}</div></details>
</figure>`;
}

export function chartsSection(c: ChartData): SafeHtml {
  const period = t('common.period', { from: day(c.period.from), to: day(c.period.to) });
  const figures: SafeHtml[] = [];

  const tillNames = c.salesPerTill.map((s) => s.till);
  figures.push(
    figure(
      'sales',
      t('charts.sales'),
      { kind: 'lines', x: c.days.map((d) => day(d).slice(0, 5)), xLabel: t('charts.axis.day'), yLabel: t('charts.axis.euros'), series: c.salesPerTill.map((s) => ({ label: t('charts.till', { till: s.till }), values: s.perDay.map(n) })) },
      html`<table><caption class="sr-only">${t('charts.sales')}</caption><thead><tr><th scope="col">${t('common.day')}</th>${tillNames.map((x) => html`<th scope="col" class="num">${t('charts.till', { till: x })}</th>`)}</tr></thead><tbody>
${c.days.map((d, i) => html`<tr><th scope="row">${day(d)}</th>${c.salesPerTill.map((s) => html`<td class="num">${amount(s.perDay[i])}</td>`)}</tr>`)}</tbody></table>`,
    ),
  );
  figures.push(
    figure(
      'modes',
      t('charts.modes'),
      { kind: 'bars', x: c.modes.map((m) => m.mode), xLabel: t('charts.axis.mode'), yLabel: t('charts.axis.euros'), series: [{ label: t('charts.takings'), values: c.modes.map((m) => n(m.amount)) }] },
      html`<table><caption class="sr-only">${t('charts.modes')}</caption><thead><tr><th scope="col">${t('charts.axis.mode')}</th><th scope="col" class="num">${t('charts.payments')}</th><th scope="col" class="num">${t('charts.takings')}</th></tr></thead><tbody>
${c.modes.map((m) => html`<tr><th scope="row">${m.mode}</th><td class="num">${m.count}</td><td class="num">${amount(m.amount)}</td></tr>`)}</tbody></table>`,
    ),
  );
  figures.push(
    figure(
      'vat',
      t('charts.vat'),
      { kind: 'bars', x: c.vat.map((v) => `${num(v.rate)} %`), xLabel: t('charts.axis.rate'), yLabel: t('charts.axis.euros'), series: [{ label: t('common.vat'), values: c.vat.map((v) => n(v.vat)) }] },
      html`<table><caption class="sr-only">${t('charts.vat')}</caption><thead><tr><th scope="col">${t('docs.vat.code')}</th><th scope="col" class="num">${t('docs.vat.rate')}</th><th scope="col" class="num">${t('docs.vat.base')}</th><th scope="col" class="num">${t('common.vat')}</th></tr></thead><tbody>
${c.vat.map((v) => html`<tr><th scope="row">${v.code}</th><td class="num">${num(v.rate)} %</td><td class="num">${amount(v.base)}</td><td class="num">${amount(v.vat)}</td></tr>`)}</tbody></table>`,
      t('charts.vat.note'),
    ),
  );
  figures.push(
    figure(
      'degraded',
      t('charts.degraded'),
      { kind: 'timeline', x: [], xLabel: t('charts.axis.time'), yLabel: t('charts.axis.till'), series: [], rows: c.degraded.map((d) => ({ label: t('charts.till', { till: d.till }), periods: d.periods.map((p) => [p.from, p.to] as [string, string]) })) },
      c.degraded.length
        ? html`<table><caption class="sr-only">${t('charts.degraded')}</caption><thead><tr><th scope="col">${t('common.till')}</th><th scope="col">${t('common.from')}</th><th scope="col">${t('common.to')}</th><th scope="col" class="num">${t('common.tickets')}</th></tr></thead><tbody>
${c.degraded.flatMap((d) => d.periods.map((p) => html`<tr><th scope="row">${d.till}</th><td>${when(p.from)}</td><td>${when(p.to)}</td><td class="num">${p.tickets}</td></tr>`))}</tbody></table>`
        : html`<p class="empty">${t('charts.degraded.none')}</p>`,
    ),
  );
  figures.push(
    figure(
      'channels',
      t('charts.channels'),
      { kind: 'bars', x: c.channels.map((x) => x.channel), xLabel: t('common.channel'), yLabel: t('charts.axis.packages'), series: [{ label: t('charts.packages'), values: c.channels.map((x) => x.packages) }] },
      html`<table><caption class="sr-only">${t('charts.channels')}</caption><thead><tr><th scope="col">${t('common.channel')}</th><th scope="col" class="num">${t('charts.packages')}</th><th scope="col" class="num">${t('common.tickets')}</th></tr></thead><tbody>
${c.channels.map((x) => html`<tr><th scope="row">${x.channel}</th><td class="num">${x.packages}</td><td class="num">${x.tickets}</td></tr>`)}</tbody></table>`,
    ),
  );
  return html`<section class="charts" id="charts" aria-labelledby="charts-title"><h2 id="charts-title">${t('charts.title', { period })}</h2>
<div class="chart-grid">${figures}</div></section>`;
}

/** The page assets the charts need (layout.ts puts them in the head). */
export const CHART_ASSETS = { scripts: ['vendor/uPlot.iife.min.js', 'charts.js'], styles: ['vendor/uPlot.min.css'] };
