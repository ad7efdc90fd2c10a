/** Base data or prices applied from a bundle are a journal event (NF525); an already-applied bundle is not. */
import type { ApplyBaseResult } from './base-apply.ts';
import type { TillService } from './till-service.ts';

export async function journalBaseApplied(svc: TillService, r: ApplyBaseResult): Promise<ApplyBaseResult> {
  if (r.status === 'applied') {
    const c = r.changes as { added?: unknown[]; changed?: unknown[]; removed?: unknown[] } | null;
    await svc.journal.record('base-applied', { file: r.file, version: r.version, previousVersion: r.previousVersion, added: c?.added?.length ?? null, changed: c?.changed?.length ?? null, removed: c?.removed?.length ?? null });
  }
  return r;
}
