import { rmSync } from 'node:fs';
import { generateArticles } from '../fixtures/articles.ts';
import { CUSTOMERS, PAYMENT_MODES, VAT_RATES, COMPANY } from '../fixtures/store.ts';
import { D, fmt } from '../sync/money.ts';
import { HealthMonitor } from './health.ts';
import { TillStore } from './store/till-store.ts';
import { TillService } from './till-service.ts';
const dir = '/tmp/tillsync-prof2';
rmSync(dir, { recursive: true, force: true });
const articles = generateArticles(2000, 1);
const store = await TillStore.open({ dir }, { articles: 'all' });
await store.setIdentity({ store: 'S1', till: '01', secret: 's', serverUrl: null, createdAt: 'x', rounding: { decimals: 2, vatOn: 'line' } });
await store.applyBase({ articles, vatRates: VAT_RATES, customers: CUSTOMERS, paymentModes: PAYMENT_MODES, company: COMPANY });
const svc = new TillService(store, dir, new HealthMonitor(null));
const lat: number[] = [];
let cpu = process.cpuUsage();
for (let i = 0; i < 1500; i++) {
  const a = articles[i % 2000];
  const s = performance.now();
  await svc.sell({ lines: [{ article: a.barcode, qty: 2 }], payments: [{ mode: 'ESP', amount: fmt(new D(a.price).times(2)) }] });
  lat.push(performance.now() - s);
}
cpu = process.cpuUsage(cpu);
lat.sort((a, b) => a - b);
console.log('p50', lat[750].toFixed(2), 'p99', lat[1485].toFixed(2), 'cpu per sale ms', ((cpu.user + cpu.system) / 1000 / 1500).toFixed(2));
await store.close();
