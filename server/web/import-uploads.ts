/**
 * Files uploaded to the back office's import pages, kept until generation: DATA/imports/uploads/
 * KIND/ID/ holds the file as uploaded and draft.json, the operator's work on its grid so far (lines
 * unticked, values changed). The importers read the file from there with the draft as their
 * options — the same options the CLI's --skip/--edit give — so page and CLI follow one rule.
 * Ids are random; a path is only ever built from an id that matched ID_PATTERN.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';
import type { SaleField } from '../imports/marketplace-profile.ts';

export type UploadKind = 'sales' | 'bank';

export interface ImportDraft {
  id: string;
  kind: UploadKind;
  /** The name the file had on the operator's machine. */
  name: string;
  /** The stored file's name inside the upload folder. */
  file: string;
  /** Marketplace profile (sales). */
  source: string | null;
  uploadedAt: string;
  by: string;
  /** Per grid line ("Sheet!row" for sales, the statement line for bank), the values changed. */
  edits: Record<string, Partial<Record<SaleField, string>>>;
  /** Grid lines unticked. */
  skip: string[];
}

export const ID_PATTERN = /^[a-f0-9]{16}$/;

const EXTENSIONS: Record<UploadKind, RegExp> = { sales: /^\.(xlsx|csv|txt)$/i, bank: /^\.[a-z0-9]{0,8}$/i };

function root(data: string, kind: UploadKind): string {
  return join(data, 'imports', 'uploads', kind);
}

function writeDraft(data: string, d: ImportDraft): void {
  const path = join(root(data, d.kind), d.id, 'draft.json');
  writeFileSync(`${path}.part`, JSON.stringify(d, null, 1));
  renameSync(`${path}.part`, path);
}

export function saveUpload(data: string, kind: UploadKind, upload: { filename: string; data: Buffer }, o: { source: string | null; by: string }): ImportDraft {
  const name = upload.filename.trim();
  if (!name || !upload.data.length) throw new TillsyncError('usage', 'no file chosen, or the file is empty', { hint: kind === 'sales' ? 'choose the marketplace report (.xlsx or .csv)' : 'choose the bank statement (camt.053 XML or CFONB 120)' });
  const ext = extname(name);
  if (!EXTENSIONS[kind].test(ext)) throw new TillsyncError('usage', kind === 'sales' ? `${name}: only .xlsx and .csv reports are read` : `${name}: not a statement file name`, { hint: kind === 'sales' ? 'save the report as .xlsx or .csv' : 'upload the camt.053 (.xml) or CFONB 120 file as the bank gave it' });
  const id = randomBytes(8).toString('hex');
  const dir = join(root(data, kind), id);
  mkdirSync(dir, { recursive: true });
  const file = `upload${ext.toLowerCase()}`;
  writeFileSync(join(dir, file), upload.data);
  const d: ImportDraft = { id, kind, name: name.slice(0, 200), file, source: o.source, uploadedAt: new Date().toISOString(), by: o.by, edits: {}, skip: [] };
  writeDraft(data, d);
  return d;
}

export function loadDraft(data: string, kind: UploadKind, id: string): ImportDraft {
  const path = ID_PATTERN.test(id) ? join(root(data, kind), id, 'draft.json') : '';
  if (!path || !existsSync(path)) throw new TillsyncError('not-found', `upload ${id.slice(0, 40)} is not on this server`, { hint: 'upload the file again', status: 404 });
  return JSON.parse(readFileSync(path, 'utf8')) as ImportDraft;
}

export function saveDraft(data: string, d: ImportDraft): void {
  if (!ID_PATTERN.test(d.id)) throw new Error(`bad upload id ${d.id}`);
  writeDraft(data, d);
}

/** Where the importers read the uploaded file. */
export function uploadedFile(data: string, d: ImportDraft): string {
  return join(root(data, d.kind), d.id, d.file);
}

/** The latest uploads of a kind, newest first. */
export function recentUploads(data: string, kind: UploadKind, limit = 10): ImportDraft[] {
  const dir = root(data, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((id) => ID_PATTERN.test(id) && existsSync(join(dir, id, 'draft.json')))
    .map((id) => loadDraft(data, kind, id))
    .sort((a, b) => (a.uploadedAt < b.uploadedAt ? 1 : -1))
    .slice(0, limit);
}
