/**
 * The chain bench's separate figure: PDFs and Factur-X files of a realistic night's documents per
 * second. Rendering is not part of `server nightly` (documents are rendered on demand: the back
 * office, `server invoice-pdf`, `server einvoice send`), so it is timed apart from integrate + post +
 * letter, on the documents one store's night made, through the product's own path (produceOne:
 * invoice view from the books, Factur-X or plain PDF/A, written atomically, Factur-X recorded).
 */
import { mkdirSync } from 'node:fs';
import { openDatabase } from '../server/db/database.ts';
import { loadBaseData } from '../server/base-data.ts';
import { loadInvoiceViews } from '../server/exports/invoice-model.ts';
import { produceOne } from '../server/einvoice/produce.ts';

export interface RenderFigures {
  documents: number;
  facturX: number;
  plain: number;
  /** Seconds spent producing the Factur-X files / the plain PDF/A files (views already loaded). */
  facturXSeconds: number;
  plainSeconds: number;
  /** Seconds reading the documents into invoice views (one query set per document). */
  loadSeconds: number;
}

/** Renders the first `limit` invoices and credit notes of one store (in number order) into `out`. */
export async function benchChainRender(store: { data: string; url: string }, limit: number, out: string): Promise<RenderFigures> {
  const db = await openDatabase({ data: store.data, url: store.url });
  try {
    const base = await loadBaseData(db);
    const numbers = (await db.selectFrom('documents').select('number').where('kind', 'in', ['invoice', 'credit-note']).orderBy('number').limit(limit).execute()).map((r) => r.number);
    const t0 = performance.now();
    const { views } = await loadInvoiceViews(db, numbers, base);
    const loadSeconds = (performance.now() - t0) / 1000;
    mkdirSync(out, { recursive: true });
    const r: RenderFigures = { documents: views.length, facturX: 0, plain: 0, facturXSeconds: 0, plainSeconds: 0, loadSeconds };
    for (const v of views) {
      const s = performance.now();
      const f = await produceOne({ db, data: store.data }, v, base, out);
      const dt = (performance.now() - s) / 1000;
      if (f.facturX) {
        r.facturX++;
        r.facturXSeconds += dt;
      } else {
        r.plain++;
        r.plainSeconds += dt;
      }
    }
    return r;
  } finally {
    await db.destroy();
  }
}
