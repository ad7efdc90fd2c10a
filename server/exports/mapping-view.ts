/**
 * What the exports need from the accounting mapping (DATA/accounting.json, owned by accounting):
 * journal labels, account labels, the chart of accounts and the VAT codes. Read defensively, as a
 * view: the exports never write the mapping. Labels fall back to the French chart of accounts
 * (PCG) classes, so an FEC never has an empty CompteLib.
 */
import { existsSync } from 'node:fs';
import * as z from '../../sync/zod-mini.ts';
import { readConfigFile } from '../../sync/config-file.ts';
import { join } from 'node:path';

export interface MappingView {
  /** DATA/accounting.json was found. */
  found: boolean;
  journals: Map<string, string>;
  /** Account number → label; null when the mapping lists no chart of accounts. */
  accounts: Map<string, string> | null;
  /** VAT codes mapped to accounts; null when the mapping lists none. */
  vatCodes: Set<string> | null;
  /** tillsync journal → Exact journal (accounting.json exact.journals). */
  exactJournals: Map<string, string>;
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

const ROLE_LABELS: Record<string, string> = { sales: 'Ventes', bank: 'Banque', cash: 'Caisse', purchases: 'Achats', purchase: 'Achats', misc: 'Opérations diverses' };

function readJournals(v: Json, into: Map<string, string>): void {
  if (Array.isArray(v)) {
    for (const j of v) if (isObj(j)) {
      const code = str(j.code);
      if (code) into.set(code, str(j.label) ?? str(j.name) ?? code);
    }
  } else if (isObj(v)) {
    for (const [role, j] of Object.entries(v)) {
      if (isObj(j)) {
        const code = str(j.code);
        if (code) into.set(code, str(j.label) ?? str(j.name) ?? ROLE_LABELS[role] ?? code);
      } else {
        const code = str(j);
        if (code) into.set(code, ROLE_LABELS[role] ?? role);
      }
    }
  }
}

function readAccounts(v: Json, into: Map<string, string>): void {
  if (Array.isArray(v)) {
    for (const a of v) if (isObj(a)) {
      const n = str(a.number) ?? str(a.account) ?? str(a.code);
      if (n) into.set(n, str(a.label) ?? str(a.name) ?? pcgLabel(n));
    }
  } else if (isObj(v)) {
    for (const [n, a] of Object.entries(v)) {
      if (!/^\d/.test(n)) continue;
      into.set(n, str(a) ?? (isObj(a) ? str(a.label) ?? str(a.name) : null) ?? pcgLabel(n));
    }
  }
}

function readVatCodes(v: Json, into: Set<string>): void {
  if (Array.isArray(v)) {
    for (const r of v) if (isObj(r)) {
      const c = str(r.vatCode) ?? str(r.code);
      if (c) into.add(c);
    }
  } else if (isObj(v)) {
    for (const [k, r] of Object.entries(v)) into.add(isObj(r) ? str(r.vatCode) ?? k : k);
  }
}

/** Reads a parsed accounting.json into the view the exports use. */
export function mappingViewOf(json: Json): MappingView {
  const journals = new Map<string, string>();
  let accounts: Map<string, string> | null = null;
  let vatCodes: Set<string> | null = null;
  if (isObj(json)) {
    readJournals(json.journals, journals);
    // accounting.json keeps journal roles in `journals` and their labels in `journalList`.
    readJournals(json.journalList, journals);
    for (const key of ['accounts', 'chart', 'chartOfAccounts']) {
      if (json[key] !== undefined) readAccounts(json[key], (accounts ??= new Map()));
    }
    for (const key of ['vat', 'vatRates', 'vatCodes', 'vatAccounts']) {
      if (json[key] !== undefined) readVatCodes(json[key], (vatCodes ??= new Set()));
    }
  }
  const exactJournals = new Map<string, string>();
  if (isObj(json) && isObj(json.exact) && isObj(json.exact.journals)) {
    for (const [k, v] of Object.entries(json.exact.journals)) {
      const target = str(v);
      if (target) exactJournals.set(k, target);
    }
  }
  return { found: true, journals, accounts, vatCodes, exactJournals };
}

export function readMappingView(data: string): MappingView {
  const p = join(data, 'accounting.json');
  if (!existsSync(p)) return { found: false, journals: new Map(), accounts: null, vatCodes: null, exactJournals: new Map() };
  return mappingViewOf(readConfigFile(p, z.unknown(), 'fix the JSON or rewrite it with tillsync server config init'));
}

/** Labels of the French chart of accounts, longest prefix first: the fallback for CompteLib. */
const PCG: [string, string][] = [
  ['4457', 'TVA collectée'], ['4456', 'TVA déductible'], ['445', 'État - taxes sur le chiffre d\'affaires'],
  ['4191', 'Clients - avances et acomptes reçus'], ['419', 'Clients créditeurs'], ['411', 'Clients'], ['410', 'Clients et comptes rattachés'], ['41', 'Clients et comptes rattachés'],
  ['401', 'Fournisseurs'], ['40', 'Fournisseurs et comptes rattachés'], ['4', 'Comptes de tiers'],
  ['5112', 'Chèques à encaisser'], ['511', 'Valeurs à l\'encaissement'], ['512', 'Banque'], ['53', 'Caisse'], ['58', 'Virements internes'], ['5', 'Comptes financiers'],
  ['658', 'Charges diverses de gestion courante'], ['6', 'Charges'],
  ['707', 'Ventes de marchandises'], ['706', 'Prestations de services'], ['709', 'Rabais, remises et ristournes accordés'], ['758', 'Produits divers de gestion courante'], ['7', 'Produits'],
  ['1', 'Comptes de capitaux'], ['2', 'Comptes d\'immobilisations'], ['3', 'Comptes de stocks et en-cours'],
];

export function pcgLabel(account: string): string {
  for (const [prefix, label] of PCG) if (account.startsWith(prefix)) return label;
  return `Compte ${account}`;
}

export function journalLabel(view: MappingView, code: string): string {
  return view.journals.get(code) ?? code;
}

export function accountLabel(view: MappingView, account: string): string {
  return view.accounts?.get(account) ?? pcgLabel(account);
}
