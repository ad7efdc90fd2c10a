/**
 * The check before posting can start (seed 000: "Si un paramétrage est incorrect, l'intégration ne
 * peut être activée"). Pure: the mapping JSON and the base data in, EVERY problem out, each with
 * the JSON path to fix. Errors block posting; warnings are printed and let it run.
 */
import type { BaseData } from '../../sync/types.ts';
import { parseMapping, type AccountingMapping } from './mapping.ts';

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  severity: Severity;
  /** Where to fix it: a JSON path in accounting.json, or "base data …" for the store's reference data. */
  path: string;
  message: string;
  fix: string;
}

export interface CheckResult {
  ok: boolean;
  errors: number;
  warnings: number;
  issues: ConfigIssue[];
  mapping: AccountingMapping | null;
}

const IMPORT_HINT = 'add it to "chart" (or import the chart: tillsync server config import-accounts --data DIR FILE.csv)';

export function checkMapping(json: unknown, base: Pick<BaseData, 'vatRates' | 'paymentModes' | 'customers'>): CheckResult {
  const issues: ConfigIssue[] = [];
  const err = (path: string, message: string, fix: string) => issues.push({ severity: 'error', path, message, fix });
  const warn = (path: string, message: string, fix: string) => issues.push({ severity: 'warning', path, message, fix });

  const parsed = parseMapping(json);
  if (!parsed.mapping) {
    for (const i of parsed.issues) err(i.path, i.message, 'correct the value in accounting.json');
    return finish(issues, null);
  }
  const m = parsed.mapping;

  const chart = new Set<string>();
  m.chart.forEach((a, i) => {
    if (chart.has(a.number)) warn(`chart[${i}]`, `account ${a.number} is listed twice`, 'remove the duplicate');
    chart.add(a.number);
  });
  const journals = new Set<string>();
  m.journalList.forEach((j, i) => {
    if (journals.has(j.code)) warn(`journalList[${i}]`, `journal ${j.code} is listed twice`, 'remove the duplicate');
    journals.add(j.code);
  });
  const needAccount = (path: string, acc: string, what: string) => {
    if (!chart.has(acc)) err(path, `${what} ${acc} is not in the chart of accounts`, IMPORT_HINT);
  };
  const exactOn = m.exact?.enabled !== false;
  const exactJournals = m.exact?.journals ?? {};
  /** Exact journal → the tillsync journals going to it: two of them would be merged in Exact. */
  const exactTargets = new Map<string, Set<string>>();
  const needJournal = (path: string, code: string, what: string, exported = true) => {
    if (!journals.has(code)) err(path, `${what} journal ${code} is not in the journal list`, 'add it to "journalList" (or import the journals with config import-accounts)');
    if (!exported || !exactOn) return;
    // Exact takes numeric journal codes only: a non-numeric one needs its own Exact journal, never a silent fallback.
    const target = exactJournals[code] ?? (/^\d+$/.test(code) ? code : null);
    if (target === null) err(path, `journal ${code} is not numeric and has no Exact journal: an Exact export cannot place it`, `add "exact": { "journals": { "${code}": "<numeric Exact journal, e.g. 10>" } } (or "exact": { "enabled": false, "journals": {} } if you do not export to Exact)`);
    else exactTargets.set(target, (exactTargets.get(target) ?? new Set()).add(code));
  };

  // VAT: every code of the base data needs its accounts.
  for (const [code, v] of Object.entries(m.vat)) {
    needAccount(`vat.${code}.salesAccount`, v.salesAccount, `sales account of VAT ${code}`);
    needAccount(`vat.${code}.vatAccount`, v.vatAccount, `VAT account of VAT ${code}`);
  }
  if (!base.vatRates.length) warn('(base data)', 'no VAT rates in the base data: VAT codes cannot be cross-checked', 'publish the base data (tillsync server publish-base) before posting');
  const baseVat = new Set(base.vatRates.map((v) => v.code));
  for (const v of base.vatRates) {
    if (!m.vat[v.code]) err(`vat.${v.code}`, `VAT code ${v.code} (${v.rate} %, base data) has no mapping`, `add "vat": { "${v.code}": { "salesAccount": …, "vatAccount": …, "vatCode": … } }`);
  }
  for (const code of Object.keys(m.vat)) {
    if (base.vatRates.length && !baseVat.has(code)) warn(`vat.${code}`, `VAT code ${code} is mapped but not in the base data`, 'remove it, or check the VAT code spelling');
  }

  // Customers.
  needAccount('customers.defaultAccount', m.customers.defaultAccount, 'default customer account');
  const baseCustomers = new Map(base.customers.map((c) => [c.code, c]));
  for (const [code, o] of Object.entries(m.customers.overrides)) {
    needAccount(`customers.overrides.${code}.account`, o.account, `account of customer ${code}`);
    if (base.customers.length && !baseCustomers.has(code)) warn(`customers.overrides.${code}`, `customer ${code} is not in the base data`, 'remove the override or check the customer code');
  }
  if (m.customers.fromBaseData) {
    const reported = new Set<string>();
    for (const c of base.customers) {
      if (m.customers.overrides[c.code] || !c.account || !c.thirdParty) continue;
      if (!chart.has(c.account) && !reported.has(c.account)) {
        reported.add(c.account);
        err(`(base data) customer ${c.code}.account`, `customer account ${c.account} of ${c.code} is not in the chart of accounts`, `${IMPORT_HINT}, or set customers.overrides.${c.code}`);
      }
    }
  }
  const custAccounts = new Set([m.customers.defaultAccount, ...Object.values(m.customers.overrides).map((o) => o.account)]);
  if (m.customers.fromBaseData) for (const c of base.customers) if (c.account) custAccounts.add(c.account);

  // Journals.
  // Purchases are never posted from the tills: the journal must exist, its code does not reach Exact.
  for (const role of ['sales', 'bank', 'cash', 'purchases'] as const) needJournal(`journals.${role}`, m.journals[role], role, role !== 'purchases');

  // Payment modes.
  const baseModes = new Map(base.paymentModes.map((p) => [p.code, p]));
  for (const [code, p] of Object.entries(m.paymentModes)) {
    const path = `paymentModes.${code}`;
    needJournal(`${path}.journal`, p.journal, `payment mode ${code}`);
    if (p.credit && p.depositVoucher) err(path, `payment mode ${code} cannot be both a credit sale and a deposit voucher`, 'set one of credit / depositVoucher to false');
    if (!p.credit) {
      if (!p.account) err(`${path}.account`, `payment mode ${code} receives money but has no treasury account`, 'set "account" (e.g. 531000 for cash, 511000 for cards)');
      else {
        needAccount(`${path}.account`, p.account, `treasury account of ${code}`);
        if (custAccounts.has(p.account)) err(`${path}.account`, `payment mode ${code} posts to customer account ${p.account}: payments would never leave the customer's account`, 'use a treasury account (5xx) or, for deposit vouchers, the deposit account');
      }
    } else if (p.account) warn(`${path}.account`, `credit mode ${code} receives nothing: its account ${p.account} is ignored`, 'set "account": null');
    if (p.depositVoucher && p.account && p.account !== m.deposits.account) err(`${path}.account`, `deposit voucher ${code} must post on the deposit account ${m.deposits.account}, not ${p.account}`, `set "account": "${m.deposits.account}"`);
    const b = baseModes.get(code);
    if (b) {
      for (const flag of ['deliveryNote', 'credit', 'depositVoucher'] as const) {
        if (b[flag] !== p[flag]) err(`${path}.${flag}`, `payment mode ${code}: ${flag} is ${p[flag]} here but ${b[flag]} in the base data (integration follows the base data)`, `set "${flag}": ${b[flag]} or change the payment mode in the base data`);
      }
      if (b.state !== p.state) warn(`${path}.state`, `payment mode ${code}: settlement state ${p.state} here, ${b.state} in the base data (the mapping wins)`, 'align the two states');
    } else if (base.paymentModes.length) warn(path, `payment mode ${code} is mapped but not in the base data`, 'remove it or check the code');
  }
  if (!base.paymentModes.length) warn('(base data)', 'no payment modes in the base data: payment modes cannot be cross-checked', 'publish the base data before posting');
  for (const b of base.paymentModes) {
    if (!m.paymentModes[b.code]) err(`paymentModes.${b.code}`, `payment mode ${b.code} (${b.label}, base data) has no mapping`, `add "paymentModes": { "${b.code}": { "journal": …, "account": …, "state": "${b.state}", … } }`);
  }

  for (const [target, codes] of exactTargets) {
    if (codes.size > 1) err(`exact.journals`, `journals ${[...codes].join(', ')} all go to Exact journal ${target}: Exact would merge them`, 'give each tillsync journal its own Exact journal in "exact.journals"');
  }
  for (const code of Object.keys(exactJournals)) {
    if (!journals.has(code)) warn(`exact.journals.${code}`, `journal ${code} is mapped to Exact but not in the journal list`, 'remove it or check the code');
  }

  // Deposits and rounding.
  needAccount('deposits.account', m.deposits.account, 'deposit account');
  if (custAccounts.has(m.deposits.account)) err('deposits.account', `the deposit account ${m.deposits.account} is also a customer account`, 'use a separate account, e.g. 419100 (clients - avances et acomptes reçus)');
  if (m.rounding.difference === 'accounts') {
    needAccount('rounding.lossAccount', m.rounding.lossAccount, 'rounding loss account');
    needAccount('rounding.gainAccount', m.rounding.gainAccount, 'rounding gain account');
  }
  if (m.posting.mode === 'classic' && m.posting.grouping === 'account') {
    warn('posting.grouping', 'grouping by account applies to direct posting only: classic posting makes one sales entry per document', 'set "grouping": "customer" or "mode": "direct"');
  }
  return finish(issues, m);
}

function finish(issues: ConfigIssue[], mapping: AccountingMapping | null): CheckResult {
  const errors = issues.filter((i) => i.severity === 'error').length;
  return { ok: errors === 0, errors, warnings: issues.length - errors, issues, mapping };
}

export function renderCheck(r: CheckResult, file: string): string {
  const out = [`accounting mapping ${file}: ${r.ok ? 'OK' : 'NOT READY'} — ${r.errors} error(s), ${r.warnings} warning(s)`];
  for (const i of r.issues) out.push(`  ${i.severity === 'error' ? 'ERROR  ' : 'warning'} ${i.path}: ${i.message} → ${i.fix}`);
  if (!r.ok) out.push('Posting is refused until every error is fixed.');
  return out.join('\n');
}
