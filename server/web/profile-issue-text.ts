/**
 * A profile problem said in the page's language: profile-schema.ts and profile-check.ts give each
 * problem a stable code and its values (the CLI keeps their English message); this picks the
 * catalogue message. A problem without a known code shows its English message rather than nothing.
 */
import type { ProfileIssue } from '../exports/profiles/profile-schema.ts';
import { t, type MessageKey } from './i18n/index.ts';

const CODES: Record<string, MessageKey> = {
  'zod.invalid_type': 'profiles.issue.type',
  'zod.invalid_value': 'profiles.issue.value',
  'zod.unrecognized_keys': 'profiles.issue.keys',
  'zod.too_small': 'profiles.issue.small',
  'zod.too_big': 'profiles.issue.big',
  'zod.invalid_format': 'profiles.issue.format',
  'json-invalid': 'profiles.issue.json',
  'single-needs-account': 'profiles.issue.singleAccount',
  'per-payment-mode-needs-map': 'profiles.issue.perPaymentMode',
  'generated-needs-length': 'profiles.issue.generatedLength',
  'generated-length-short': 'profiles.issue.lengthShort',
  'unknown-placeholder': 'profiles.issue.placeholder',
  'fec-options-only': 'profiles.issue.fec',
  'article-needs-field': 'profiles.issue.articleField',
  'field-only-article': 'profiles.issue.fieldOnlyArticle',
  'payment-mode-unknown': 'profiles.issue.paymentMode',
  'vat-code-unknown': 'profiles.issue.vatCode',
  'journal-unused': 'profiles.issue.journalUnused',
  'account-not-in-chart': 'profiles.issue.notInChart',
  'customer-collision': 'profiles.issue.collision',
  'axis-field-empty': 'profiles.issue.axisFieldEmpty',
};

export function issueText(i: ProfileIssue): string {
  const key = i.code ? CODES[i.code] : undefined;
  return key ? t(key, i.params ?? {}) : i.message;
}
