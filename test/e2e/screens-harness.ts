/**
 * Shared pieces of the screen tests: the real CLI as child processes (`server start`, `till start`
 * as long-running processes on loopback), Debian's chromium driven by playwright-core, and the
 * screenshots the pages leave in test-artifacts/screens/ for a person to look at
 * (TILLSYNC_SCREENSHOTS=1: nothing asserts on them, and a full-page PNG costs CPU on every run).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { jsonLine, runCli, startCli } from '../support/cli-harness.ts';

export const SCREENS = join(process.cwd(), 'test-artifacts', 'screens');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** `tillsync --json ARGS…` to completion; stdin is written then closed. */
export async function cli(args: string[], input = ''): Promise<CliResult> {
  const r = await runCli(args, { json: true, input });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr, json: r.json ?? null };
}

export async function ok(args: string[], input = ''): Promise<any> {
  const r = await cli(args, input);
  if (r.code !== 0) throw new Error(`tillsync ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.json;
}

export interface Running {
  child: ChildProcess;
  /** The first JSON line the process printed (its "ready" / "listening" announcement). */
  ready: any;
  output(): string;
  /** SIGTERM, then wait for the exit (a graceful stop). */
  stop(): Promise<number | null>;
}

/** Starts a long-running `tillsync --json …` and waits for its first JSON line. */
export async function start(args: string[], timeoutMs = 60_000): Promise<Running> {
  const r = await startCli(args, jsonLine(), { json: true, timeoutMs });
  return { child: r.child, ready: r.ready, output: r.output, stop: r.stop };
}

/**
 * Debian's chromium. With `lang` (e.g. 'fr-FR') the browser itself runs in that language, not only
 * its pages: native widgets such as `<input type="date">` follow the browser's language, not the
 * page's, and read mm/dd/yyyy in an English browser. On Linux chromium takes its language from
 * LANGUAGE (--lang alone is ignored there) and needs its locale files (apt chromium-l10n, in .ci/run).
 * Give the context the same `locale` (navigator.language, Accept-Language).
 * Flags tried for CPU (launch + 15 back-office pages, every chromium process counted from /proc):
 * --no-zygote and site isolation off (--disable-site-isolation-trials) cut nothing beyond the
 * noise (~7.4 CPU-s either way), so neither is added. (`/usr/bin/time` under-counts chromium: with
 * the zygote, the renderers' CPU never reaches the test process's rusage.)
 */
export async function launchBrowser(opts: { lang?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...(opts.lang ? [`--lang=${opts.lang}`] : [])],
    ...(opts.lang ? { env: { ...process.env, LANGUAGE: opts.lang.replace('-', '_') + ':' + opts.lang.split('-')[0] } as Record<string, string> } : {}),
  });
}

/**
 * What a date field shows on screen, e.g. "05/12/2026": the text of the browser's own widget (its
 * user-agent shadow tree, read through the DevTools protocol), which depends on the browser's language.
 */
export async function shownDate(page: Page, selector: string): Promise<string> {
  const field = page.locator(selector).first();
  await field.evaluate((el) => el.setAttribute('data-shown-date', '1'));
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const find = (n: DomNode): DomNode | null => {
      if (n.nodeName === 'INPUT' && (n.attributes ?? []).includes('data-shown-date')) return n;
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) {
        const f = find(c);
        if (f) return f;
      }
      return null;
    };
    const input = find(root);
    if (!input) throw new Error(`no date field ${selector}`);
    const text: string[] = [];
    const walk = (n: DomNode) => {
      if (n.nodeType === 3 && n.nodeValue?.trim()) text.push(n.nodeValue.trim());
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) walk(c);
    };
    walk(input);
    return text.join('');
  } finally {
    await cdp.detach();
    await field.evaluate((el) => el.removeAttribute('data-shown-date'));
  }
}

interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue?: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: DomNode[];
}

/** A full-page screenshot in test-artifacts/screens/NAME.png, when TILLSYNC_SCREENSHOTS=1 (else null). */
export async function shot(page: Page, name: string): Promise<string | null> {
  if (process.env.TILLSYNC_SCREENSHOTS !== '1') return null;
  mkdirSync(SCREENS, { recursive: true });
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Fails the test on any script error or failed request the page meets. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    // Pages and assets must load; API refusals (a send while the server is away…) are shown to the
    // user and asserted by the tests themselves.
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/')) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return problems;
}

/** Local day YYYY-MM-DD, n days from today. */
export function dayOffset(n: number, now = new Date()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + n);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Text of the first element matching `selector` ('' when there is none yet). */
export async function textOf(page: Page, selector: string): Promise<string> {
  const l = page.locator(selector).first();
  return (await l.count()) ? ((await l.textContent()) ?? '') : '';
}

export const countOf = (page: Page, selector: string): Promise<number> => page.locator(selector).count();
