/**
 * One suite, every transport (Hono-router style): each case pairs a transport with a REAL receiving
 * end on this machine — a folder, an HTTP test receiver (express on loopback; the real server
 * endpoint lives in server/intake and has its own tests), an SMTP server (smtp-server on loopback,
 * messages parsed with mailparser).
 */
import { watch } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { TillsyncError } from '../errors.ts';
import { readTicketPackage } from '../package-reader.ts';
import { writeTicketPackage } from '../package-writer.ts';
import { API } from '../replication-protocol.ts';
import { macMatches, parseSignedHeaders } from '../request-auth.ts';
import { HttpUploadTransport } from './http-upload.ts';
import { LanFolderTransport } from './lan-folder.ts';
import { MailTransport } from './mail-sender.ts';
import type { PackageTransport, TransportChannel } from './transport.ts';
import { transportFor } from './transport-for.ts';

const SECRET = 'secret-S1-01';
const TILL_ID = 'S1-01';
const created = new Date(2026, 10, 24, 9, 30, 0);

let work: string;
let outbox: string;
/** Two packages the till extracted: a small one and a bigger one (~2,000 tickets). */
let small: { path: string; fileName: string };
let big: { path: string; fileName: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'transports-'));
  outbox = join(work, 'outbox');
  const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 2000, seed: 11 })];
  small = await writeTicketPackage(outbox, { store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(0, 5), secret: SECRET, created });
  big = await writeTicketPackage(outbox, { store: 'S1', till: '01', kind: 'untransferred', tickets, secret: SECRET, created });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Delivered {
  name: string;
  bytes: Buffer;
}

interface Rig {
  transport: PackageTransport;
  /** Everything the receiving end got so far. */
  received(): Promise<Delivered[]>;
  /** A transport of the same kind aimed at a receiving end that is not there. */
  dead(): Promise<PackageTransport>;
  close(): Promise<void>;
}

interface TransportCase {
  channel: TransportChannel;
  deadCode: string;
  rig(): Promise<Rig>;
}

// ── receiving ends ──────────────────────────────────────────────────────────────────────────────

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

interface Upload {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** HTTP test receiver: stands in for the server's upload endpoint, checks the till's credentials. */
async function startTestReceiver(opts: { refuse?: { status: number; body: string; type: string } } = {}) {
  const uploads: Upload[] = [];
  const app = express();
  app.post(API.upload, express.raw({ type: 'application/zip', limit: '50mb' }), (req, res) => {
    if (opts.refuse) {
      res.status(opts.refuse.status).type(opts.refuse.type).send(opts.refuse.body);
      return;
    }
    // Checks the request signature as the store server does (sync/request-auth.ts).
    const signed = parseSignedHeaders((n) => req.get(n), req.method, req.originalUrl);
    if ('problem' in signed || signed.parts.till !== TILL_ID || !macMatches(SECRET, signed.parts, signed.mac)) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'unknown till or wrong secret' } });
      return;
    }
    uploads.push({ headers: req.headers, body: req.body as Buffer });
    res.status(201).json({ accepted: true, file: req.headers['x-filename'], bytes: (req.body as Buffer).length });
  });
  const server = createServer(app);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, uploads, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Real SMTP server on loopback; every message is parsed before the server answers the DATA. */
