/**
 * Where this till may send its packages when the cashier's page asks: the destinations given at
 * `till init --send-to … --send-smtp …` (DATA/send-destinations.json, mode 0600) plus the till's
 * own server. The register page offers exactly these; a folder, URL or mail address typed into a
 * request is refused, so the page (or anyone holding its token) cannot ship a package — or the
 * till's credentials — to a place the shop did not choose.
 *
 * Pure checks over a small JSON file; refusals are TillsyncErrors with the `till init` fix as hint.
 */
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';

export const DESTINATIONS_FILE = 'send-destinations.json';

export interface SendDestinations {
  /** Drop folders (absolute) and http(s) upload URLs. */
  lan: string[];
  mail: string[];
  smtp: string | null;
}

const EMPTY: SendDestinations = { lan: [], mail: [], smtp: null };
const MAIL_RE = /^[^\s@/\\]+@[^\s@/\\]+$/;

/** One comparable form per destination: URLs without trailing slash, folders resolved (and real when they exist). */
export function normaliseLan(target: string): string {
  if (/^https?:\/\//i.test(target)) {
    const u = new URL(target);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  }
  const abs = resolve(target);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Splits `--send-to` items into folders/URLs and mail addresses. */
export function parseSendTo(items: string[], smtp?: string | null): SendDestinations {
  const out: SendDestinations = { lan: [], mail: [], smtp: smtp ?? null };
  for (const raw of items.map((s) => s.trim()).filter(Boolean)) {
    if (MAIL_RE.test(raw)) out.mail.push(raw.toLowerCase());
    else if (/^https?:\/\//i.test(raw)) {
      try {
        out.lan.push(new URL(raw).toString().replace(/\/+$/, ''));
      } catch {
        throw new TillsyncError('usage', `--send-to "${raw}" is not a valid URL`, { hint: 'give a folder, an http(s):// server URL or a mail address' });
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      throw new TillsyncError('usage', `--send-to "${raw}": only folders, http(s):// URLs and mail addresses`, { hint: 'mount the share and give its folder' });
    } else out.lan.push(resolve(raw));
  }
  if (out.mail.length && !out.smtp) throw new TillsyncError('usage', '--send-to with a mail address needs --send-smtp smtp://host:port', { hint: 'e.g. --send-smtp smtp://mail.shop.example:25' });
  return out;
}

export function readSendDestinations(dataDir: string): SendDestinations {
  const p = join(resolve(dataDir), DESTINATIONS_FILE);
  if (!existsSync(p)) return { ...EMPTY, lan: [], mail: [] };
  try {
    const j = JSON.parse(readFileSync(p, 'utf8'));
    return { lan: Array.isArray(j.lan) ? j.lan.map(String) : [], mail: Array.isArray(j.mail) ? j.mail.map(String) : [], smtp: typeof j.smtp === 'string' ? j.smtp : null };
  } catch (e) {
    throw new TillsyncError('bad-config', `cannot read ${p}: ${(e as Error).message}`, { hint: 'rerun tillsync till init with --send-to to rewrite it' });
  }
}

export function writeSendDestinations(dataDir: string, d: SendDestinations): void {
  const p = join(resolve(dataDir), DESTINATIONS_FILE);
  writeFileSync(`${p}.part`, `${JSON.stringify(d, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${p}.part`, p);
}

/** The configured destinations plus the till's own server (an upload to it is always allowed). */
export function allowedDestinations(dataDir: string, serverUrl: string | null): SendDestinations {
  const d = readSendDestinations(dataDir);
  return { ...d, lan: serverUrl && !d.lan.includes(serverUrl) ? [serverUrl, ...d.lan] : d.lan };
}

function notConfigured(what: string): TillsyncError {
  return new TillsyncError('destination-not-configured', `send refused: ${what} is not a destination configured for this till`, {
    hint: 'the shop chooses destinations once: tillsync till init --data DIR --store S --till T --send-to FOLDER|URL|ADDRESS [--send-smtp smtp://host:port]',
    status: 403,
  });
}

/** Throws unless the send's folder/URL, or its recipients and mail server, are all configured. */
export function checkSendTarget(allowed: SendDestinations, target: { lan?: string; mail?: string[]; smtp?: string }): void {
  if (target.lan) {
    const want = normaliseLan(target.lan);
    if (!allowed.lan.some((a) => normaliseLan(a) === want)) throw notConfigured(`"${target.lan}"`);
  }
  for (const m of target.mail ?? []) if (!allowed.mail.includes(m.trim().toLowerCase())) throw notConfigured(`mail to "${m}"`);
  if (target.mail?.length && target.smtp && (!allowed.smtp || allowed.smtp.replace(/\/+$/, '') !== target.smtp.replace(/\/+$/, ''))) throw notConfigured(`mail server "${target.smtp}"`);
}

/** The folder a cashier's extract may write to: the till's packages folder (or below) or a configured drop folder. */
export function checkExtractFolder(dataDir: string, allowed: SendDestinations, out: string): string {
  const packages = normaliseLan(join(resolve(dataDir), 'packages'));
  const want = normaliseLan(out);
  if (want === packages || want.startsWith(packages + sep)) return out;
  if (allowed.lan.some((a) => !/^https?:/i.test(a) && normaliseLan(a) === want)) return out;
  throw new TillsyncError('destination-not-configured', `extract refused: ${out} is neither this till's packages folder nor a configured drop folder`, {
    hint: 'leave "out" empty (DATA/packages), or configure the folder with tillsync till init … --send-to FOLDER',
    status: 403,
  });
}
