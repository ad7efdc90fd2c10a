/**
 * Bank statements written by tests, as banks write them: camt.053.001.02 XML (valid against the
 * vendored ISO 20022 schema; batch-booked entries carry one TxDtls per transaction) and CFONB 120
 * fixed-width records (amount's last character = sign + last digit).
 */
export interface CamtTx {
  amount: string;
  name?: string;
  remittance?: string;
  endToEnd?: string;
}

export interface CamtEntry {
  amount: string;
  credit: boolean;
  date: string;
  ref: string;
  status?: 'BOOK' | 'PDNG';
  /** One: a single transfer; several: a batch-booked entry. */
  txs: CamtTx[];
  info?: string;
}

export interface CamtStatement {
  id: string;
  iban: string;
  date: string;
  entries: CamtEntry[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function camt053v02(msgId: string, statements: CamtStatement[]): string {
  const tx = (t: CamtTx, batch: boolean) =>
    [
      '<TxDtls>',
      `<Refs><EndToEndId>${esc(t.endToEnd ?? 'NOTPROVIDED')}</EndToEndId></Refs>`,
      batch ? `<AmtDtls><TxAmt><Amt Ccy="EUR">${t.amount}</Amt></TxAmt></AmtDtls>` : '',
      t.name ? `<RltdPties><Dbtr><Nm>${esc(t.name)}</Nm></Dbtr></RltdPties>` : '',
      t.remittance ? `<RmtInf><Ustrd>${esc(t.remittance)}</Ustrd></RmtInf>` : '',
      '</TxDtls>',
    ].join('');
  const entry = (e: CamtEntry) =>
    [
      '<Ntry>',
      `<Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${e.credit ? 'CRDT' : 'DBIT'}</CdtDbtInd><Sts>${e.status ?? 'BOOK'}</Sts>`,
      `<BookgDt><Dt>${e.date}</Dt></BookgDt><ValDt><Dt>${e.date}</Dt></ValDt><AcctSvcrRef>${e.ref}</AcctSvcrRef>`,
      `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>${e.credit ? 'RCDT' : 'ICDT'}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>`,
      '<NtryDtls>',
      e.txs.length > 1 ? `<Btch><NbOfTxs>${e.txs.length}</NbOfTxs></Btch>` : '',
      ...e.txs.map((t) => tx(t, e.txs.length > 1)),
      '</NtryDtls>',
      e.info ? `<AddtlNtryInf>${esc(e.info)}</AddtlNtryInf>` : '',
      '</Ntry>',
    ].join('');
  const stmt = (s: CamtStatement) =>
    [
      `<Stmt><Id>${s.id}</Id><CreDtTm>${s.date}T06:00:00</CreDtTm>`,
      `<Acct><Id><IBAN>${s.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>`,
      `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${s.date}</Dt></Dt></Bal>`,
      ...s.entries.map(entry),
      '</Stmt>',
    ].join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrStmt>
<GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>${statements[0].date}T06:00:00</CreDtTm></GrpHdr>
${statements.map(stmt).join('\n')}
</BkToCstmrStmt>
</Document>
`;
}

const POS = '{ABCDEFGHI';
const NEG = '}JKLMNOPQR';

/** 14 characters: digits, the last one replaced by its sign letter. */
export function cfonbAmountField(amount: string, decimals = 2): string {
  const neg = amount.startsWith('-');
  const [i, f = ''] = amount.replace('-', '').split('.');
  const digits = (i + f.padEnd(decimals, '0')).padStart(14, '0');
  const last = Number(digits.slice(-1));
  return digits.slice(0, -1) + (neg ? NEG : POS)[last];
}

const ddmmyy = (iso: string) => `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(2, 4)}`;

interface CfonbAccount {
  bank: string;
  branch: string;
  account: string;
}

function head(code: string, a: CfonbAccount, internal = '    ', interbank = '  '): string {
  return `${code}${a.bank}${internal}${a.branch}EUR2 ${a.account.padEnd(11)}${interbank}`;
}

export function cfonbBalance(code: '01' | '07', a: CfonbAccount, date: string, amount: string): string {
  return `${head(code, a)}${ddmmyy(date)}${' '.repeat(50)}${cfonbAmountField(amount)}${' '.repeat(16)}`;
}

export function cfonbMovement(a: CfonbAccount, m: { date: string; label: string; entry: string; amount: string; reference: string }): string {
  const r = `${head('04', a, '0005', '05')}${ddmmyy(m.date)}  ${ddmmyy(m.date)}${m.label.padEnd(31).slice(0, 31)}  ${m.entry.padStart(7, '0')}  ${cfonbAmountField(m.amount)}${m.reference.padEnd(16).slice(0, 16)}`;
  return r;
}

export function cfonbComplement(a: CfonbAccount, date: string, qualifier: string, text: string): string {
  return `${head('05', a, '0005', '05')}${ddmmyy(date)}     ${qualifier}${text.padEnd(70).slice(0, 70)}  `;
}
