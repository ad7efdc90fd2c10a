/**
 * ISO 20022 camt.053 (BankToCustomerStatement) reader, versions 001.02 (the version French banks
 * deliver under the CFONB's "camt.053 guide") and 001.08. The file is validated against the
 * official schema (test/references/camt053/, see ORIGIN.md there) with xmllint before it is read;
 * the reader then takes, per statement (Stmt) and entry (Ntry), each transaction detail (TxDtls):
 * amount (TxAmt/Amt, or Amt in .08, or the entry's when it has one detail), credit/debit, booking
 * date, payer name, remittance information (Ustrd, Strd/CdtrRefInf/Ref), end-to-end id and the
 * additional entry/transaction information. Input hostile until proven otherwise: nothing is
 * guessed, a detail without its own amount in a batch of several is a problem, not a split.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { TillsyncError } from '../../sync/errors.ts';
import { D, type Dec } from '../../sync/money.ts';
import type { BankFile, BankTransaction } from './bank-statement.ts';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  line: number;
}

const NS = {
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02': 'camt.053.001.02',
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08': 'camt.053.001.08',
} as const;

export const CAMT_SCHEMAS: Record<string, string> = {
  'camt.053.001.02': join(dirname(fileURLToPath(import.meta.url)), '../../test/references/camt053/camt.053.001.02.xsd'),
  'camt.053.001.08': join(dirname(fileURLToPath(import.meta.url)), '../../test/references/camt053/camt.053.001.08.xsd'),
};

function parse(xml: string, file: string): El {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const root: El = { name: '#document', attrs: {}, children: [], text: '', line: 0 };
  const stack: El[] = [root];
  let error: Error | null = null;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('doctype', () => {
    error ??= new Error('a DOCTYPE is not allowed in a bank statement');
  });
  parser.on('opentag', (tag) => {
    // Prefixes are dropped: camt elements are all in the one namespace checked on the root.
    const local = tag.name.includes(':') ? tag.name.slice(tag.name.indexOf(':') + 1) : tag.name;
    const el: El = { name: local, attrs: Object.fromEntries(Object.entries(tag.attributes as Record<string, string>)), children: [], text: '', line: parser.line };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => {
    stack[stack.length - 1].text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  if (error) throw new TillsyncError('bad-file', `${file}: not well-formed XML: ${(error as Error).message.split('\n')[0]}`, { hint: 'the bank statement is damaged: download it again', ref: { file } });
  return root;
}

const kids = (e: El | undefined, name: string): El[] => (e ? e.children.filter((c) => c.name === name) : []);
const kid = (e: El | undefined, name: string): El | undefined => e?.children.find((c) => c.name === name);
const path = (e: El | undefined, ...names: string[]): El | undefined => names.reduce<El | undefined>((x, n) => kid(x, n), e);
const text = (e: El | undefined): string => (e ? e.text.trim() : '');

/** The schema version of a camt.053 document (from its namespace), or null when it is not one. */
export function camtVersion(xml: string): string | null {
  const tag = /<(?:\w+:)?Document\b[^>]*>/.exec(xml.slice(0, 4000));
  if (!tag) return null;
  for (const m of tag[0].matchAll(/xmlns(?::\w+)?="([^"]+)"/g)) if (m[1] in NS) return NS[m[1] as keyof typeof NS];
  return null;
}

/** xmllint against the vendored official schema; throws a one-line error naming the first problem. */
export function validateCamt(file: string, version: string): void {
  const xsd = CAMT_SCHEMAS[version];
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new TillsyncError('missing-tool', 'xmllint is not installed: camt.053 files are validated against the ISO 20022 schema', { hint: 'install libxml2-utils, or set bank.validate to false in DATA/imports.json' });
    const first = (err.stderr?.toString() ?? '').split('\n').find((l) => l.trim() && !l.includes('fails to validate')) ?? 'invalid';
    throw new TillsyncError('invalid-statement', `${file} does not follow the ${version} schema: ${first.replace(`${file}:`, 'line ').trim()}`, { hint: 'ask the bank for a camt.053 file that validates, or import its CFONB 120 statement' });
  }
}

function amountOf(e: El | undefined): { amount: Dec; currency: string } | null {
  if (!e || !/^\d+(\.\d+)?$/.test(text(e))) return null;
  return { amount: new D(text(e)), currency: e.attrs.Ccy ?? '' };
}

function dateOf(e: El | undefined): string {
  return (text(kid(e, 'Dt')) || text(kid(e, 'DtTm'))).slice(0, 10);
}

