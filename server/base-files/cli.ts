import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { withServer } from '../lazy-context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { baseKeyFingerprint } from '../../sync/base-key.ts';

/** `tillsync server` verbs of server/base-files/: publish-base, base-key. */
export function registerBaseFileCommands(server: Command): void {
  server
    .command('publish-base')
    .description('send the tills one signed bundle of the base files (articles, prices, customers, VAT, payment modes, company, ticket tables)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'postgres://… (default: server.json, else SQLite in the data folder)')
    .option('--lan <dir>', 'folder the tills read (a share), e.g. their fcomp folder')
    .option('--mail-list <file>', 'pvpplstmail.txt: recipients, between DEBUT LISTE and FIN LISTE')
    .option('--smtp <url>', 'mail server, e.g. smtp://mail.example.com:25 (with --mail-list)')
    .option('--from <address>', 'sender address of the mail')
    .option('--files <file>', 'pvpplstfic.txt: the parts and specific files to send (default: every part)')
    .option('--acks-days <n>', 'acknowledgements of tickets received by LAN/mail in the last N days', '31')
    .action(
      run<{ data: string; db?: string; lan?: string; mailList?: string; smtp?: string; from?: string; files?: string; acksDays: string }>(async (opts) => {
        const acksDays = Number(opts.acksDays);
        if (!Number.isInteger(acksDays) || acksDays < 0) throw new TillsyncError('usage', `--acks-days ${opts.acksDays} is not a whole number of days`, { hint: 'e.g. --acks-days 31' });
        // Loaded here: the mail and zip libraries are not needed by the other server commands.
        const { publishBase } = await import('./publish.ts');
        const r = await withServer({ data: opts.data, db: opts.db }, (ctx) => publishBase(ctx, { lan: opts.lan, mailList: opts.mailList, smtp: opts.smtp, from: opts.from, files: opts.files, acksDays }));
        const lines = [
          `base bundle v${r.version} ${r.fileName} (${(r.bytes / 1024).toFixed(1)} KiB) sent by ${r.channel} to ${r.sentTo}`,
          `  ${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        ];
        if (r.baseKeyCreated) lines.push(`  a new base key was created: give it to each till once: tillsync till base-key --data TILLDIR --set KEY (tillsync server base-key --data ${opts.data} shows it)`);
        return { data: r, text: lines.join('\n') };
      }),
    );
  server
    .command('base-key')
    .description("show the store's base key (tills need it to apply base bundles); --rotate makes a new one")
    .requiredOption('--data <dir>', 'server data folder')
    .option('--rotate', 'replace the key: every till must then be given the new one')
    .action(
      run<{ data: string; rotate?: boolean }>(async (opts) => {
        const { ensureBaseKey } = await import('./base-key.ts');
        const { key, created } = ensureBaseKey(opts.data, { rotate: opts.rotate });
        const fingerprint = baseKeyFingerprint(key);
        return { data: { baseKey: key, fingerprint, created }, text: `${key}\nfingerprint ${fingerprint} (give the key to each till once: tillsync till base-key --data DIR --set KEY)` };
      }),
    );
}
