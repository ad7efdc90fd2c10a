/**
 * Shared pieces of the pilot and base-file end-to-end tests: the real CLI as a child process, a
 * real SMTP server on loopback that keeps what it receives, and folder listings to prove that a
 * dry run wrote nothing.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { jsonLine, runCli, startCli } from '../support/cli-harness.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs `tillsync ARGS…` as a real child process (add '--json' yourself to get JSON). */
export async function tillsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: opts.cwd, env: opts.env });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr, json: r.json ?? null };
}

/** Like tillsync() but fails the test with the command's own error when it does not exit 0. */
export async function ok(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<any> {
  const r = await tillsync(['--json', ...args], opts);
  if (r.code !== 0) throw new Error(`tillsync ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.json;
}

/** Every file and folder under `dir` with size and modification time: equal listings = nothing written. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      out.push(`${relative(dir, p)} ${st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A real SMTP server on loopback that parses and keeps every message. */
export class MailSink {
  readonly messages: { to: string[]; mail: ParsedMail; raw: Buffer }[] = [];
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((mail) => {
            this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), mail, raw });
            callback();
          })
          .catch((e) => callback(e));
      });
    },
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface RunningServer {
  url: string;
  smtpPort: number | null;
  stop(): Promise<void>;
}

/** `tillsync server start` as a real child process; resolves once it listens. */
export async function startServer(args: string[], opts: { cwd?: string } = {}): Promise<RunningServer> {
  const s = await startCli(['server', 'start', ...args], jsonLine((j) => Boolean(j.listening)), { json: true, cwd: opts.cwd });
  return {
    url: s.ready.listening.url,
    smtpPort: s.ready.listening.smtp?.port ?? null,
    stop: async () => {
      await s.stop();
    },
  };
}

/** Polls `check` until it returns true or `ms` pass; returns whether it did. */
export async function waitFor(check: () => Promise<boolean>, ms = 30_000, every = 250): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}
