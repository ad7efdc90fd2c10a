/**
 * Helpers for the intake end-to-end suites: real `tillsync` child processes (server init, enroll,
 * start, intake) and hostile package files built byte by byte.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { signManifest } from '../../sync/signed-zip.ts';
import { PACKAGE_FORMAT, PACKAGE_VERSION } from '../../sync/package-format.ts';
import { rawZip, type RawEntry } from '../../sync/raw-zip.ts';
import { jsonLine, runCli as run, startCli } from '../support/cli-harness.ts';
import { freePort } from '../../sync/free-port.ts';
import { readApiToken, TOKEN_HEADER } from '../../client/api-token.ts';
export { freePort };
export { rawZip };


export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `tillsync ARGS…` to completion. */
export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const r = await run(args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 120_000 });
  return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  smtpPort: number | null;
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

/** Starts `tillsync server start ARGS…` and resolves once it prints where it listens. */
export async function startServerProcess(args: string[], opts: { timeoutMs?: number } = {}): Promise<ServerProcess> {
  const listening = (out: string) => (/Ctrl-C to stop/.test(out) ? (/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out) ?? undefined) : undefined);
  const s = await startCli(['server', 'start', '--host', '127.0.0.1', ...args], listening, { timeoutMs: opts.timeoutMs ?? 60_000 });
  const smtp = /SMTP on 127\.0\.0\.1:(\d+)/.exec(s.output());
  const port = Number(s.ready[1]);
  return { proc: s.child, port, url: `http://127.0.0.1:${port}`, smtpPort: smtp ? Number(smtp[1]) : null, output: s.output, stop: s.stop };
}

export async function pollUntil<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile packages, written byte by byte (adm-zip would refuse to write some of them).

/** A correctly signed ticket-package manifest for `entries` (so only the hostile part is wrong). */
function signedManifest(entries: RawEntry[], secret: string, till = '01'): RawEntry {
  const manifest: Record<string, unknown> = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    store: 'S1',
    till,
    kind: 'degraded',
    created: new Date().toISOString(),
    count: 0,
    firstNumber: null,
    lastNumber: null,
    totals: { due: '0.00', inclVat: '0.00' },
    entries: entries.map((e) => ({ name: e.name, size: e.data.length, sha256: createHash('sha256').update(e.data).digest('hex') })),
  };
  manifest.signature = signManifest(manifest, secret);
  return { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) };
}

/** A well-formed package whose manifest carries no signature at all. */
export function unsignedPackage(tickets: { id: string }[] = []): Buffer {
  const data = { name: 'tickets.jsonl', data: Buffer.from(tickets.map((t) => `${JSON.stringify(t)}\n`).join('')) };
  // A format-2 manifest whose signature nobody made: no key signed it, so no till can have sent it.
  const m = JSON.parse(signedManifest([data], 'unused').data.toString()) as Record<string, unknown>;
  for (const k of ['keyId', 'signer']) delete m[k];
  m.version = 2;
  m.signature = '0'.repeat(64);
  return rawZip([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }, data]);
}

/** Zip slip: an entry that would land outside the folder it is unpacked into. */
export function zipSlipPackage(secret: string): Buffer {
  const evil = { name: '../../evil.sh', data: Buffer.from('#!/bin/sh\necho owned\n') };
  return rawZip([signedManifest([evil], secret), evil]);
}

/** Zip bomb: tickets.jsonl of 40 MiB of blanks, a few dozen KiB compressed. */
export function zipBombPackage(secret: string): Buffer {
  const bomb = { name: 'tickets.jsonl', data: Buffer.alloc(40 * 1024 * 1024, 0x20) };
  return rawZip([signedManifest([bomb], secret), bomb]);
}

export interface TillProcess {
  proc: ChildProcess;
  url: string;
  /** Headers every call to its local API needs (the operator token of DATA/api-token). */
  headers: Record<string, string>;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `tillsync till start --data DIR --port 0 --json ARGS…` and resolves once it is ready. */
export async function startTillProcess(data: string, args: string[] = [], opts: { env?: Record<string, string> } = {}): Promise<TillProcess> {
  const t = await startCli(['till', 'start', '--data', data, '--port', '0', ...args], jsonLine((j) => 'ready' in j), { json: true, env: opts.env, timeoutMs: 90_000 });
  return { proc: t.child, url: t.ready.url, headers: { [TOKEN_HEADER]: readApiToken(data) ?? '' }, output: t.output, stop: t.stop };
}
