/**
 * Called by intake when a till's closure (Z report) reaches the server: the place for
 * "automatic export at each closure" (seed 000).
 */
import type { ServerContext } from './context.ts';
import type { Closure } from '../sync/types.ts';

export async function afterClosure(_ctx: ServerContext, _closure: Closure): Promise<void> {}
