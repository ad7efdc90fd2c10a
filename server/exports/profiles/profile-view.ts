/**
 * An export profile applied to the books (pure): a LedgerEntry as posted in, the entry as the
 * profile's target should read it out — journals, customer accounts and third parties, sales / VAT /
 * discount / difference accounts, labels and references from templates, accents and case, the
 * analytic section. Amounts never change, nor the lines' order or count: the file still balances
 * and still totals what was posted.
 *
 * Generated customer accounts (prefix + code padded or cut to a length) are computed for every
 * customer of the base data before anything is written: two customers getting the same account is
 * one error naming both (never two customers merged in the accountant's books).
 */
import { TillsyncError } from '../../../sync/errors.ts';
import type { Article, Customer, VatRate } from '../../../sync/types.ts';
import { D, fmt } from '../../../sync/money.ts';
import type { AccountingMapping } from '../../accounting/mapping.ts';
import type { LedgerEntry, LedgerLine } from '../ledger-model.ts';
import type { DocumentInfo } from './entry-context.ts';
import type { CustomerChoice, ExportProfile, LabelTemplate, ZoneAccounts } from './profile-schema.ts';
import { removeAccents, renderTemplate, type TemplateValues } from './templates.ts';
import { allocate } from './analytic-parts.ts';

/** EU member states (ISO 3166 alpha-2, Greece as EL in VAT numbers). */
const EU = new Set(['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'EL', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE']);

export type Zone = 'FR' | 'EU' | 'outsideEU';

/** The customer's zone: its country (base data `country`) or its VAT number's prefix; France when neither says. */
export function customerZone(c: Customer | undefined): Zone {
  const extra = c as (Customer & { country?: unknown }) | undefined;
  const country = (typeof extra?.country === 'string' ? extra.country : /^[A-Z]{2}/i.test(c?.vatNumber ?? '') ? c!.vatNumber!.slice(0, 2) : 'FR').toUpperCase();
  return country === 'FR' ? 'FR' : EU.has(country) ? 'EU' : 'outsideEU';
}

/** prefix + code in upper case without accents nor punctuation, zero-padded or cut (keeping its end) to `length`. */
export function generatedAccount(prefix: string, length: number, code: string): string {
  const clean = removeAccents(code).toUpperCase().replace(/[^0-9A-Z]/g, '') || '0';
  const room = length - prefix.length;
  return prefix + (clean.length > room ? clean.slice(clean.length - room) : clean.padStart(room, '0'));
}

export interface ProfileViewInput {
  name: string;
  profile: ExportProfile;
  mapping: AccountingMapping | null;
  customers: Customer[];
  vatRates: VatRate[];
  /** The base data's articles: an article axis (family or a field) reads its sections from them. */
  articles?: Article[];
  /** Accounts of the fee lines in the books (the marketplace commission account of imports.json): profile.fees.account replaces them. */
  feeAccounts?: string[];
}

/** A customer as the customers file shows it (by the third-party code the file uses). */
export interface ViewCustomer {
  code: string;
  account: string;
  name: string;
  address: string | null;
  vatNumber: string | null;
}

type Kind = 'sales' | 'creditNote' | 'treasury';

export class ProfileView {
  readonly name: string;
  readonly profile: ExportProfile;
  private readonly mapping: AccountingMapping | null;
  private readonly base: Map<string, Customer>;
  private readonly rates: Map<string, string>;
  private readonly treasuryModes = new Map<string, string>();
  private readonly customerAccounts = new Set<string>();
  private readonly taxAccounts = new Set<string>();
  private readonly chart = new Map<string, string>();
  /** Article code → its value on the analytic axis (family / field), for an article axis. */
  private readonly articleValue = new Map<string, string>();
  /** Base VAT code → export VAT code (what ledger lines carry). */
  private readonly exportVat = new Map<string, string>();
  private readonly feeAccounts: Set<string>;
  /** Generated value → customer code, per choice (account / thirdParty): the collision check. */
  private readonly generated = { account: new Map<string, string>(), thirdParty: new Map<string, string>() };
  /** Customers the written lines name, by their (possibly rewritten) third party. */
  readonly seen = new Map<string, ViewCustomer>();

