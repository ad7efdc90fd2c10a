/**
 * What goes into a base bundle, read from the server: the parts pvpplstfic.txt asks for (all of
 * them by default), the specific files it names, and the acknowledgements of tickets that reached
 * the server other than by replication (their till gets no ack pull, so without these it would
 * extract them again).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadBaseData } from '../base-data.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { DEFAULT_ROUNDING } from '../../sync/money.ts';
import { BASE_PARTS, MAX_SPECIFIC_FILES, PART_NAMES, type BasePart, type BaseBundleContent, type BundleAck } from '../../sync/base-bundle.ts';
import { parseListFile } from './list-file.ts';
import type { ServerConfig } from '../context.ts';

export interface FilesChoice {
  parts: BasePart[];
  files: { name: string; path: string; line: number }[];
}

/** Reads pvpplstfic.txt: each line a part name (French or English) or a specific file's path. */
export function readFilesList(listFile: string): FilesChoice {
  if (!existsSync(listFile)) throw new TillsyncError('no-file', `files list ${listFile} not found`, { hint: 'give --files the path of pvpplstfic.txt', ref: { file: listFile } });
  const items = parseListFile(readFileSync(listFile, 'utf8'), listFile, 'files');
  const parts = new Set<BasePart>();
  const files: FilesChoice['files'] = [];
  for (const item of items) {
    const part = PART_NAMES[item.value.toLowerCase().replace(/\s+/g, ' ')];
    if (part) {
      parts.add(part);
      continue;
    }
    const path = isAbsolute(item.value) ? item.value : resolve(dirname(listFile), item.value);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new TillsyncError('list-file', `${listFile} line ${item.line}: "${item.value}" is neither a base part nor an existing file`, {
        hint: `parts: ${Object.keys(PART_NAMES).join(', ')}; or a file path (relative to the list file)`,
        ref: { file: listFile, line: item.line },
      });
    }
    const name = basename(path);
    if (files.some((f) => f.name === name)) throw new TillsyncError('list-file', `${listFile} line ${item.line}: a file named ${name} is already in the list`, { ref: { file: listFile, line: item.line } });
    files.push({ name, path, line: item.line });
  }
  if (files.length > MAX_SPECIFIC_FILES) throw new TillsyncError('list-file', `${listFile}: ${files.length} specific files, more than ${MAX_SPECIFIC_FILES}`, { ref: { file: listFile } });
  // A list naming only specific files still carries no reference data: the till keeps its own.
  return { parts: BASE_PARTS.filter((p) => parts.has(p)), files };
}

export const ALL_PARTS: FilesChoice = { parts: [...BASE_PARTS], files: [] };

/** Acks of tickets received by LAN, HTTP upload, mail or by hand, updated within the last `days`. */
export async function pendingAcks(db: Kysely<Database>, days: number, now = new Date()): Promise<BundleAck[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  const rows = await db
    .selectFrom('tickets')
    .select(['id', 'store', 'till', 'received_at', 'document_number', 'updated_at'])
    .where('channel', '!=', 'replication')
    .where('updated_at', '>=', cutoff)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, till: `${r.store}-${r.till}`, acknowledgedAt: r.received_at, documentNumber: r.document_number, updatedAt: r.updated_at }));
}

export interface CollectOptions {
  choice: FilesChoice;
  acksDays: number;
  now?: Date;
}

export async function collectBaseContent(db: Kysely<Database>, config: ServerConfig, opts: CollectOptions): Promise<Omit<BaseBundleContent, 'version' | 'created'>> {
  const data = await loadBaseData(db);
  const wanted = new Set(opts.choice.parts);
  if ((wanted.has('articles') || wanted.has('vatRates')) && data.vatRates.length === 0) {
    throw new TillsyncError('no-base-data', 'the server holds no VAT rates: there is no base data to publish', { hint: 'load the store\'s reference data on the server first (server init loads the demo data)' });
  }
  const base: BaseBundleContent['base'] = {};
  if (wanted.has('articles')) base.articles = data.articles;
  if (wanted.has('customers')) base.customers = data.customers;
  // Articles name VAT codes: their rates always travel with them, so a till can price a new article.
  if (wanted.has('vatRates') || wanted.has('articles')) base.vatRates = data.vatRates;
  if (wanted.has('paymentModes')) base.paymentModes = data.paymentModes;
  if (wanted.has('company')) base.company = data.company;
  if (wanted.has('ticketTables')) base.ticketTables = ticketTablesOf(config);
  const parts = BASE_PARTS.filter((p) => base[p] !== undefined);
  return {
    store: config.store,
    parts,
    base,
    acks: await pendingAcks(db, opts.acksDays, opts.now),
    files: opts.choice.files.map((f) => ({ name: f.name, data: readFileSync(f.path) })),
  };
}

/** The store's ticket settings (server.json `ticketTables`, else the default rounding rules). */
export function ticketTablesOf(config: ServerConfig): Record<string, unknown> {
  const own = config.ticketTables;
  if (own && typeof own === 'object' && !Array.isArray(own)) return own as Record<string, unknown>;
  return { rounding: { decimals: DEFAULT_ROUNDING.decimals, vatOn: DEFAULT_ROUNDING.vatOn } };
}
