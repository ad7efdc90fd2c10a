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

/** XML text: pdfkit 0.17 writes the info strings into the XMP packet as they are. */
function xmpText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const XMP_INFO_KEYS = ['Title', 'Author', 'Subject', 'Keywords', 'Creator'] as const;

/**
 * pdfkit copies Title, Author, Subject, Keywords and Creator into the XMP metadata unescaped: a shop
 * called "Dupont & Fils" would make the packet malformed XML (no PDF/A, and the Factur-X XMP
 * unreadable). The info dictionary must keep the plain text (PDF/A wants both to say the same), so
 * the escaped copy is used only while pdfkit writes the XMP, at doc.end().
 */
export function escapeXmpInfo(doc: PDFKit.PDFDocument): void {
  const d = doc as unknown as { info: Record<string, unknown>; _addInfo(): void };
  const addInfo = d._addInfo.bind(d);
  d._addInfo = () => {
    const plain = d.info;
    d.info = { ...plain };
    for (const k of XMP_INFO_KEYS) if (typeof plain[k] === 'string') d.info[k] = xmpText(plain[k] as string);
    try {
      addInfo();
    } finally {
      d.info = plain;
    }
  };
}
