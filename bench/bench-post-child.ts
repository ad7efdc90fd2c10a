/**
 * The timed part of `benchPost`, alone in its own process so that its peak memory (maxRSS) is the
 * posting's and not the generator's or the integration's. Prints one JSON line on stdout.
 *   node --import tsx bench-post-child.ts DATA [PG_URL]
 */
import { openDatabase } from '../server/db/database.ts';
import { runLettering } from '../server/accounting/lettering-run.ts';
import { runPosting } from '../server/accounting/posting-run.ts';

const [data, url] = process.argv.slice(2);
const db = await openDatabase({ data, url: url || undefined });
let peak = process.memoryUsage.rss();
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
try {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const posted = await runPosting(db, data, { until: '2099-12-31' });
  const t1 = performance.now();
  const lettered = await runLettering(db, data);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const maxRssBytes = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const { errors, warnings, heldBack: _heldBack, ...summary } = posted;
  process.stdout.write(
    `${JSON.stringify({
      posted: { ...summary, errors: errors.slice(0, 3), warnings: warnings.slice(0, 3) },
      lettered,
      postMs: Math.round(t1 - t0),
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      maxRssBytes,
    })}\n`,
  );
} finally {
  clearInterval(sampler);
  await db.destroy();
}
