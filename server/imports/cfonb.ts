/**
 * CFONB 120 reader: the French banks' fixed-width account statement ("Relevé de compte sur
 * support informatique", CFONB brochure of July 2004, 120-character records; field positions as
 * in that brochure and its public transcriptions, e.g. the `cfonb` parser of pennylane-hq).
 *
 *   01 previous balance · 04 movement · 05 complement of the movement above · 07 new balance
 *   04: 3-7 bank, 12-16 branch, 17-19 currency, 20 decimals, 22-32 account, 33-34 interbank
 *       operation code, 35-40 booking date DDMMYY, 43-48 value date, 49-79 label, 82-88 entry
 *       number, 91-104 amount (last character carries sign and last digit: { A…I positive
 *       0…9, } J…R negative 0…9), 105-120 reference
 *   05: 46-48 qualifier (LIB label, NPY payer name, RCN/REF references…), 49-118 text
 *
 * Credits are the positive amounts. Every record is exactly 120 characters (a trailing CR or
 * missing padding is tolerated); a record that cannot be read is a problem naming its line,
 * and the records around it still count.
 */
import { D, type Dec } from '../../sync/money.ts';
import type { BankFile, BankTransaction } from './bank-statement.ts';

const SIGNS: Record<string, [number, string]> = {
  '{': [1, '0'], A: [1, '1'], B: [1, '2'], C: [1, '3'], D: [1, '4'], E: [1, '5'], F: [1, '6'], G: [1, '7'], H: [1, '8'], I: [1, '9'],
  '}': [-1, '0'], J: [-1, '1'], K: [-1, '2'], L: [-1, '3'], M: [-1, '4'], N: [-1, '5'], O: [-1, '6'], P: [-1, '7'], Q: [-1, '8'], R: [-1, '9'],
};

/** "0000000024869{" with 2 decimals → -? 2486.90… : the last character is sign + last digit. */
export function cfonbAmount(field: string, decimals: number): Dec | null {
  const last = field.slice(-1);
  const s = SIGNS[last];
  const digits = field.slice(0, -1);
  if (!s || !/^\d+$/.test(digits)) return null;
  const v = new D(`${digits}${s[1]}`).div(new D(10).pow(decimals));
  return s[0] < 0 ? v.neg() : v;
}

function cfonbDate(ddmmyy: string): string | null {
  if (!/^\d{6}$/.test(ddmmyy)) return null;
  const dd = +ddmmyy.slice(0, 2);
  const mm = +ddmmyy.slice(2, 4);
  const yy = +ddmmyy.slice(4, 6);
  const y = yy > 60 ? 1900 + yy : 2000 + yy;
  const t = new Date(Date.UTC(y, mm - 1, dd));
  if (t.getUTCMonth() !== mm - 1 || t.getUTCDate() !== dd) return null;
  return t.toISOString().slice(0, 10);
}

export function looksLikeCfonb(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim());
  return Boolean(first && /^0[1457]/.test(first) && first.replace(/\r$/, '').length >= 100 && first.replace(/\r$/, '').length <= 120);
}

export function readCfonb(text: string): BankFile {
  const out: BankFile = { format: 'cfonb120', statements: [], transactions: [], problems: [] };
  const lines = text.split(/\n/);
  let current: BankTransaction | null = null;
  let stmt: { id: string; account: string; transactions: number } | null = null;
  let ordinal = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!raw.trim()) continue;
    const lineNo = i + 1;
    if (raw.length > 120) {
      out.problems.push({ line: lineNo, message: `record of ${raw.length} characters, 120 expected` });
      current = null;
      continue;
    }
    const r = raw.padEnd(120, ' ');
    const code = r.slice(0, 2);
    const account = `${r.slice(2, 7)}-${r.slice(11, 16)}-${r.slice(21, 32).trim()}`;
    const decimals = Number(r[19]);
    if (code === '01') {
      const date = cfonbDate(r.slice(34, 40));
      stmt = { id: `${account}@${date ?? r.slice(34, 40)}`, account, transactions: 0 };
      out.statements.push(stmt);
      current = null;
    } else if (code === '04') {
      const date = cfonbDate(r.slice(34, 40));
      const amount = Number.isInteger(decimals) ? cfonbAmount(r.slice(90, 104), decimals) : null;
      if (!date || !amount) {
        out.problems.push({ line: lineNo, message: `movement without a readable ${!date ? `date "${r.slice(34, 40)}"` : `amount "${r.slice(90, 104)}"`}` });
        current = null;
        continue;
      }
      if (!stmt || stmt.account !== account) {
        stmt = { id: `${account}@${date}`, account, transactions: 0 };
        out.statements.push(stmt);
      }
      stmt.transactions++;
      ordinal++;
      const entryNo = r.slice(81, 88).trim();
      const reference = r.slice(104, 120).trim();
      current = {
        key: `${account}|${date}|${entryNo || ordinal}|${reference}|${amount.toFixed()}`,
        where: `line ${lineNo}`,
        line: lineNo,
        statement: stmt.id,
        account,
        date,
        amount: amount.abs(),
        credit: amount.isPos() && !amount.isZero(),
        currency: r.slice(16, 19),
        name: null,
        remittance: [r.slice(48, 79).trim(), reference].filter(Boolean).join(' / '),
        reference: reference || entryNo || `L${lineNo}`,
      };
      out.transactions.push(current);
    } else if (code === '05') {
      if (!current) {
        out.problems.push({ line: lineNo, message: 'complement (05) without the movement (04) it completes' });
        continue;
      }
      const qualifier = r.slice(45, 48);
      const info = r.slice(48, 118).trim();
      if (qualifier === 'NPY') current.name = info;
      if (info) current.remittance += ` / ${info}`;
    } else if (code === '07') current = null;
    else {
      out.problems.push({ line: lineNo, message: `unknown record code "${code}" (01, 04, 05, 07 expected)` });
      current = null;
    }
  }
  return out;
}
