/**
 * For tests: opens a PDF with Debian's poppler-utils the way a reader would. pdftoppm renders
 * page 1 to a greyscale PGM (a trivial format: "P5 width height maxval" then one byte a pixel) so
 * a test can count the ink; pdftotext gives the words back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PageRaster {
  width: number;
  height: number;
  /** Pixels darker than light grey. */
  inkPixels: number;
  pages: number;
}

export function parsePgm(buf: Buffer): { width: number; height: number; maxval: number; pixels: Buffer } {
  // Header tokens are separated by whitespace; comments (#…) may appear before the raster.
  let pos = 0;
  const tokens: string[] = [];
  while (tokens.length < 4) {
    while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 0x23) {
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      continue;
    }
    let tok = '';
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]))) tok += String.fromCharCode(buf[pos++]);
    tokens.push(tok);
  }
  pos++; // the single whitespace after maxval
  if (tokens[0] !== 'P5') throw new Error(`not a binary PGM (${tokens[0]})`);
  const [width, height, maxval] = tokens.slice(1).map(Number);
  return { width, height, maxval, pixels: buf.subarray(pos, pos + width * height) };
}

export function rasterFirstPage(pdf: string, dpi = 50): PageRaster {
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-pdf-'));
  try {
    execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', pdf, join(dir, 'page')], { stdio: 'pipe' });
    const { width, height, pixels } = parsePgm(readFileSync(join(dir, 'page.pgm')));
    let ink = 0;
    for (const p of pixels) if (p < 200) ink++;
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? 0);
    return { width, height, inkPixels: ink, pages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}
