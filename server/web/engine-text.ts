/**
 * An engine message (an error, a refusal, a grid line's reason) in the page's language: by its
 * MessageRef id from the catalogue (`engine.<id>`, `engine.<id>.hint`, i18n/engine-messages.ts),
 * else the engine's English text as it is — a message without an id, or one the catalogue does
 * not know yet, is still shown, never lost. Amount parameters are written the page's way.
 */
import type { MessageRef } from '../../sync/errors.ts';
import { CATALOGUES, t, uiLang, type MessageKey } from './i18n/index.ts';
import { amount } from './format.ts';
import { redactPaths } from '../redact.ts';

/** Parameters that are money as decimal text ("12.50"), shown "12,50 €" in French. */
const AMOUNT_PARAMS = new Set(['amount', 'owed']);

export interface EngineMessage {
  message: string;
  hint?: string;
  detail?: MessageRef;
}

function known(key: string): key is MessageKey {
  return key in CATALOGUES[uiLang()];
}

/** "reason (hint)" in the page's language, or the English text when the id is unknown. */
export function engineText(m: EngineMessage, opts: { hint?: boolean } = {}): string {
  const withHint = opts.hint ?? true;
  const id = m.detail?.id;
  const key = `engine.${id}`;
  if (!id || !known(key)) return redactPaths(`${m.message}${withHint && m.hint ? ` (${m.hint})` : ''}`);
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.detail?.params ?? {})) params[k] = AMOUNT_PARAMS.has(k) && typeof v === 'string' ? amount(v) : v;
  const hintKey = `${key}.hint`;
  const hint = withHint && m.hint ? (known(hintKey) ? t(hintKey, params) : '') : '';
  return redactPaths(`${t(key, params)}${hint ? ` (${hint})` : ''}`);
}
