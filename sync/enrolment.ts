/**
 * The enrolment string: everything a till needs to join its store server, in one line the operator
 * copies from `server enroll-till` to `till init --enrolment`: server URL, store, till, the till's
 * auth secret and, under TLS, the server certificate's SHA-256 fingerprint (pinned by the till).
 * It holds a secret: give it to the till by hand (not by mail), once.
 */
import { TillsyncError } from './errors.ts';

export const ENROLMENT_PREFIX = 'tillsync-enrol1.';

export interface Enrolment {
  url: string;
  store: string;
  till: string;
  secret: string;
  fingerprint?: string;
}

export function encodeEnrolment(e: Enrolment): string {
  const body = { u: e.url, s: e.store, t: e.till, k: e.secret, ...(e.fingerprint ? { f: e.fingerprint } : {}) };
  return ENROLMENT_PREFIX + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeEnrolment(text: string): Enrolment {
  const bad = (why: string) => new TillsyncError('bad-enrolment', `the enrolment string ${why}`, { hint: 'copy the whole line printed by tillsync server enroll-till (it starts with tillsync-enrol1.)' });
  const t = text.trim();
  if (!t.startsWith(ENROLMENT_PREFIX)) throw bad(`does not start with ${ENROLMENT_PREFIX}`);
  let v: any;
  try {
    v = JSON.parse(Buffer.from(t.slice(ENROLMENT_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad('is damaged (cut or mistyped)');
  }
  if (!v || typeof v.u !== 'string' || typeof v.s !== 'string' || typeof v.t !== 'string' || typeof v.k !== 'string' || (v.f !== undefined && typeof v.f !== 'string')) throw bad('lacks a field');
  return { url: v.u, store: v.s, till: v.t, secret: v.k, ...(v.f ? { fingerprint: v.f } : {}) };
}
