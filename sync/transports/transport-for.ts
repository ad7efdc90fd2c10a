/** Picks the transport a `send` command asked for: --lan DIR, --lan URL, or --mail ADDR --smtp URL. */
import { TillsyncError } from '../errors.ts';
import { HttpUploadTransport } from './http-upload.ts';
import { LanFolderTransport } from './lan-folder.ts';
import { MailTransport } from './mail-sender.ts';
import type { PackageTransport } from './transport.ts';

export interface TransportChoice {
  /** A folder (drop share) or an http(s):// server URL. */
  lan?: string;
  mail?: string[];
  smtp?: string;
  from?: string;
  /** `<store>-<till>`: needed for HTTP upload. */
  tillId?: string;
  /** The till's auth secret and the pinned server certificate (HTTP upload). */
  secret?: string;
  fingerprint?: string | null;
}

export function transportFor(choice: TransportChoice): PackageTransport {
  const hasLan = !!choice.lan;
  const hasMail = !!choice.mail?.length;
  if (hasLan === hasMail) {
    throw new TillsyncError('no-transport', hasLan ? 'give either --lan or --mail, not both' : 'say where to send: --lan DIR|URL or --mail ADDRESS --smtp URL', {
      hint: 'e.g. --lan /mnt/server/inbox, --lan http://server:8080, or --mail compta@example.com --smtp smtp://mail:25',
    });
  }
  if (hasLan) {
    const lan = choice.lan!;
    if (/^https?:\/\//i.test(lan)) {
      if (!choice.tillId || !choice.secret) {
        throw new TillsyncError('no-secret', `cannot upload to ${lan} without the till identity and secret`, { hint: 'initialise the till with its enrolment string first (tillsync till init --enrolment …)' });
      }
      return new HttpUploadTransport({ url: lan, tillId: choice.tillId, secret: choice.secret, fingerprint: choice.fingerprint });
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(lan)) {
      throw new TillsyncError('bad-url', `--lan ${lan}: only folders and http(s):// URLs are supported`, { hint: 'mount the share and give its folder, or give the server http:// address' });
    }
    return new LanFolderTransport(lan);
  }
  if (!choice.smtp) throw new TillsyncError('no-smtp', 'sending by mail needs the mail server', { hint: 'add --smtp smtp://host:port' });
  return new MailTransport({ to: choice.mail!, smtpUrl: choice.smtp, from: choice.from });
}

export type { PackageTransport, SendResult, TransportChannel } from './transport.ts';
export { HttpUploadTransport } from './http-upload.ts';
export { LanFolderTransport } from './lan-folder.ts';
export { MailTransport } from './mail-sender.ts';
