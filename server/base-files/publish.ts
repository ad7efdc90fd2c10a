/**
 * `server publish-base`: one signed, compressed bundle of the store's base files, kept under
 * DATA/base-files/ and sent over the LAN (a folder the tills read) or by mail to the recipients of
 * pvpplstmail.txt. The version is taken from a counter in the settings table, so bundles from one
 * server are strictly ordered whatever the channel delivers first.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ServerContext } from '../context.ts';
import { logEvent } from '../log-book.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { writeBaseBundle } from '../../sync/base-bundle.ts';
import { publishFile } from '../../sync/atomic-file.ts';
import { LanFolderTransport, MailTransport, type SendResult } from '../../sync/transports/transport-for.ts';
import { ALL_PARTS, collectBaseContent, readFilesList } from './bundle-source.ts';
import { ensureBaseKey } from './base-key.ts';
import { parseListFile } from './list-file.ts';

export const VERSION_KEY = 'base.bundle-version';

export interface PublishOptions {
  lan?: string;
  mailList?: string;
  smtp?: string;
  from?: string;
  files?: string;
  acksDays?: number;
  now?: Date;
}

export interface PublishResult {
  file: string;
  /** Where the LAN copy landed (the path a till applies), when sent over the LAN. */
  delivered: string | null;
  fileName: string;
  version: number;
  created: string;
  bytes: number;
  parts: string[];
  counts: Record<string, number>;
  sentTo: string;
  channel: 'lan' | 'mail';
  baseKeyCreated: boolean;
}

/** Reads pvpplstmail.txt; throws naming the file and line on any deviation. */
export function readMailList(file: string): string[] {
  if (!existsSync(file)) throw new TillsyncError('no-file', `mail list ${file} not found`, { hint: 'give --mail-list the path of pvpplstmail.txt', ref: { file } });
  return parseListFile(readFileSync(file, 'utf8'), file, 'mail').map((i) => i.value);
}

/** Next bundle version; the write comes first so concurrent publishes serialise on the row. */
export async function nextVersion(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('settings').values({ key: VERSION_KEY, value: '0' }).onConflict((oc) => oc.column('key').doUpdateSet({ key: VERSION_KEY })).execute();
    const row = await trx.selectFrom('settings').select('value').where('key', '=', VERSION_KEY).executeTakeFirstOrThrow();
    const next = Number(row.value) + 1;
    await trx.updateTable('settings').set({ value: String(next) }).where('key', '=', VERSION_KEY).execute();
    return next;
  });
}

export async function publishBase(ctx: ServerContext, opts: PublishOptions): Promise<PublishResult> {
  if (Boolean(opts.lan) === Boolean(opts.mailList)) {
    throw new TillsyncError('usage', opts.lan ? 'give either --lan or --mail-list, not both' : 'say where to publish: --lan DIR or --mail-list pvpplstmail.txt --smtp URL', {
      hint: 'e.g. --lan /mnt/tills/fcomp, or --mail-list pvpplstmail.txt --smtp smtp://mail:25',
    });
  }
  // Everything that can be refused is checked before a version number is spent or a file written.
  const recipients = opts.mailList ? readMailList(opts.mailList) : [];
  if (opts.mailList && !opts.smtp) throw new TillsyncError('usage', 'publishing by mail needs the mail server', { hint: 'add --smtp smtp://host:port' });
  const transport = opts.lan ? new LanFolderTransport(opts.lan) : new MailTransport({
        to: recipients,
        smtpUrl: opts.smtp!,
        from: opts.from,
        body: (fileName) => [
          `Base files ${fileName} for the tills of store ${ctx.config.store}.`,
          'Sent by tillsync. Save the attachment (or this whole mail as .eml) on the till, then run: tillsync till apply-base FILE',
        ],
      });
  if (opts.lan && !existsSync(opts.lan)) throw new TillsyncError('no-folder', `LAN folder ${opts.lan} does not exist`, { hint: 'create it or mount the share, then publish again' });
  const choice = opts.files ? readFilesList(opts.files) : ALL_PARTS;
  if (choice.parts.length === 0 && choice.files.length === 0) throw new TillsyncError('list-file', `${opts.files}: nothing to publish`, { ref: { file: opts.files } });
  const now = opts.now ?? new Date();
  const content = await collectBaseContent(ctx.db, ctx.config, { choice, acksDays: opts.acksDays ?? 31, now });
  const { key, created: baseKeyCreated } = ensureBaseKey(ctx.data);
  const version = await nextVersion(ctx.db);
  const bundle = writeBaseBundle({ ...content, version, created: now.toISOString() }, key);

  const outDir = join(ctx.data, 'base-files');
  mkdirSync(outDir, { recursive: true });
  const kept = await publishFile(outDir, bundle.fileName, bundle.bytes, 'publish again');
  let sent: SendResult;
  try {
    sent = await transport.send(kept.path);
  } catch (e) {
    await logEvent(ctx.db, ctx.data, { severity: 'error', channel: transport.channel, file: kept.fileName, message: `base bundle v${version} not sent: ${(e as Error).message}` });
    throw e;
  }
  await logEvent(ctx.db, ctx.data, {
    severity: 'info',
    channel: transport.channel,
    file: kept.fileName,
    message: `base bundle v${version} published (${content.parts.join(', ') || 'specific files only'}; ${content.acks.length} acks) to ${sent.target}`,
  });
  return {
    file: kept.path,
    delivered: transport.channel === 'lan' ? sent.target : null,
    fileName: kept.fileName,
    version,
    created: now.toISOString(),
    bytes: bundle.bytes.length,
    parts: content.parts,
    counts: bundle.manifest.counts,
    sentTo: sent.target,
    channel: transport.channel as 'lan' | 'mail',
    baseKeyCreated,
  };
}
