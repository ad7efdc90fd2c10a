/**
 * `tillsync bench einvoice`: Factur-X generation (EN 16931 data, CII XML, PDF/A-3 with the XML
 * attached) of N invoices beside the floor, the same invoices as plain PDF/A (same renderer, same
 * embedded fonts, no XML). Invoices are built in memory, in the shape integration leaves them
 * (two to four lines at mixed VAT rates, card or credit), so the figure is the rendering alone.
 */
import { demoBaseData } from '../fixtures/store.ts';
import type { InvoiceLineView, InvoiceView } from '../server/exports/invoice-model.ts';
import { customerView } from '../server/exports/invoice-model.ts';
import { linePricing } from '../server/invoicing/line-pricing.ts';
import type { TicketLine } from '../sync/types.ts';
import { renderInvoicePdf } from '../server/exports/invoice-pdf.ts';
import { renderFacturX } from '../server/einvoice/facturx-pdf.ts';

const RATES: [string, string, string][] = [['VN', '20', '1.2'], ['VR', '10', '1.1'], ['VS', '5.5', '1.055'], ['VP', '2.1', '1.021']];

function cents(n: number): string {
  return (n / 100).toFixed(2);
}

/** A line as the invoice model makes it from a ticket line (line-pricing.ts: list price, discount, net). */
export function lineViewOf(l: TicketLine, ticket: string): InvoiceLineView {
  return { ...linePricing(l), article: l.article, label: l.label, qty: l.qty, unitPrice: l.unitPrice, vatCode: l.vatCode, vatRate: l.vatRate, amountIncl: l.inclVat, amountExcl: l.exclVat, category: 'goods', ticket, returnOf: l.returnOf ?? null };
}

/** A deterministic invoice i for a business customer. */
export function benchInvoice(i: number): InvoiceView {
  const b = demoBaseData(1);
  const customer = b.customers[1 + (i % 5)];
  const lines: InvoiceLineView[] = [];
  const ticket = `S1-01-${String(i).padStart(8, '0')}`;
  const vat = new Map<string, { code: string; rate: string; base: number; vat: number; incl: number }>();
  for (let k = 0; k < 2 + (i % 3); k++) {
    const [code, rate, factor] = RATES[(i + k) % RATES.length];
    const qty = 1 + ((i + k) % 4);
    const unit = 199 + ((i * 37 + k * 101) % 9000);
    const incl = unit * qty;
    const excl = Math.round(incl / Number(factor));
    lines.push(lineViewOf({ label: `Article ${k + 1} de la facture ${i}`, qty: String(qty), unitPrice: cents(unit), vatRate: rate, inclVat: cents(incl), exclVat: cents(excl), vat: cents(incl - excl), vatCode: code, article: `A${String(k).padStart(6, '0')}` }, ticket));
    const v = vat.get(code) ?? { code, rate, base: 0, vat: 0, incl: 0 };
    v.base += excl;
    v.vat += incl - excl;
    v.incl += incl;
    vat.set(code, v);
  }
  const totalIncl = [...vat.values()].reduce((a, v) => a + v.incl, 0);
  const totalExcl = [...vat.values()].reduce((a, v) => a + v.base, 0);
  const credit = i % 4 === 0;
  return {
    number: `F${String(i + 1).padStart(8, '0')}`,
    kind: 'invoice',
    complementOf: null,
    invoiceDate: '2026-11-02',
    saleDate: '2026-11-02',
    date: '2026-11-02',
    store: 'S1',
    till: '01',
    seller: b.company,
    customer: customerView(b, customer.code),
    category: 'goods',
    lines,
    tickets: [{ id: ticket, number: i, soldAt: '2026-11-02T10:00:00+01:00', totalIncl: cents(totalIncl), payments: [{ mode: credit ? 'CRED' : 'CB', label: credit ? 'Vente à crédit' : 'Carte bancaire', amount: cents(totalIncl) }] }],
    vat: [...vat.values()].map((v) => ({ code: v.code, rate: v.rate, base: cents(v.base), vat: cents(v.vat), incl: cents(v.incl) })),
    totals: { excl: cents(totalExcl), vat: cents(totalIncl - totalExcl), incl: cents(totalIncl) },
    corrects: [],
    uncitedReturns: 0,
    deposits: [],
    deposit: null,
    paid: credit ? '0.00' : cents(totalIncl),
    due: credit ? cents(totalIncl) : '0.00',
    dueSource: 'tickets',
  };
}

export interface FacturXBench {
  invoices: number;
  plainSeconds: number;
  facturXSeconds: number;
  /** CPU time of the process (process.cpuUsage, all its threads): what the work costs, whatever else runs on the machine. */
  plainCpuSeconds: number;
  facturXCpuSeconds: number;
  plainPerSecond: number;
  facturXPerSecond: number;
  /** Factur-X time / plain PDF/A time, wall clock. */
  ratio: number;
  /** The same on CPU time: the figure the target is judged on when the machine is shared. */
  cpuRatio: number;
  facturXBytes: number;
}

const ROUND = 50;

/**
 * Both kinds are made in alternating rounds of 50 invoices (plain, then the same 50 as Factur-X), so
 * that a load change on a shared machine weighs on both alike; between rounds the event loop runs
 * (Ctrl-C is heard), and a progress line every 1,000 invoices gives the figures so far.
 */
export async function benchFacturX(o: { invoices: number; log: (s: string) => void }): Promise<FacturXBench> {
  const base = demoBaseData(1);
  const views = Array.from({ length: o.invoices }, (_, i) => benchInvoice(i));
  // Warm-up: font parsing and module loading are paid once per process, not per invoice.
  await renderInvoicePdf(views[0]);
  await renderFacturX(views[0], base);
  const wall = { plain: 0, fx: 0 };
  const cpu = { plain: 0, fx: 0 };
  let bytes = 0;
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let reported = 0;
  for (let from = 0; from < views.length; from += ROUND) {
    const round = views.slice(from, from + ROUND);
    let t = performance.now();
    let c = cpuNow();
    for (const v of round) await renderInvoicePdf(v);
    wall.plain += (performance.now() - t) / 1000;
    cpu.plain += cpuNow() - c;
    t = performance.now();
    c = cpuNow();
    for (const v of round) bytes += (await renderFacturX(v, base)).pdf.length;
    wall.fx += (performance.now() - t) / 1000;
    cpu.fx += cpuNow() - c;
    const done = from + round.length;
    if (done - reported >= 1000 || done === views.length) {
      reported = done;
      o.log(`  ${done}/${views.length}: plain PDF/A ${wall.plain.toFixed(1)} s (CPU ${cpu.plain.toFixed(1)} s), Factur-X ${wall.fx.toFixed(1)} s (CPU ${cpu.fx.toFixed(1)} s): ${(wall.fx / wall.plain).toFixed(2)}× wall, ${(cpu.fx / cpu.plain).toFixed(2)}× CPU`);
    }
    await new Promise((r) => setImmediate(r));
  }
  return {
    invoices: o.invoices,
    plainSeconds: wall.plain,
    facturXSeconds: wall.fx,
    plainCpuSeconds: cpu.plain,
    facturXCpuSeconds: cpu.fx,
    plainPerSecond: o.invoices / wall.plain,
    facturXPerSecond: o.invoices / wall.fx,
    ratio: wall.fx / wall.plain,
    cpuRatio: cpu.fx / cpu.plain,
    facturXBytes: Math.round(bytes / o.invoices),
  };
}