async function startSmtp() {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// ── the cases ───────────────────────────────────────────────────────────────────────────────────

const CASES: TransportCase[] = [
  {
    channel: 'lan',
    deadCode: 'no-folder',
    async rig() {
      const drop = await mkdtemp(join(work, 'drop-'));
      return {
        transport: new LanFolderTransport(drop),
        async received() {
          const names = (await readdir(drop)).filter((n) => !n.endsWith('.part')).sort();
          return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(drop, name)) })));
        },
        dead: async () => new LanFolderTransport(join(work, 'share-not-mounted', 'inbox')),
        close: async () => undefined,
      };
    },
  },
  {
    channel: 'http',
    deadCode: 'server-unreachable',
    async rig() {
      const receiver = await startTestReceiver();
      return {
        transport: new HttpUploadTransport({ url: receiver.url, tillId: TILL_ID, secret: SECRET }),
        received: async () => receiver.uploads.map((u) => ({ name: String(u.headers['x-filename']), bytes: u.body })),
        dead: async () => new HttpUploadTransport({ url: `http://127.0.0.1:${await closedPort()}`, tillId: TILL_ID, secret: SECRET }),
        close: receiver.close,
      };
    },
  },
  {
    channel: 'mail',
    deadCode: 'mail-failed',
    async rig() {
      const smtp = await startSmtp();
      return {
        transport: new MailTransport({ to: ['compta@store.example'], smtpUrl: smtp.url }),
        received: async () => smtp.messages.flatMap((m) => m.attachments.map((a) => ({ name: a.filename ?? '', bytes: a.content }))),
        dead: async () => new MailTransport({ to: ['compta@store.example'], smtpUrl: `smtp://127.0.0.1:${await closedPort()}` }),
        close: smtp.close,
      };
    },
  },
];

for (const c of CASES) {
  describe(`transport ${c.channel} (shared suite)`, () => {
    let rig: Rig;
    beforeEach(async () => {
      rig = await c.rig();
    });
    afterEach(async () => {
      await rig.close();
    });

    it('delivers the package byte for byte under its own name', async () => {
      const result = await rig.transport.send(small.path);
      expect(result.channel).toBe(c.channel);
      expect(rig.transport.channel).toBe(c.channel);
      expect(result.target).toBeTruthy();
      const got = await rig.received();
      expect(got.map((d) => d.name)).toEqual([small.fileName]);
      expect(got[0].bytes.equals(await readFile(small.path))).toBe(true);
      // What arrives is still a package the server can verify.
      expect(readTicketPackage(got[0].bytes, got[0].name, () => SECRET).tickets).toHaveLength(5);
    });

    it('delivers a bigger package intact, and two packages as two', async () => {
      await rig.transport.send(small.path);
      await rig.transport.send(big.path);
      const got = await rig.received();
      expect(got.map((d) => d.name).sort()).toEqual([small.fileName, big.fileName].sort());
      const bigGot = got.find((d) => d.name === big.fileName)!;
      expect(bigGot.bytes.length).toBeGreaterThan(200_000);
      expect(bigGot.bytes.equals(await readFile(big.path))).toBe(true);
    });

    it('a missing file fails with one line naming it, nothing is delivered', async () => {
      const missing = join(outbox, 'TicDeg01_20991231235959.zip');
      const err = await rig.transport.send(missing).catch((e) => e);
      expect(err).toBeInstanceOf(TillsyncError);
      expect(err.code).toBe('no-file');
      expect(err.message).toBe(`cannot read ${missing}: no such file`);
      expect(await rig.received()).toEqual([]);
    });

    it('a receiving end that is not there gives one clear error', async () => {
      const dead = await rig.dead();
      const err = await dead.send(small.path).catch((e) => e);
      expect(err).toBeInstanceOf(TillsyncError);
      expect(err.code).toBe(c.deadCode);
      expect(err.message).toContain(small.fileName);
      expect(err.message).not.toMatch(/\n/);
      expect(err.hint).toBeTruthy();
    });
  });
}

// ── what only one transport can show ─────────────────────────────────────────────────────────────