  constructor(input: ProfileViewInput) {
    this.name = input.name;
    this.profile = input.profile;
    this.mapping = input.mapping;
    this.base = new Map(input.customers.map((c) => [c.code, c]));
    this.feeAccounts = new Set(input.feeAccounts ?? []);
    this.rates = new Map(input.vatRates.map((v) => [v.code, String(v.rate)]));
    const m = input.mapping;
    if (m) {
      for (const [mode, pm] of Object.entries(m.paymentModes)) if (pm.account && !this.treasuryModes.has(pm.account)) this.treasuryModes.set(pm.account, mode);
      this.customerAccounts.add(m.customers.defaultAccount);
      for (const o of Object.values(m.customers.overrides)) this.customerAccounts.add(o.account);
      for (const [key, v] of Object.entries(m.vat)) {
        this.taxAccounts.add(v.vatAccount);
        const rate = this.rates.get(key);
        if (rate !== undefined && !this.rates.has(v.vatCode)) this.rates.set(v.vatCode, rate);
      }
      for (const a of m.chart) this.chart.set(a.number, a.label);
      for (const [key, v] of Object.entries(m.vat)) this.exportVat.set(key, v.vatCode);
    }
    const axis = input.profile.analytics;
    if (axis && this.articleAxis) {
      const field = axis.axis === 'family' ? 'family' : axis.field!;
      for (const a of input.articles ?? []) {
        const v = (a as unknown as Record<string, unknown>)[field];
        if (typeof v === 'string' && v.trim()) this.articleValue.set(a.code, v.trim());
        else if (typeof v === 'number') this.articleValue.set(a.code, String(v));
      }
    }
    for (const c of input.customers) if (c.account) this.customerAccounts.add(c.account);
    // Every customer of the base data first: a collision fails before a byte is written.
    for (const c of input.customers) {
      this.generate('account', c.code);
      this.generate('thirdParty', c.code);
    }
  }

  /** The axis reads the sold articles (family or a field): the export then loads the documents' ticket lines. */
  get articleAxis(): boolean {
    const a = this.profile.analytics?.axis;
    return a === 'family' || a === 'article';
  }

  /** An article axis: the line's amount shared over the sections its document's articles of its VAT code sold. */
  private articleParts(l: LedgerLine, doc: DocumentInfo | undefined): { analytic: string | null; parts: { section: string; amount: string }[] | null } {
    const axis = this.profile.analytics!;
    const section = (value: string | undefined): string | null => (value !== undefined ? axis.sections?.[value] ?? value : null) ?? axis.default ?? null;
    const lines = doc?.lines ?? [];
    const ofCode = l.vatCode ? lines.filter((t) => (this.exportVat.get(t.vatCode) ?? t.vatCode) === l.vatCode) : [];
    const weights = new Map<string | null, InstanceType<typeof D>>();
    for (const t of ofCode.length ? ofCode : lines) {
      const key = section(this.articleValue.get(t.article));
      weights.set(key, (weights.get(key) ?? new D(0)).plus(t.inclVat));
    }
    const amount = new D(l.debit || 0).minus(l.credit || 0).abs();
    // A part no section takes (an article without the field, no default) stays out of the analytics.
    const parts = allocate(amount, [...weights].map(([key, weight]) => ({ key, weight }))).filter((p): p is { key: string; amount: InstanceType<typeof D> } => p.key !== null);
    if (!parts.length) return { analytic: axis.default ?? null, parts: null };
    if (parts.length === 1 && parts[0].amount.equals(amount)) return { analytic: parts[0].key, parts: null };
    const largest = parts.reduce((a, b) => (b.amount.greaterThan(a.amount) ? b : a));
    return { analytic: largest.key, parts: parts.map((p) => ({ section: p.key, amount: fmt(p.amount) })) };
  }

