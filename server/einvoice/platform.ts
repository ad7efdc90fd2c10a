/**
 * How Factur-X files reach the shop's platform (PDP): one small interface, one implementation per
 * channel. `send` hands one file over; `poll` (optional) brings back the statuses the platform
 * returned, as { number, status, message }. Configured in server.json:
 *
 *   "einvoice": { "platform": { "adapter": "folder", "dir": "/srv/pdp-drop" } }
 *   "einvoice": { "platform": { "adapter": "mail", "smtp": "smtp://relay:25", "to": "depot@pdp.example", "from": "factures@boutique.fr" } }
 *   "einvoice": { "platform": { "adapter": "http", "url": "https://api.pdp.example/v1", "tokenEnv": "PDP_TOKEN" } }
 *
 * folder: the drop folder most platforms offer over SFTP — files go to DIR/outbox (written .part
 * then renamed), statuses come back as DIR/statuses/*.json ({"number","status","message"}, status a
 * lifecycle name or CDAR code such as "213") and are moved to DIR/statuses/done once applied.
 * mail: the file attached to a mail to the platform's deposit address; statuses are entered with
 * `server einvoice status --set`. http: the skeleton of a PDP REST adapter (see docs/einvoicing.md):
 * not usable until a platform's API is chosen, and says so.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { ServerConfig } from '../context.ts';
import { sendFiles } from '../exports/export-mail.ts';

export interface OutgoingEinvoice {
  number: string;
  file: string;
  customer: string;
  total: string;
}

export interface PlatformStatus {
  number: string;
  status: string;
  message?: string;
  at?: string;
  /** Where it came from (a status file name), for the log. */
  source?: string;
}

export interface PlatformAdapter {
  readonly name: 'folder' | 'mail' | 'http';
  send(e: OutgoingEinvoice): Promise<{ ref?: string; message?: string }>;
  poll?(): Promise<PlatformStatus[]>;
}

const PlatformSchema = z.discriminatedUnion('adapter', [
  z.object({ adapter: z.literal('folder'), dir: z.string().check(z.minLength(1)) }),
  z.object({ adapter: z.literal('mail'), smtp: z.string().check(z.regex(/^smtps?:\/\//, 'smtp must look like smtp://host:port')), to: z.string().check(z.minLength(3)), from: z.optional(z.string()) }),
  z.object({ adapter: z.literal('http'), url: z.url(), tokenEnv: z.string().check(z.minLength(1)) }),
]);
export type PlatformConfig = z.infer<typeof PlatformSchema>;

export function platformConfig(config: ServerConfig): PlatformConfig | null {
  const block = (config.einvoice as { platform?: unknown } | undefined)?.platform;
  if (block === undefined || block === null) return null;
  const r = PlatformSchema.safeParse(block);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TillsyncError('config', `server.json einvoice.platform.${i.path.join('.')}: ${i.message}`, { hint: 'adapter "folder" needs dir; "mail" needs smtp and to; "http" needs url and tokenEnv (docs/einvoicing.md)' });
  }
  return r.data;
}

export class FolderPlatform implements PlatformAdapter {
  readonly name = 'folder' as const;
  constructor(private readonly dir: string) {}

  async send(e: OutgoingEinvoice): Promise<{ ref?: string }> {
    const outbox = join(this.dir, 'outbox');
    mkdirSync(outbox, { recursive: true });
    const target = join(outbox, basename(e.file));
    copyFileSync(e.file, `${target}.part`);
    renameSync(`${target}.part`, target);
    return { ref: target };
  }

  async poll(): Promise<PlatformStatus[]> {
    const inbox = join(this.dir, 'statuses');
    if (!existsSync(inbox)) return [];
    const done = join(inbox, 'done');
    const out: PlatformStatus[] = [];
    for (const name of readdirSync(inbox).filter((n) => n.endsWith('.json')).sort()) {
      const path = join(inbox, name);
      let s: PlatformStatus;
      try {
        const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<PlatformStatus>;
        if (typeof v.number !== 'string' || typeof v.status !== 'string') throw new Error('needs "number" and "status"');
        s = { number: v.number, status: v.status, message: typeof v.message === 'string' ? v.message : undefined, at: typeof v.at === 'string' ? v.at : undefined, source: name };
      } catch (err) {
        // A bad status file is set aside with a reason, never stops the others.
        mkdirSync(join(inbox, 'bad'), { recursive: true });
        renameSync(path, join(inbox, 'bad', name));
        out.push({ number: '', status: 'bad-file', message: `${name}: ${(err as Error).message}`, source: name });
        continue;
      }
      mkdirSync(done, { recursive: true });
      renameSync(path, join(done, name));
      out.push(s);
    }
    return out;
  }
}

export class MailPlatform implements PlatformAdapter {
  readonly name = 'mail' as const;
  constructor(private readonly c: { smtp: string; to: string; from?: string }) {}

  async send(e: OutgoingEinvoice): Promise<{ message: string }> {
    await sendFiles({ smtp: this.c.smtp, to: [this.c.to], from: this.c.from }, `Facture ${e.number}`, `Facture électronique Factur-X ${e.number} (client ${e.customer}, ${e.total} EUR TTC).`, [e.file]);
    return { message: `mailed to ${this.c.to}` };
  }
}

/**
 * Skeleton of a PDP REST adapter. A platform's API typically takes POST {url}/invoices with the
 * Factur-X as multipart/form-data and a bearer token, answers an id, and serves the lifecycle at
 * GET {url}/invoices/{id}/status (CDAR codes 200–213). Fill send() and poll() for the chosen PDP.
 */
export class HttpPlatform implements PlatformAdapter {
  readonly name = 'http' as const;
  constructor(private readonly c: { url: string; tokenEnv: string }) {}

  async send(e: OutgoingEinvoice): Promise<never> {
    throw new TillsyncError('platform-http-missing', `cannot send ${e.number} to ${this.c.url}: the HTTP platform adapter is a skeleton`, { hint: 'implement HttpPlatform.send for your PDP (docs/einvoicing.md), or use the folder or mail adapter' });
  }
}

export function platformAdapter(c: PlatformConfig, data: string): PlatformAdapter {
  if (c.adapter === 'folder') return new FolderPlatform(isAbsolute(c.dir) ? c.dir : join(data, c.dir));
  if (c.adapter === 'mail') return new MailPlatform(c);
  return new HttpPlatform(c);
}
