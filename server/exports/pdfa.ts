/**
 * What makes pdfkit write PDF/A-3b (ISO 19005-3, level B): every font embedded, an sRGB output
 * intent and XMP metadata with the PDF/A identification. pdfkit does the output intent (its own
 * sRGB IEC61966-2.1 profile) and the XMP for `subset: 'PDF/A-3b'`; the fonts are ours: the 14
 * standard PDF fonts (Helvetica…) are never embedded, so the renderers' font names are mapped onto
 * DejaVu Sans TrueType files (the dejavu-fonts-ttf package, free licence, full Latin incl. €).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const TTF = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const PDF_FONTS = {
  regular: join(TTF, 'DejaVuSans.ttf'),
  bold: join(TTF, 'DejaVuSans-Bold.ttf'),
};

// Read once per process: a shop's night makes thousands of invoices, each would read 1.4 MB of fonts again.
let fontBytes: { regular: Buffer; bold: Buffer } | null = null;
function fonts(): { regular: Buffer; bold: Buffer } {
  fontBytes ??= { regular: readFileSync(PDF_FONTS.regular), bold: readFileSync(PDF_FONTS.bold) };
  return fontBytes;
}

/** Options of `new PDFDocument(…)` for PDF/A-3b. */
export function pdfaOptions(): { subset: 'PDF/A-3b'; pdfVersion: '1.7'; font: string } {
  // pdfkit's option is typed as a path; a Buffer is what it reads a path into anyway.
  return { subset: 'PDF/A-3b', pdfVersion: '1.7', font: fonts().regular as unknown as string };
}

/** Maps the standard font names the renderers use onto embedded TrueType fonts. */
export function embedStandardFonts(doc: PDFKit.PDFDocument): void {
  doc.registerFont('Helvetica', fonts().regular);
  doc.registerFont('Helvetica-Bold', fonts().bold);
}
