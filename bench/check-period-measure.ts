/**
 * The cost of the books check over a store's history against the nightly's period check: N nights
 * of M tickets each are integrated and posted on SQLite (test support's tickets, the demo base),
 * then `runBooksChecks` is timed over the whole books and over the last night. A one-off figure for
 * BENCHMARKS.md ("Measured outside"): `npx tsx bench/check-period-measure.ts [nights] [tickets]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../server/db/database.ts';
import { defaultConfig, writeServerConfig } from '../server/context.ts';
import { intakeTickets } from '../server/intake/intake.ts';
import { enrollTill } from '../server/intake/till-registry.ts';
import { demoBaseData } from '../fixtures/store.ts';
import { TicketBook } from '../test/support/test-tickets.ts';
import { saveBaseData } from '../server/base-data.ts';
import { runIntegration } from '../server/integration/integrate.ts';
import { runPosting } from '../server/accounting/posting-run.ts';
import { runBooksChecks } from '../server/books/check-registry.ts';

const nights = Number(process.argv[2] ?? 14);
const perNight = Number(process.argv[3] ?? 2000);
const data = mkdtempSync(join(tmpdir(), 'tillsync-check-measure-'));
writeServerConfig(data, defaultConfig(data));
const s = { data, db: await openDatabase({ data }) };
for (const till of ['01', '02', '03', '04']) await enrollTill(s.db, { data, store: 'S1', till });
try {
  // test/support/books.ts needs vitest: the demo base's articles, at their own prices.
  const base = demoBaseData(50);
  await saveBaseData(s.db, base);
  const book = new TicketBook(base.articles);
  const days: string[] = [];
  for (let n = 0; n < nights; n++) {
    const day = new Date(Date.UTC(2026, 9, 1 + n)).toISOString().slice(0, 10);
    days.push(day);
    const tickets = Array.from({ length: perNight }, (_, i) => book.sell({ day, till: `0${1 + (i % 4)}`, customer: i % 10 ? 'COMPTOIR' : 'C0000004', lines: [{ article: base.articles[i % base.articles.length].code }], payments: [{ mode: i % 2 ? 'CB' : 'ESP' }] }));
    for (let k = 0; k < tickets.length; k += 5000) {
      const r = await intakeTickets({ db: s.db, data }, { channel: 'manual', tickets: tickets.slice(k, k + 5000) });
      if (r.accepted.length !== Math.min(5000, tickets.length - k)) throw new Error('intake did not take the tickets');
    }
    await runIntegration(s.db, s.data, { until: day });
    await runPosting(s.db, s.data, { until: day });
  }
  const time = async (period: { from: string; to: string } | null) => {
    const t0 = performance.now();
    const r = await runBooksChecks(s.db, { data: s.data, period });
    if (r.some((x) => !x.ok)) throw new Error(`books check failed: ${JSON.stringify(r.filter((x) => !x.ok))}`);
    return (performance.now() - t0) / 1000;
  };
  const last = days[days.length - 1];
  const whole = [await time(null), await time(null)];
  const period = [await time({ from: last, to: last }), await time({ from: last, to: last })];
  console.log(JSON.stringify({ nights, perNight, tickets: nights * perNight, wholeSeconds: Math.min(...whole), periodSeconds: Math.min(...period) }));
} finally {
  await s.db.destroy();
  rmSync(data, { recursive: true, force: true });
}
