/**
 * Where a base bundle comes from on the till: the bundle file itself, a folder where received
 * bundles are saved (the seed's "fcomp": the newest bundle in it is taken), or a saved mail (.eml)
 * whose attachment is the bundle — whatever the person at the till managed to save.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { isBaseBundleName, peekBaseBundle } from '../sync/base-bundle.ts';

export interface BundleSource {
  /** The bundle's own file name (inside a mail: the attachment's name). */
  fileName: string;
  /** What the user named (file, folder or mail). */
  origin: string;
  bytes: Buffer;
}

/** mailparser, loaded for a mail only (every `till` command reaches this module). */
async function parseMail(bytes: Buffer) {
  const { simpleParser } = await import('mailparser');
  return simpleParser(bytes);
}

async function fromMail(path: string): Promise<BundleSource> {
  const mail = await parseMail(readFileSync(path));
  const att = mail.attachments.filter((a) => a.filename && isBaseBundleName(a.filename));
  if (att.length === 0) throw new TillsyncError('no-bundle', `${path}: the mail carries no base bundle (Base<store>_….zip attachment)`, { hint: 'save the mail sent by server publish-base, or its attachment', ref: { file: basename(path) } });
  // Several bundles in one mail: take the newest one by its (claimed) version; verification follows.
  const best = att
    .map((a) => ({ a, v: safePeek(a.content, a.filename!) }))
    .sort((x, y) => (y.v ?? -1) - (x.v ?? -1))[0]!.a;
  return { fileName: best.filename!, origin: path, bytes: best.content };
}

function safePeek(bytes: Buffer, name: string): number | null {
  try {
    return peekBaseBundle(bytes, name).version;
  } catch {
    return null;
  }
}

/**
 * The newest bundle of a folder, whether saved as the bundle itself or as the mail that carried it
 * (.eml): the cashier saves whichever their mail program offers.
 */
async function fromFolder(dir: string): Promise<BundleSource> {
  const candidates: { n: string; origin: string; bytes: Buffer; v: number | null }[] = [];
  let mails = 0;
  for (const n of readdirSync(dir)) {
    if (isBaseBundleName(n)) {
      const bytes = readFileSync(join(dir, n));
      candidates.push({ n, origin: join(dir, n), bytes, v: safePeek(bytes, n) });
    } else if (/\.eml$/i.test(n) && statSync(join(dir, n)).isFile()) {
      mails++;
      try {
        const mail = await parseMail(readFileSync(join(dir, n)));
        for (const a of mail.attachments) {
          if (a.filename && isBaseBundleName(a.filename)) candidates.push({ n: a.filename, origin: join(dir, n), bytes: a.content, v: safePeek(a.content, a.filename) });
        }
      } catch {
        // A mail that does not parse carries nothing we can take; the others still count.
      }
    }
  }
  const readable = candidates.filter((c) => c.v !== null).sort((a, b) => b.v! - a.v! || b.n.localeCompare(a.n));
  if (readable.length === 0) {
    const why = candidates.length ? `${candidates.length} base bundle(s), none readable` : `no Base<store>_….zip file${mails ? ` and no bundle attached to its ${mails} saved mail(s)` : ' and no saved mail (.eml) carrying one'}`;
    throw new TillsyncError('no-bundle', `${dir}: ${why}`, { hint: 'save the received bundle (or the mail that carried it) into this folder, or publish again, then apply-base', ref: { file: dir } });
  }
  const best = readable[0]!;
  return { fileName: best.n, origin: best.origin, bytes: best.bytes };
}

export async function readBundleSource(path: string): Promise<BundleSource> {
  if (!existsSync(path)) throw new TillsyncError('no-file', `${path} not found`, { hint: 'give the bundle file, the folder it was saved in, or the saved mail', ref: { file: basename(path) } });
  if (statSync(path).isDirectory()) return await fromFolder(path);
  if (/\.eml$/i.test(path)) return fromMail(path);
  return { fileName: basename(path), origin: path, bytes: readFileSync(path) };
}
