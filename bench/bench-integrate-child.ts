/**
 * The timed part of `benchIntegrate`, alone in its own process so that its peak memory (maxRSS) is
 * the integration's and not the generator's. Prints one JSON line on stdout.
 *   node --import tsx bench-integrate-child.ts DATA [PG_URL] [auto|inline|worker] [WORKERS]
 */
import { readFileSync } from 'node:fs';
import { openDatabase } from '../server/db/database.ts';
import { runIntegration } from '../server/integration/integrate.ts';
import type { CheckMode } from '../server/integration/verdict-source.ts';

const [data, url, checks, workers] = process.argv.slice(2);

/** CPU ms of the main thread alone (Linux; -1 elsewhere): with the check worker, the two threads' shares tell where the time goes. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return -1;
  }
}
const db = await openDatabase({ data, url: url || undefined });
let peak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 50);
const cpu0 = process.cpuUsage();
const main0 = mainThreadCpuMs();
try {
  // Wall time around the whole run, commit included (the summary's elapsedMs stops before it).
  const t0 = performance.now();
  const summary = await runIntegration(db, data, { until: '9999-12-31' }, { checks: (checks || 'auto') as CheckMode, workers: workers ? Number(workers) : undefined });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainCpuMs = main0 < 0 ? -1 : mainThreadCpuMs() - main0;
  clearInterval(sampler);
  const maxRss = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  process.stdout.write(`${JSON.stringify({ summary, wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), mainCpuMs, maxRssBytes: maxRss })}\n`);
} finally {
  clearInterval(sampler);
  await db.destroy();
}