  private generate(which: 'account' | 'thirdParty', code: string): string | null {
    const choice = this.profile.customers?.[which];
    if (choice?.mode !== 'generated') return null;
    const value = generatedAccount(choice.prefix ?? '', choice.length!, code);
    const owner = this.generated[which].get(value);
    if (owner !== undefined && owner !== code) {
      const err = new TillsyncError('profile-collision', `export profile ${this.name}: customers ${owner} and ${code} both get the ${which === 'account' ? 'account' : 'third party'} ${value} (prefix "${choice.prefix ?? ''}", length ${choice.length})`, {
        hint: `make customers.${which}.length longer or change the prefix in the profile (tillsync server config check --profile ${this.name})`,
      });
      // The values, for screens that say it in their own language (profile-check.ts).
      throw Object.assign(err, { params: { first: owner, second: code, value, length: choice.length! } });
    }
    this.generated[which].set(value, code);
    return value;
  }

  private choose(which: 'account' | 'thirdParty', choice: CustomerChoice | undefined, asPosted: string, customer: string, mode: string | null): string {
    if (!choice || choice.mode === 'ledger') return asPosted;
    switch (choice.mode) {
      case 'single':
        return choice.account!;
      case 'per-payment-mode':
        return (mode ? choice.byPaymentMode?.[mode] : undefined) ?? choice.account ?? asPosted;
      case 'base-data': {
        const c = this.base.get(customer);
        return (which === 'account' ? c?.account : c?.thirdParty) || asPosted;
      }
      case 'generated':
        return this.generate(which, customer)!;
    }
  }

  private text(s: string): string {
    let out = s;
    if (this.profile.text?.removeAccents) out = removeAccents(out);
    if (this.profile.text?.upperCase) out = out.toUpperCase();
    return out;
  }

  private zoneAccount(z: ZoneAccounts | undefined, zone: Zone, vatCode: string | null, asPosted: string): string {
    if (!z) return asPosted;
    const byZone = z[zone];
    return (vatCode ? byZone?.[vatCode] : undefined) ?? byZone?.['*'] ?? (vatCode ? z.byVatCode?.[vatCode] : undefined) ?? z.default ?? asPosted;
  }

  private template(t: LabelTemplate | undefined, kind: Kind): string | undefined {
    if (t === undefined || typeof t === 'string') return t;
    return t[kind];
  }

  private isCustomerLine(l: LedgerLine): boolean {
    if (!l.auxAccount) return false;
    if (this.mapping && l.account === this.mapping.deposits.account) return false;
    return this.customerAccounts.has(l.account) || /^41[01]/.test(l.account);
  }