export function readCamt(xml: string, file: string): BankFile {
  const version = camtVersion(xml);
  if (!version) throw new TillsyncError('bad-file', `${file} is not a camt.053 statement (namespace camt.053.001.02 or .08 expected)`, { hint: 'export the statement as camt.053 (or CFONB 120) from the bank' });
  const root = parse(xml, file);
  const stmts = kids(path(root, 'Document', 'BkToCstmrStmt'), 'Stmt');
  const out: BankFile = { format: version as BankFile['format'], statements: [], transactions: [], problems: [] };
  for (const st of stmts) {
    const id = text(kid(st, 'Id'));
    const acctId = path(st, 'Acct', 'Id');
    const account = text(kid(acctId, 'IBAN')) || text(path(acctId, 'Othr', 'Id'));
    let n = 0;
    kids(st, 'Ntry').forEach((ntry, ei) => {
      const entryAmt = amountOf(kid(ntry, 'Amt'));
      const credit = text(kid(ntry, 'CdtDbtInd')) === 'CRDT';
      const date = dateOf(kid(ntry, 'BookgDt')) || dateOf(kid(ntry, 'ValDt'));
      const entryRef = text(kid(ntry, 'AcctSvcrRef')) || text(kid(ntry, 'NtryRef'));
      const entryInfo = text(kid(ntry, 'AddtlNtryInf'));
      if (text(kid(ntry, 'Sts')) === 'PDNG' || text(path(ntry, 'Sts', 'Cd')) === 'PDNG') return; // not booked yet: a later statement books it
      const details = kids(ntry, 'NtryDtls').flatMap((d) => kids(d, 'TxDtls'));
      const where = (i: number | null) => `statement ${id} entry ${ei + 1}${i === null ? '' : ` detail ${i + 1}`}`;
      if (!entryAmt || !date) {
        out.problems.push({ line: ntry.line, message: `${where(null)}: no amount or booking date` });
        return;
      }
      const push = (i: number | null, tx: El | undefined, amt: { amount: Dec; currency: string }) => {
        const refs = kid(tx, 'Refs');
        const rmt = kid(tx, 'RmtInf');
        const e2e = text(kid(refs, 'EndToEndId'));
        const texts = [
          ...kids(rmt, 'Ustrd').map(text),
          ...kids(rmt, 'Strd').map((s) => text(path(s, 'CdtrRefInf', 'Ref'))),
          e2e === 'NOTPROVIDED' ? '' : e2e,
          text(kid(tx, 'AddtlTxInf')),
          entryInfo,
        ].filter(Boolean);
        const dbtr = path(tx, 'RltdPties', 'Dbtr');
        const name = text(kid(dbtr, 'Nm')) || text(path(dbtr, 'Pty', 'Nm')) || null;
        const txRef = text(kid(refs, 'AcctSvcrRef')) || text(kid(refs, 'TxId')) || (e2e === 'NOTPROVIDED' ? '' : e2e);
        n++;
        const t: BankTransaction = {
          key: `${account}|${entryRef || `${id}#${ei + 1}`}|${i === null ? 0 : i + 1}${txRef ? `|${txRef}` : ''}`,
          where: `${where(i)} (XML line ${tx?.line ?? ntry.line})`,
          // Grid line = position of the transaction in the file (XML lines are not one per transaction).
          line: out.transactions.length + 1,
          statement: id,
          account,
          date,
          amount: amt.amount,
          credit,
          currency: amt.currency,
          name,
          remittance: texts.join(' / '),
          // The bank's booking reference is the piece: a batch-booked entry's transactions share it.
          reference: (entryRef || txRef || `${id}-${ei + 1}`).slice(0, 35),
        };
        out.transactions.push(t);
      };
      if (details.length <= 1) push(details.length ? 0 : null, details[0], entryAmt);
      else {
        let sum = new D(0);
        const amts = details.map((tx) => amountOf(path(tx, 'AmtDtls', 'TxAmt', 'Amt')) ?? amountOf(kid(tx, 'Amt')));
        if (amts.some((a) => !a)) {
          out.problems.push({ line: ntry.line, message: `${where(null)}: batch of ${details.length} transactions without an amount on each: booked as one line` });
          push(null, undefined, entryAmt);
          return;
        }
        for (const a of amts) sum = sum.plus(a!.amount);
        if (!sum.eq(entryAmt.amount)) {
          out.problems.push({ line: ntry.line, message: `${where(null)}: its ${details.length} transactions sum to ${sum.toFixed()}, not the entry's ${entryAmt.amount.toFixed()}: booked as one line` });
          push(null, undefined, entryAmt);
          return;
        }
        details.forEach((tx, i) => push(i, tx, amts[i]!));
      }
    });
    out.statements.push({ id, account, transactions: n });
  }
  return out;
}
