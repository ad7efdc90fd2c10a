/**
 * A structural PDF/A-3 and Factur-X check for the tests, with poppler-utils (no veraPDF here):
 * every font embedded (pdffonts), the XMP packet declaring PDF/A-3B and, for Factur-X, the fx:
 * extension schema and properties (pdfinfo -meta), an sRGB output intent (GTS_PDFA1 with a
 * destination profile), no encryption, a trailer /ID, and the attachment `factur-x.xml` listed in
 * the catalog's /AF with AFRelationship Data or Alternative and MIME text/xml (pdfdetach and the
 * uncompressed object dictionaries pdfkit writes). The XMP packet must be well-formed XML (xmllint):
 * a name with & or < copied unescaped breaks it. Returns the problems found; [] is a pass.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** xmllint's first complaint about `xml`, or null when it is well-formed. */
function xmlWellFormedError(xml: string): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
    return null;
  } catch (e) {
    return ((e as { stderr?: Buffer }).stderr?.toString() ?? String(e)).split('\n')[0];
  }
}

/** The XMP packet of a PDF as a reader gets it (pdfinfo -meta). */
export function xmpPacket(pdf: string): string {
  const meta = execFileSync('pdfinfo', ['-meta', pdf], { encoding: 'utf8' });
  return meta.slice(meta.indexOf('<?xpacket'));
}

export function pdfaProblems(pdf: string, opts: { facturX: boolean }): string[] {
  const problems: string[] = [];
  const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  if (!fonts.length) problems.push('no font at all');
  for (const f of fonts) {
    const cols = f.trim().split(/\s+/);
    // name type… encoding emb sub uni object ID: emb is the 5th field from the end.
    if (cols[cols.length - 5] !== 'yes') problems.push(`font not embedded: ${cols[0]}`);
  }
  const meta = execFileSync('pdfinfo', ['-meta', pdf], { encoding: 'utf8' });
  const xmpError = xmlWellFormedError(meta.slice(meta.indexOf('<?xpacket')));
  if (xmpError) problems.push(`XMP is not well-formed XML: ${xmpError}`);
  if (!/<pdfaid:part>3<\/pdfaid:part>/.test(meta)) problems.push('XMP: pdfaid:part is not 3');
  if (!/<pdfaid:conformance>B<\/pdfaid:conformance>/.test(meta)) problems.push('XMP: pdfaid:conformance is not B');
  const raw = readFileSync(pdf).toString('latin1');
  if (!/\/Type \/OutputIntent[\s\S]{0,200}?\/S \/GTS_PDFA1[\s\S]{0,300}?\/DestOutputProfile \d+ 0 R/.test(raw)) problems.push('no sRGB output intent (GTS_PDFA1 with DestOutputProfile)');
  if (/\/Encrypt\b/.test(raw)) problems.push('encrypted');
  if (!/trailer\s*<<[\s\S]*?\/ID \[/.test(raw)) problems.push('no trailer /ID');
  const version = /^%PDF-(\d\.\d)/.exec(raw)?.[1];
  if (!version || Number(version) < 1.4) problems.push(`PDF version ${version}`);
  const attachments = execFileSync('pdfdetach', ['-list', pdf], { encoding: 'utf8' });
  if (!opts.facturX) {
    if (/factur-x\.xml/.test(attachments)) problems.push('a plain PDF/A carries factur-x.xml');
    return problems;
  }
  if (!/\d+: factur-x\.xml/.test(attachments)) problems.push('no embedded factur-x.xml');
  if (!/\/AFRelationship \/(Data|Alternative)/.test(raw)) problems.push('attachment AFRelationship is not Data or Alternative');
  if (!/\/AF \[\d+ 0 R\]/.test(raw)) problems.push('catalog has no /AF array');
  if (!/\/Subtype \/text#2Fxml/.test(raw)) problems.push('embedded file MIME type is not text/xml');
  if (!/<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#<\/pdfaSchema:namespaceURI>/.test(meta)) problems.push('XMP: no pdfaExtension schema for fx:');
  for (const [k, v] of [['DocumentType', 'INVOICE'], ['DocumentFileName', 'factur-x.xml'], ['Version', '1.0'], ['ConformanceLevel', 'EN 16931']]) {
    if (!new RegExp(`<fx:${k}>${v}</fx:${k}>`).test(meta)) problems.push(`XMP: fx:${k} is not ${v}`);
  }
  return problems;
}

/** The embedded factur-x.xml, as a receiver extracts it. */
export function extractFacturX(pdf: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-fx-'));
  try {
    execFileSync('pdfdetach', ['-savefile', 'factur-x.xml', '-o', join(dir, 'factur-x.xml'), pdf], { stdio: 'pipe' });
    return readFileSync(join(dir, 'factur-x.xml'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