  /** The entry as the profile's target reads it. `docs` holds the documents of the page (entry-context.ts). */
  apply(e: LedgerEntry, docs: ReadonlyMap<string, DocumentInfo>): LedgerEntry {
    const p = this.profile;
    const entryDoc = docs.get(e.piece) ?? e.lines.map((l) => (l.documentNumber ? docs.get(l.documentNumber) : undefined)).find(Boolean);
    const kind: Kind = e.kind === 'treasury' ? 'treasury' : entryDoc?.kind === 'credit-note' ? 'creditNote' : 'sales';
    const treasuryMode = e.kind === 'treasury' ? e.lines.map((l) => this.treasuryModes.get(l.account)).find(Boolean) ?? null : null;
    const m = this.mapping;

    const valuesOf = (doc: DocumentInfo | undefined, l: LedgerLine | null): TemplateValues => {
      const customer = doc?.customer ?? (l?.auxAccount && this.base.has(l.auxAccount) ? l.auxAccount : null);
      const name = customer ? this.base.get(customer)?.name ?? l?.auxLabel ?? customer : l?.auxLabel ?? null;
      const [first, ...rest] = (name ?? '').split(/\s+/);
      const day = doc?.day ?? e.date;
      return {
        document: doc?.number ?? e.piece,
        piece: e.piece,
        customerCode: customer,
        customerName: name,
        customerFirstName: first || null,
        customerLastName: rest.join(' ') || null,
        till: doc?.till ?? null,
        store: doc?.store ?? null,
        day,
        date: `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`,
        // A treasury line is its own mode's (the cheque line of a CB + CHQ entry says CHQ).
        paymentMode: (l ? this.treasuryModes.get(l.account) : undefined) ?? treasuryMode ?? doc?.paymentMode ?? null,
        vatCode: l?.vatCode ?? null,
        vatRate: l?.vatCode ? this.rates.get(l.vatCode) ?? null : null,
        ticketRange: doc ? (doc.firstTicket === doc.lastTicket ? String(doc.firstTicket) : `${doc.firstTicket}-${doc.lastTicket}`) : null,
        journal: e.journal,
        label: l?.label ?? e.label,
        account: l?.account ?? null,
      };
    };

    const entryTemplate = this.template(p.labels?.entry, kind);
    const letteringTemplate = this.template(p.labels?.lettering, kind);
    const pieceTemplate = this.template(p.labels?.piece, kind);
    const axis = p.analytics;
    const sectionOf = (doc: DocumentInfo | undefined): string | null => {
      if (!axis) return null;
      const value = doc ? (axis.axis === 'store' ? doc.store : axis.axis === 'till' ? doc.till : null) : null;
      return (value !== null ? axis.sections?.[value] ?? value : null) ?? axis.default ?? null;
    };

    const lines = e.lines.map((l): LedgerLine => {
      const doc = (l.documentNumber ? docs.get(l.documentNumber) : undefined) ?? entryDoc;
      const customer = doc?.customer ?? l.auxAccount ?? '';
      const zone = customerZone(this.base.get(customer));
      const out: LedgerLine = { ...l };
      let label = l.label;
      if (this.isCustomerLine(l)) {
        const mode = treasuryMode ?? doc?.paymentMode ?? null;
        out.account = this.choose('account', p.customers?.account, l.account, customer, mode);
        out.auxAccount = this.choose('thirdParty', p.customers?.thirdParty, l.auxAccount!, customer, mode);
        const known = this.base.get(customer);
        if (out.auxAccount !== l.auxAccount && known) out.auxLabel = known.name;
        if (letteringTemplate) label = renderTemplate(letteringTemplate, valuesOf(doc, l));
        else if (entryTemplate) label = renderTemplate(entryTemplate, valuesOf(doc, l));
        if (out.auxAccount && !this.seen.has(out.auxAccount)) {
          this.seen.set(out.auxAccount, { code: out.auxAccount, account: out.account, name: this.text(out.auxLabel ?? known?.name ?? out.auxAccount), address: known?.address ? this.text(known.address) : null, vatNumber: known?.vatNumber ?? null });
        }
      } else {
        if (m?.discounts && l.account === m.discounts.account && p.discountAccount) out.account = p.discountAccount;
        else if (l.vatCode && this.taxAccounts.has(l.account)) out.account = this.zoneAccount(p.taxAccounts, zone, l.vatCode, l.account);
        else if (l.vatCode && /^7/.test(l.account)) out.account = this.zoneAccount(p.salesAccounts, zone, l.vatCode, l.account);
        else if (m && !l.vatCode && l.account === m.rounding.gainAccount && p.differences?.produit) out.account = p.differences.produit;
        else if (m && !l.vatCode && l.account === m.rounding.lossAccount && p.differences?.charge) out.account = p.differences.charge;
        else if (p.fees?.account && this.feeAccounts.has(l.account)) out.account = p.fees.account;
        if (entryTemplate) label = renderTemplate(entryTemplate, valuesOf(doc, l));
        if (axis && /^[67]/.test(out.account)) {
          if (this.articleAxis) {
            const a = this.articleParts(l, doc);
            out.analytic = a.analytic;
            if (a.parts) out.analyticParts = a.parts;
          } else out.analytic = sectionOf(doc);
        }
      }
      out.label = this.text(label);
      if (out.auxLabel) out.auxLabel = this.text(out.auxLabel);
      out.accountLabel = this.text(out.account === l.account ? l.accountLabel : (this.chart.get(out.account) ?? l.accountLabel));
      return out;
    });

    const journal = kind === 'creditNote' && p.journals?.creditNotes ? p.journals.creditNotes : p.journals?.map?.[e.journal] ?? e.journal;
    return {
      ...e,
      creditNote: kind === 'creditNote',
      journal,
      journalLabel: this.text(e.journalLabel),
      piece: pieceTemplate ? renderTemplate(pieceTemplate, valuesOf(entryDoc, null)) || e.piece : e.piece,
      label: this.text(entryTemplate ? renderTemplate(entryTemplate, valuesOf(entryDoc, null)) : e.label),
      lines,
    };
  }
}
