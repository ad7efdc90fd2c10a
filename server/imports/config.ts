/**
 * Settings of the imports, DATA/imports.json (optional: every field has a default). Parsed with
 * zod so a typo names its JSON path. Kept apart from accounting.json on purpose: the accounting
 * mapping says how tills become entries; this file says how outside data (the accounting
 * software's receivables and payments, bank statements, marketplace reports) comes in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';

const account = z.string().check(z.regex(/^[0-9A-Za-z]{1,20}$/, 'an account number (letters and digits, e.g. 512000)'));
const code = z.string().check(z.minLength(1), z.maxLength(20));

export const importsSchema = z.strictObject({
  $comment: z.optional(z.string()),
  /**
   * Mirror entries: what the accounting software already holds (an invoice made there, a payment
   * it posted) copied into tillsync's books so open items and lettering see it. Never exported
   * (the accounting software has the original); the other side goes to `offsetAccount`.
   */
  mirror: z._default(z.strictObject({ journal: code, offsetAccount: account }), { journal: 'RP', offsetAccount: '471000' }),
  receivables: z._default(
    z.strictObject({
      /** State of the settlement item (effet) an outside receivable opens, like a credit sale's C10. */
      state: code,
      /** Mode written on the effet. */
      mode: code,
    }),
    { state: 'C10', mode: 'EXT' }),
  bank: z._default(
    z.strictObject({
      /** Journal of bank entries; null = the mapping's journals.bank. */
      journal: z.nullable(code),
      /** Bank account debited by a credit line (the 512 of this bank account). */
      account,
      /** Rule 3: an open item dated at most this many days before the bank line (and never after). */
      windowDays: z.int().check(z.minimum(0), z.maximum(366)),
      /** Validate camt.053 files against the vendored ISO 20022 schema with xmllint. */
      validate: z.boolean(),
    }),
    { journal: null, account: '512000', windowDays: 45, validate: true }),
  payments: z._default(
    z.strictObject({
      /**
       * mirror: the accounting software already posted the payment (bank entry there): tillsync
       * letters with a mirror entry, nothing exported. bank: tillsync posts the bank entry itself.
       */
      post: z.enum(['mirror', 'bank']),
    }),
    { post: 'mirror' }),
  marketplace: z._default(
    z.strictObject({
      /**
       * Numbering chain of marketplace invoices: a series of their own (number_series row
       * `series`, numbers `prefix` + zero-padded sequence, 9 characters: FM0000001), or "invoice"
       * to share the tills' invoice chain (F00000001…).
       */
      series: z.string().check(z.regex(/^[a-z0-9-]{1,20}$/)),
      prefix: z.string().check(z.regex(/^[A-Z]{1,4}$/)),
      /** Collective account of marketplace customers (third party MP00001…). */
      customerAccount: account,
      /** Supplier account of the marketplace (third party = the profile's supplier code), credited with the commission. */
      supplierAccount: account,
      commissionAccount: account,
      deductibleVatAccount: account,
      /** VAT rate included in the commission amounts of the report (percent). */
      commissionVatRate: z.string().check(z.regex(/^\d{1,2}(\.\d{1,2})?$/)),
      /** The shop's country; sales to it use the report's VAT rate (or domesticRate). */
      homeCountry: z.string().check(z.regex(/^[A-Z]{2}$/)),
      domesticRate: z.string().check(z.regex(/^\d{1,2}(\.\d{1,2})?$/)),
      /**
       * One-Stop-Shop: true when the shop is over the EU distance-sales threshold (10 000 EUR):
       * EU B2C sales then bear the buyer's country's standard rate; false: the home rate.
       */
      oss: z.boolean(),
      accounts: z.strictObject({
        domestic: z.strictObject({ salesAccount: account, vatAccount: account }),
        oss: z.strictObject({ salesAccount: account, vatAccount: account }),
        export: z.strictObject({ salesAccount: account }),
      }),
      /** Printed on an invoice exempt because the goods leave the EU (CGI art. 262 I). */
      exportMention: z.string().check(z.minLength(1)),
    }),
    {
      series: 'marketplace',
      prefix: 'FM',
      customerAccount: '411900',
      supplierAccount: '401000',
      commissionAccount: '622600',
      deductibleVatAccount: '445660',
      commissionVatRate: '20',
      homeCountry: 'FR',
      domesticRate: '20',
      oss: false,
      accounts: { domestic: { salesAccount: '707100', vatAccount: '445711' }, oss: { salesAccount: '707200', vatAccount: '445712' }, export: { salesAccount: '707300' } },
      exportMention: 'Exonération de TVA, article 262 I du CGI (exportation hors Union européenne)',
    }),
});

export type ImportsConfig = z.infer<typeof importsSchema>;

export function importsConfigPath(data: string): string {
  return join(data, 'imports.json');
}

export function loadImportsConfig(data: string): ImportsConfig {
  const p = importsConfigPath(data);
  let json: unknown = {};
  if (existsSync(p)) {
    try {
      json = JSON.parse(readFileSync(p, 'utf8'));
    } catch (e) {
      throw new TillsyncError('config-unreadable', `cannot read ${p}: ${(e as Error).message}`, { hint: 'fix the JSON or remove the file to use the defaults', ref: { file: p } });
    }
  }
  const r = importsSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TillsyncError('config-invalid', `${p}: ${i.path.join('.') || '(root)'}: ${i.message}`, { hint: 'see docs/imports.md for the settings', ref: { file: p } });
  }
  return r.data;
}
