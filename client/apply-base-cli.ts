import type { Command } from 'commander';
import { resolve } from 'node:path';
import { run, type Progress } from '../cli/output.ts';
import { TillsyncError } from '../sync/errors.ts';
import { forwardToTill, requireData, viaTill } from './open-till.ts';
import type { ApplyBaseResult } from './base-apply.ts';
import { BASE_KEY_RE as BASE_KEY, baseKeyFingerprint } from '../sync/base-key.ts';

const fingerprint = baseKeyFingerprint;

function list(codes: string[], max = 8): string {
  return codes.length <= max ? codes.join(', ') : `${codes.slice(0, max).join(', ')} … (+${codes.length - max})`;
}

export function applyText(r: ApplyBaseResult): string {
  if (r.status === 'already-applied') return `base bundle v${r.version} (${r.file}) is already applied: nothing changed`;
  const c = r.changes!;
  const lines = [`base bundle v${r.version} from store ${r.store} applied (${r.file}; was ${r.previousVersion === null ? 'none' : `v${r.previousVersion}`})`];
  if (r.resumed) lines.push(r.resumed.version === r.version ? '  (its application had been interrupted: finished now)' : `  first finished interrupted bundle v${r.resumed.version}`);
  const kinds: [string, { added: string[]; changed: string[]; removed: string[] }][] = [['articles', c.articles], ['customers', c.customers], ['VAT rates', c.vatRates], ['payment modes', c.paymentModes]];
  for (const [label, k] of kinds) {
    if (!r.parts.includes(label === 'articles' ? 'articles' : label === 'customers' ? 'customers' : label === 'VAT rates' ? 'vatRates' : 'paymentModes')) continue;
    lines.push(`  ${label}: ${k.added.length} added, ${k.changed.length} changed, ${k.removed.length} removed${k.added.length ? ` (new: ${list(k.added)})` : ''}${k.removed.length ? ` (removed: ${list(k.removed)})` : ''}`);
  }
  if (c.articles.priceChanged.length) lines.push(`  prices changed: ${list(c.articles.priceChanged.map((p) => `${p.code} ${p.from} → ${p.to}`), 6)}`);
  if (c.company) lines.push('  company settings changed');
  if (c.ticketTables) lines.push(`  ticket tables updated${c.roundingChanged ? ' (rounding rules changed)' : ''}`);
  if (c.files.length) lines.push(`  specific files: ${list(c.files)}`);
  if (c.acks) lines.push(`  ${c.acks} ticket acknowledgement(s) recorded`);
  if (r.indexed) lines.push(`  index rebuilt: ${r.indexed.articles} articles, ${r.indexed.barcodes} barcodes`);
  return lines.join('\n');
}

/** `tillsync till apply-base --data DIR [--base-key KEY] FILE|FOLDER|MAIL.eml`, `tillsync till base-key --data DIR [--set KEY]` */
export function registerApplyBaseCommand(till: Command): void {
  till
    .command('base-key')
    .description("give the till its store's base key once (tillsync server base-key shows it), or show which one it holds")
    .requiredOption('--data <dir>', 'till data folder')
    .option('--set <key>', 'the 64 hex characters printed by tillsync server base-key')
    .action(
      run<{ data: string; set?: string }>(async (opts) => {
        const data = resolve(opts.data);
        const { readBaseState, writeBaseState } = await import('./base-state.ts');
        const { logTillEvent } = await import('./day-log.ts');
        if (opts.set !== undefined) {
          if (!BASE_KEY.test(opts.set)) throw new TillsyncError('usage', '--set must be the 64 hex characters printed by tillsync server base-key', { hint: 'copy it again from the server' });
          await writeBaseState(data, { ...readBaseState(data), baseKey: opts.set });
          logTillEvent(data, 'info', `base key set (${fingerprint(opts.set)})`);
        }
        const key = readBaseState(data).baseKey;
        const state = readBaseState(data);
        return {
          data: { hasKey: Boolean(key), fingerprint: key ? fingerprint(key) : null, version: state.version ?? null, appliedAt: state.appliedAt ?? null },
          text: key ? `base key ${fingerprint(key)} held; last bundle applied: ${state.version ? `v${state.version} on ${state.appliedAt}` : 'none'}` : 'no base key: tillsync till base-key --data DIR --set KEY',
        };
      }),
    );

  till
    .command('apply-base')
    .description('verify and apply a base-file bundle (articles, prices, customers, VAT, payment modes…): all or nothing, never an older one')
    .argument('<file>', 'the Base<store>_….zip bundle, the folder it was saved in (newest taken), or the saved mail (.eml)')
    .requiredOption('--data <dir>', 'till data folder')
    .option('--base-key <key>', "the store's base key (once; remembered): tillsync server base-key shows it")
    .action(
      run<{ data: string; baseKey?: string }>(async (opts, ctx, args) => {
        const data = requireData(opts.data);
        if (opts.baseKey !== undefined && !BASE_KEY.test(opts.baseKey)) {
          throw new TillsyncError('usage', '--base-key must be the 64 hex characters printed by tillsync server base-key', { hint: 'copy it again from the server' });
        }
        const file = resolve(args[0]!);
        const { logTillEvent } = await import('./day-log.ts');
        const { journalBaseApplied } = await import('./base-journal.ts');
        let bar: Progress | null = null;
        let shown = 0;
        const onProgress = (done: number, total: number) => {
          if (total < 500) return;
          bar ??= ctx.progress('applying base', total);
          bar.tick(done - shown);
          shown = done;
        };
        try {
          const result = await viaTill<ApplyBaseResult>(
            data,
            'till apply-base',
            async (lock) => {
              try {
                return await forwardToTill<ApplyBaseResult>(lock, 'POST', '/apply-base', { file, baseKey: opts.baseKey });
              } catch (e) {
                // A running till whose local API has no /apply-base route answers 404.
                if (e instanceof TillsyncError && (e.status === 404 || (e.code === 'till-unreachable' && /answered 404/.test(e.message)))) {
                  throw new TillsyncError('store-busy', `the till in ${data} is running (pid ${lock.pid}) and does not take base files while it runs`, { hint: 'stop till start, run apply-base, start it again' });
                }
                throw e;
              }
            },
            // Loaded here: RxDB and the mail parser take a while to import and most commands never need them.
            async (svc) => journalBaseApplied(svc, await (await import('./base-apply.ts')).applyBaseFromPath(svc.store, data, file, { baseKey: opts.baseKey, onProgress })),
          );
          (bar as Progress | null)?.done();
          const text = applyText(result);
          logTillEvent(data, 'info', text.split('\n')[0]!);
          return { data: result, text };
        } catch (e) {
          logTillEvent(data, 'error', `apply-base ${file} refused: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
}