describe('LAN folder specifics', () => {
  it('the final name appears only once the file is complete (written as .part, then renamed)', async () => {
    const drop = await mkdtemp(join(work, 'watched-'));
    const events: [string, string][] = [];
    const watcher = watch(drop, (ev, name) => events.push([ev, String(name)]));
    try {
      await new LanFolderTransport(drop).send(big.path);
      // inotify keeps order: once the sentinel's event is in, every event of the send is too.
      await writeFile(join(drop, 'sentinel'), 'x');
      await expect.poll(() => events.some(([, n]) => n === 'sentinel')).toBe(true);
    } finally {
      watcher.close();
    }
    const part = `${big.fileName}.part`;
    const onFinal = events.filter(([, n]) => n === big.fileName);
    // Written in place, the final name would see 'change' events while it grows.
    expect(onFinal.map(([ev]) => ev)).toEqual(['rename']);
    const firstFinal = events.findIndex(([, n]) => n === big.fileName);
    const lastPartWrite = events.map(([ev, n]) => ev === 'change' && n === part).lastIndexOf(true);
    expect(lastPartWrite).toBeGreaterThan(-1);
    expect(firstFinal).toBeGreaterThan(lastPartWrite);
    expect((await readdir(drop)).sort()).toEqual([big.fileName, 'sentinel']);
  });

  it('sending the same file twice leaves one file; a different file of the same name is kept beside it', async () => {
    const drop = await mkdtemp(join(work, 'resend-'));
    const lan = new LanFolderTransport(drop);
    const first = await lan.send(small.path);
    const again = await lan.send(small.path);
    expect(again.target).toBe(first.target);
    expect((again.detail as { alreadyThere: boolean }).alreadyThere).toBe(true);
    expect(await readdir(drop)).toEqual([small.fileName]);
    // Another store's till 01 extracting in the same second makes the same name with other bytes.
    const otherStore = join(work, 'other-store');
    const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 3, seed: 2, store: 'S2' })];
    const other = await writeTicketPackage(otherStore, { store: 'S2', till: '01', kind: 'degraded', tickets, secret: 'secret-S2-01', created });
    expect(other.fileName).toBe(small.fileName);
    const third = await lan.send(other.path);
    expect(third.target).toBe(join(drop, 'TicDeg01_20261124093000-2.zip'));
    expect((await readdir(drop)).sort()).toEqual([small.fileName, 'TicDeg01_20261124093000-2.zip'].sort());
    expect((await readFile(join(drop, small.fileName))).equals(await readFile(small.path))).toBe(true);
    expect((await readFile(third.target)).equals(await readFile(other.path))).toBe(true);
  });
});

describe('HTTP upload specifics', () => {
  it('sends the raw zip with the till credentials and returns the server answer', async () => {
    const receiver = await startTestReceiver();
    try {
      // A trailing slash or a path prefix on the server URL is kept as given.
      const result = await new HttpUploadTransport({ url: receiver.url + '/', tillId: TILL_ID, secret: SECRET }).send(small.path);
      expect(result.target).toBe(`${receiver.url}${API.upload}`);
      expect(result.detail).toEqual({ accepted: true, file: small.fileName, bytes: (await readFile(small.path)).length });
      const [u] = receiver.uploads;
      // Signed, never sent: no header carries the auth secret.
      expect(u.headers.authorization).toMatch(/^Tillsync-HMAC-SHA256 [0-9a-f]{64}$/);
      expect(JSON.stringify(u.headers)).not.toContain(SECRET);
      expect(u.headers['x-tillsync-till']).toBe(TILL_ID);
      expect(u.headers['content-type']).toBe('application/zip');
      expect(u.headers['x-filename']).toBe(small.fileName);
    } finally {
      await receiver.close();
    }
  });

  it('a wrong secret is refused by the receiver: the error carries the server message and status', async () => {
    const receiver = await startTestReceiver();
    try {
      const err = await new HttpUploadTransport({ url: receiver.url, tillId: TILL_ID, secret: 'wrong' }).send(small.path).catch((e) => e);
      expect(err).toBeInstanceOf(TillsyncError);
      expect(err.code).toBe('upload-refused');
      expect(err.status).toBe(401);
      expect(err.message).toBe(`server refused ${small.fileName} (HTTP 401): unknown till or wrong secret`);
      expect(receiver.uploads).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it.each([
    [{ status: 422, type: 'application/json', body: JSON.stringify({ error: { message: 'TicDeg01: signature does not match', hint: 'check the till secret' } }) }, /HTTP 422\): TicDeg01: signature does not match$/, 'check the till secret'],
    [{ status: 413, type: 'application/json', body: JSON.stringify({ message: 'too big' }) }, /HTTP 413\): too big$/, undefined],
    [{ status: 502, type: 'text/html', body: '<html>\n<body>Bad gateway</body>\n</html>' }, /HTTP 502\): <html> <body>Bad gateway<\/body> <\/html>$/, undefined],
  ])('non-2xx answers become one-line errors (%#)', async (refuse, message, hint) => {
    const receiver = await startTestReceiver({ refuse });
    try {
      const err = await new HttpUploadTransport({ url: receiver.url, tillId: TILL_ID, secret: SECRET }).send(small.path).catch((e) => e);
      expect(err).toBeInstanceOf(TillsyncError);
      expect(err.status).toBe(refuse.status);
      expect(err.message).toMatch(message);
      if (hint) expect(err.hint).toBe(hint);
    } finally {
      await receiver.close();
    }
  });
});

