/**
 * Validates an Exact Online XML file against Exact's eExact import schema (test/references/exact/,
 * see its README for the origin) with xmllint, the reference validator of libxml2. For tests only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const EEXACT_XSD = resolve(import.meta.dirname, '../references/exact/eExact-XML.xsd');

export interface XsdResult {
  ok: boolean;
  /** xmllint's messages, one per line, without the final "validates"/"fails to validate". */
  errors: string[];
}

/** Validates a file on disk. */
export function validateExactFile(file: string): XsdResult {
  const r = spawnSync('xmllint', ['--noout', '--schema', EEXACT_XSD, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint could not run (${r.error.message}): install libxml2-utils`);
  const errors = `${r.stderr}`.split('\n').filter((l) => l.trim() && !/ validates$/.test(l) && !/ fails to validate$/.test(l));
  return { ok: r.status === 0, errors };
}

/** Validates XML text (written to a scratch file first). */
export function validateExactXml(xml: string): XsdResult {
  const dir = mkdtempSync(join(tmpdir(), 'eexact-'));
  try {
    const f = join(dir, 'exact.xml');
    writeFileSync(f, xml);
    return validateExactFile(f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
