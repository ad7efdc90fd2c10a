/**
 * Bench (not a test: run it by hand, figures are printed): the register page on a till holding
 * 50,000 articles, in Debian's chromium. Measures what a cashier feels: from the scanner's Enter to
 * the line on screen, and from typing part of a name to the suggestions list.
 *
 *   npx tsx test/e2e/screens-bench.ts [--articles 50000] [--scans 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateArticles } from '../../fixtures/articles.ts';
import { launchBrowser, ok, start } from './screens-harness.ts';
import { readApiToken, TOKEN_HEADER } from '../../client/api-token.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const articles = arg('articles', 50_000);
const scans = arg('scans', 100);
const dir = mkdtempSync(join(tmpdir(), 'screens-bench-'));
const t0 = performance.now();
await ok(['till', 'init', '--data', dir, '--store', 'S1', '--till', '01', '--articles', String(articles)]);
const initMs = performance.now() - t0;
const till = await start(['till', 'start', '--data', dir, '--port', '0'], 300_000);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t1 = performance.now();
  await page.goto(`${till.ready.url}/`);
  await page.waitForFunction(() => document.querySelectorAll('#payment-modes button').length > 0);
  const pageMs = performance.now() - t1;

  const catalog = generateArticles(articles, 1);
  const pick = (i: number) => catalog[(i * 7919) % catalog.length];
  const scanMs: number[] = [];
  for (let i = 0; i < scans; i++) {
    const a = pick(i);
    const before = await page.locator('#lines tbody tr').count();
    const s = performance.now();
    await page.fill('#scan', a.barcode);
    await page.press('#scan', 'Enter');
    // Distinct articles (7919 is prime to the article count): every scan adds a line.
    await page.waitForFunction((n) => document.querySelectorAll('#lines tbody tr').length > n, before);
    scanMs.push(performance.now() - s);
    if (i % 20 === 19) await page.click('#cancel-sale');
  }

  const suggestMs: number[] = [];
  for (const q of ['Vis bl', 'Tournevis p', 'Câble in', 'Savon e', 'Livre m', 'Café b', 'Pile ro', 'Gant ma']) {
    await page.fill('#scan', '');
    await page.waitForFunction(() => (document.getElementById('suggestions') as HTMLElement).hidden);
    const s = performance.now();
    await page.type('#scan', q, { delay: 30 });
    await page.waitForFunction(() => !(document.getElementById('suggestions') as HTMLElement).hidden);
    suggestMs.push(performance.now() - s - q.length * 30);
  }

  const status = await (await fetch(`${till.ready.url}/api/till/status`, { headers: { [TOKEN_HEADER]: readApiToken(dir) ?? '' } })).json();
  console.log(`register bench: ${status.articles} articles in the till (init ${(initMs / 1000).toFixed(1)} s), page ready in ${pageMs.toFixed(0)} ms`);
  console.log(`  scan → line on screen (${scans} scans): p50 ${pct(scanMs, 50).toFixed(1)} ms, p95 ${pct(scanMs, 95).toFixed(1)} ms, max ${Math.max(...scanMs).toFixed(1)} ms`);
  console.log(`  last key typed → suggestions shown (${suggestMs.length} searches, 150 ms debounce included): p50 ${pct(suggestMs, 50).toFixed(0)} ms, max ${Math.max(...suggestMs).toFixed(0)} ms`);
} finally {
  await browser.close();
  await till.stop();
  rmSync(dir, { recursive: true, force: true });
}