describe('mail specifics', () => {
  it('subject names store, till and file; the zip is attached as is, to every recipient', async () => {
    const smtp = await startSmtp();
    try {
      const result = await new MailTransport({ to: ['compta@store.example', 'it@store.example'], smtpUrl: smtp.url, from: 'till01@store.example' }).send(small.path);
      expect(result.target).toBe('compta@store.example, it@store.example');
      expect(smtp.messages).toHaveLength(1);
      const mail = smtp.messages[0];
      expect(mail.subject).toBe(`[tillsync] S1 till 01 ${small.fileName}`);
      expect(mail.from?.text).toBe('till01@store.example');
      const to = Array.isArray(mail.to) ? mail.to : [mail.to!];
      expect(to.flatMap((a) => a.value.map((v) => v.address))).toEqual(['compta@store.example', 'it@store.example']);
      expect(mail.text).toContain(`Package ${small.fileName} from store S1, till 01: 5 tickets.`);
      expect(mail.attachments).toHaveLength(1);
      expect(mail.attachments[0].contentType).toBe('application/zip');
      expect(mail.attachments[0].content.equals(await readFile(small.path))).toBe(true);
    } finally {
      await smtp.close();
    }
  });

  it('a file that is not a package is still mailed, named by its file name', async () => {
    const smtp = await startSmtp();
    try {
      const other = join(work, 'notes.txt');
      await writeFile(other, 'not a zip');
      await new MailTransport({ to: ['it@store.example'], smtpUrl: smtp.url }).send(other);
      expect(smtp.messages[0].subject).toBe('[tillsync] notes.txt');
      expect(smtp.messages[0].attachments[0].content.toString()).toBe('not a zip');
    } finally {
      await smtp.close();
    }
  });
});

describe('transportFor', () => {
  it('picks the transport from the options', () => {
    expect(transportFor({ lan: '/mnt/server/inbox' })).toBeInstanceOf(LanFolderTransport);
    expect(transportFor({ lan: 'http://server:8080', tillId: TILL_ID, secret: SECRET })).toBeInstanceOf(HttpUploadTransport);
    expect(transportFor({ lan: 'HTTPS://server', tillId: TILL_ID, secret: SECRET }).channel).toBe('http');
    expect(transportFor({ mail: ['a@b.c'], smtp: 'smtp://mail:25' })).toBeInstanceOf(MailTransport);
  });

  it('refuses incomplete or ambiguous choices with a hint', () => {
    const cases: [Parameters<typeof transportFor>[0], RegExp][] = [
      [{}, /say where to send/],
      [{ lan: '/x', mail: ['a@b.c'], smtp: 'smtp://m' }, /either --lan or --mail/],
      [{ mail: ['a@b.c'] }, /needs the mail server/],
      [{ lan: 'http://server:8080' }, /without the till identity and secret/],
      [{ lan: 'ftp://server/inbox' }, /only folders and http/],
      [{ mail: ['a@b.c'], smtp: 'mail.example.com' }, /not an SMTP URL/],
    ];
    for (const [choice, message] of cases) {
      let err: unknown;
      try {
        transportFor(choice);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(choice)).toBeInstanceOf(TillsyncError);
      expect((err as TillsyncError).message).toMatch(message);
      expect((err as TillsyncError).hint).toBeTruthy();
    }
  });
});
