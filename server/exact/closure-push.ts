/**
 * Seed 000: "L'export automatique est fait à chaque clôture de caisse" — for the live link. With
 * server.json `"exports": { "auto": { "format": "exact-online", "perStore": true, "withPdf": true } }`
 * a closure reaching the server posts its day when needed (as the file exports do) and pushes that
 * day's invoices and credit notes to Exact Online. Failures are logged, never thrown at intake.
 */
import type { Closure } from '../../sync/types.ts';
import type { ServerContext } from '../context.ts';
import { logEvent } from '../log-book.ts';
import type { PushOutcome } from './push.ts';

export interface ExactAutoConfig {
  format: 'exact-online';
  perStore?: boolean;
  withPdf?: boolean;
}

/** exports.auto when it names the exact-online target, else null (the file exports handle it). */
export function exactAutoConfig(config: ServerContext['config']): ExactAutoConfig | null {
  const auto = (config.exports as Record<string, unknown> | undefined)?.auto as Record<string, unknown> | undefined;
  if (!auto || auto.format !== 'exact-online') return null;
  return { format: 'exact-online', perStore: auto.perStore === true, withPdf: auto.withPdf !== false };
}

export async function pushAfterClosure(ctx: ServerContext, closure: Closure, c: ExactAutoConfig, postDay: () => Promise<void>): Promise<PushOutcome | null> {
  try {
    await postDay();
    const { pushToExact } = await import('./push.ts');
    const out = await pushToExact(ctx, { from: closure.day, to: closure.day, store: c.perStore ? closure.store : null, withPdf: c.withPdf, trigger: 'closure' });
    await logEvent(ctx.db, ctx.data, { severity: out.status === 'refused' || out.status === 'partial' ? 'error' : 'info', channel: 'export', till: closure.till, message: `Exact Online push after closure ${closure.id}: ${out.message}` });
    return out;
  } catch (e) {
    await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'export', till: closure.till, message: `Exact Online push after closure ${closure.id} failed: ${(e as Error).message}` }).catch(() => undefined);
    return null;
  }
}
