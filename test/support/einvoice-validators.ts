/**
 * The official rule sets, run the way a receiving platform runs them, for the tests:
 *  - EN 16931: the UN/CEFACT CII D16B XSD (xmllint) and the CEN EN 16931 CII schematron (SaxonJS),
 *    European Commission eInvoicing-EN16931 artefacts 1.3.16, EUPL-1.2 (test/references/en16931/);
 *  - France: the BR-FR rules of the reform (Flux 2, CII) and the Flux 10 e-reporting XSD and
 *    schematron (AIFE/DGFiP artefacts as packaged by phive-rules, Apache-2.0; test/references/fr-ctc/).
 * The stylesheets are compiled to SaxonJS's SEF once (~20 s each) and cached outside the repo, in
 * os.tmpdir() under the sha256 of the stylesheet, so edits to a reference recompile it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SaxonJS = require('saxon-js') as { transform(opts: Record<string, unknown>, mode?: 'sync'): { principalResult: string } };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REFERENCES = join(ROOT, 'test', 'references');
export const CII_XSD = join(REFERENCES, 'en16931', 'uncefact', 'data', 'standard', 'CrossIndustryInvoice_100pD16B.xsd');
export const EN16931_XSLT = join(REFERENCES, 'en16931', 'EN16931-CII-validation.xslt');
export const BR_FR_XSLT = join(REFERENCES, 'fr-ctc', 'schematron', 'ctc', '1.4.0.03', 'xslt', '20260804_BR-FR-Flux2-Schematron-CII_V1.4.0.03.xslt');
export const FLUX10_XSD = join(REFERENCES, 'fr-ctc', 'schemas', 'flux10', '1.0', 'ereporting.xsd');
export const FLUX10_XSLT = join(REFERENCES, 'fr-ctc', 'schematron', 'flux10', '1.0', 'xslt', 'PPF_Flux10_v1_0.xslt');

export interface RuleReport {
  /** Failed rule ids with their flag fatal (or no flag: the BR-FR files leave it out on errors). */
  fatal: string[];
  warnings: string[];
  /** "ID: message" of each fatal failure, for a readable test failure. */
  messages: string[];
}

const sefs = new Map<string, unknown>();

/** The compiled stylesheet, from the cache or compiled now with xslt3 (the CLI beside saxon-js). */
export function compiledStylesheet(xslt: string): unknown {
  const known = sefs.get(xslt);
  if (known) return known;
  const hash = createHash('sha256').update(readFileSync(xslt)).digest('hex').slice(0, 24);
  const dir = join(tmpdir(), 'tillsync-sef');
  const file = join(dir, `${hash}.sef.json`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    compileOnce(xslt, file);
  }
  const sef = JSON.parse(readFileSync(file, 'utf8'));
  sefs.set(xslt, sef);
  return sef;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Compiles into `file` unless another test worker is compiling the same stylesheet: on a fresh
 * machine both workers reach the EN 16931 one at once, and each compile is ~20 CPU-s. The lock file
 * holds the compiler's pid; a lock whose process is gone is taken over.
 */
function compileOnce(xslt: string, file: string): void {
  const lock = `${file}.lock`;
  while (!existsSync(file)) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lock, { encoding: 'utf8', flag: 'r' }).trim() || 0);
      if (holder && !alive(holder)) rmSync(lock, { force: true });
      else Atomics.wait(pause, 0, 0, 200); // synchronous, as the callers are
      continue;
    }
    try {
      writeSync(fd, String(process.pid));
      closeSync(fd);
      if (existsSync(file)) return;
      const part = `${file}.${process.pid}.part`;
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'xslt3', 'xslt3.js'), `-xsl:${xslt}`, `-export:${part}`, '-nogo', '-relocate:on'], { stdio: 'pipe' });
      renameSync(part, file);
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

/** `xmllint --schema`: null when valid, else the first errors. */
export function xsdErrors(xml: string, xsd: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-xsd-'));
  try {
    const f = join(dir, 'doc.xml');
    writeFileSync(f, xml);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, f], { stdio: 'pipe' });
    return null;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return (err.stderr?.toString() ?? err.message).split('\n').filter((l) => l && !l.includes('validates')).slice(0, 5).join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** Runs a schematron compiled to XSLT and reads its SVRL report. */
export function schematron(xml: string, xslt: string): RuleReport {
  const svrl = SaxonJS.transform({ stylesheetInternal: compiledStylesheet(xslt), sourceText: xml, destination: 'serialized' }, 'sync').principalResult;
  const report: RuleReport = { fatal: [], warnings: [], messages: [] };
  const re = /<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g;
  for (let m = re.exec(svrl); m; m = re.exec(svrl)) {
    const id = attr(m[1], 'id') ?? '?';
    const flag = attr(m[1], 'flag');
    if (flag === 'warning' || flag === 'information') report.warnings.push(id);
    else {
      report.fatal.push(id);
      const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(m[2])?.[1] ?? m[2];
      report.messages.push(`${id}: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
    }
  }
  return report;
}

/** EN 16931 verdict on a CII invoice: XSD errors or the schematron's failed rules. */
export function checkEn16931(xml: string): { xsd: string | null } & RuleReport {
  const xsd = xsdErrors(xml, CII_XSD);
  return { xsd, ...schematron(xml, EN16931_XSLT) };
}

/** The French reform's BR-FR rules on a CII invoice. */
export function checkBrFr(xml: string): RuleReport {
  return schematron(xml, BR_FR_XSLT);
}

/** Flux 10 e-reporting: XSD then schematron. */
export function checkFlux10(xml: string): { xsd: string | null } & RuleReport {
  return { xsd: xsdErrors(xml, FLUX10_XSD), ...schematron(xml, FLUX10_XSLT) };
}

/** The Factur-X EN 16931 profile XSD (FNFE-MPE / FeRD), stricter than the full CII D16B one. */
export const FACTURX_EN16931_XSD = join(REFERENCES, 'factur-x', 'EN16931', 'FACTUR-X_EN16931.xsd');

export function checkFacturXProfile(xml: string): string | null {
  return xsdErrors(xml, FACTURX_EN16931_XSD);
}
