/**
 * A STAND-IN of the Exact Online REST API, for tests only (no Exact Online can be reached from
 * here). A real HTTP server on loopback speaking the request and response shapes of Exact's public
 * API reference (start.exactonline.nl/docs/HlpRestAPIResources.aspx; field lists as the
 * open-source clients picqer/exact-php-client and exactonline-api-dotnet-client carry them):
 *
 *   GET  /api/oauth2/auth            authorisation: approves at once, 302 to redirect_uri?code&state
 *   POST /api/oauth2/token           grant_type authorization_code | refresh_token (form body);
 *                                    { access_token, token_type, expires_in: "600", refresh_token };
 *                                    a refresh token works ONCE (rotation), errors { error: "invalid_grant" }
 *   GET  /api/v1/current/Me          { d: { results: [{ CurrentDivision, UserID, FullName }] } }
 *   GET  /api/v1/{div}/system/Divisions, financial/GLAccounts, financial/Journals, cashflow/Receivables
 *   GET|POST|PUT crm/Accounts        (PUT crm/Accounts(guid'…'))
 *   GET|POST salesentry/SalesEntries (a sales entry opens a receivable)
 *   POST documents/Documents, documents/DocumentAttachments (Attachment = base64)
 *   GET|POST|DELETE webhooks/WebhookSubscriptions; callbacks signed as Exact signs them:
 *     body {"Content":{…},"HashCode":"<HEX HMAC-SHA256 of the Content JSON with the webhook secret>"}
 *
 * Lists are OData v2 JSON `{"d":{"results":[…],"__next":"…"}}`, 60 rows a page; single POST answers
 * `{"d":{…}}` with 201. Every API answer carries Exact's rate-limit headers (X-RateLimit-Limit/
 * Remaining/Reset per day, X-RateLimit-Minutely-Limit/Remaining/Reset, resets in epoch ms); over
 * the minutely limit the answer is 429. The minute can be shortened for tests (`minuteMs`).
 * `$filter` understands `Field eq value` joined by `and` (strings, numbers, true/false, guid'…'),
 * compared as stored: numeric crm/Accounts codes are kept right-aligned on 18 characters, as Exact keeps them.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Row = Record<string, unknown>;

export interface StandinOptions {
  clientId: string;
  clientSecret: string;
  /** Secret the webhook callbacks are signed with (App Center's webhook secret); default the client secret. */
  webhookSecret?: string;
  divisions?: { Code: number; Description: string }[];
  glAccounts?: { Code: string; Description: string; Type: number }[];
  journals?: { Code: string; Description: string; Type: number }[];
  vatCodes?: string[];
  minutelyLimit?: number;
  dailyLimit?: number;
  minuteMs?: number;
  /** Seconds an access token lives (Exact: 600). */
  accessTtl?: number;
}

export const STANDIN_DIVISIONS = [
  { Code: 123456, Description: 'Boutique Paris' },
  { Code: 234567, Description: 'Boutique Lyon' },
];

/** Exact's French chart holds 400+ accounts; a few of each kind here. Type 110 = revenue, 20 = receivable, 24 = VAT, 12 = bank. */
export const STANDIN_GL_ACCOUNTS = [
  { Code: '411000', Description: 'Clients', Type: 20 },
  { Code: '410000', Description: 'Clients et comptes rattachés', Type: 20 },
  { Code: '445710', Description: 'TVA collectée 20%', Type: 24 },
  { Code: '445711', Description: 'TVA collectée 10%', Type: 24 },
  { Code: '445712', Description: 'TVA collectée 5,5%', Type: 24 },
  { Code: '445713', Description: 'TVA collectée 2,1%', Type: 24 },
  { Code: '512000', Description: 'Banque', Type: 12 },
  { Code: '530000', Description: 'Caisse', Type: 10 },
  { Code: '606000', Description: 'Achats non stockés', Type: 121 },
  { Code: '707000', Description: 'Ventes de marchandises', Type: 110 },
  { Code: '707100', Description: 'Ventes de marchandises 10%', Type: 110 },
  { Code: '707200', Description: 'Ventes de marchandises 5,5%', Type: 110 },
  { Code: '707300', Description: 'Ventes de marchandises 2,1%', Type: 110 },
  { Code: '708000', Description: 'Produits des activités annexes', Type: 110 },
];

/** Journal Type: 10 cash, 12 bank, 20 sales, 22 purchase, 90 general. */
export const STANDIN_JOURNALS = [
  { Code: '70', Description: 'Ventes', Type: 20 },
  { Code: '30', Description: 'Banque', Type: 12 },
  { Code: '31', Description: 'Caisse', Type: 10 },
  { Code: '60', Description: 'Achats', Type: 22 },
  { Code: '90', Description: 'Opérations diverses', Type: 90 },
];

interface Token {
  expires: number;
  revoked: boolean;
}

export interface StandinCall {
  method: string;
  path: string;
  status: number;
}

const PAGE = 60;

function guidOf(s: string): string | null {
  const m = /guid'([0-9a-f-]{36})'/i.exec(s);
  return m ? m[1].toLowerCase() : null;
}

/** `A eq 'x' and B eq 3 and C eq true` → predicates; anything else is a 400 like Exact's. */
function parseFilter(text: string | null): ((r: Row) => boolean) | string {
  if (!text) return () => true;
  const preds: ((r: Row) => boolean)[] = [];
  for (const part of text.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+eq\s+(.+?)\s*$/.exec(part);
    if (!m) return `unsupported $filter part: ${part}`;
    const [, field, raw] = m;
    let value: unknown;
    if (/^'.*'$/.test(raw)) value = raw.slice(1, -1).replace(/''/g, "'");
    else if (/^guid'/.test(raw)) value = guidOf(raw);
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else return `unsupported $filter value: ${raw}`;
    // Exact compares strings as they are stored: a numeric account Code is right-aligned on 18 characters.
    preds.push((r) => r[field] === value);
  }
  return (r) => preds.every((p) => p(r));
}

const cents = (x: unknown) => Math.round(Number(x) * 100);

export class ExactStandin {
  url = '';
  readonly calls: StandinCall[] = [];
  readonly accounts: Row[] = [];
  readonly salesEntries: Row[] = [];
  readonly documents: Row[] = [];
  readonly attachments: (Row & { bytes: Buffer })[] = [];
  readonly receivables: Row[] = [];
  readonly subscriptions: Row[] = [];
  /** Webhook callbacks delivered: status answered by the receiver. */
  readonly deliveries: { url: string; status: number }[] = [];
  readonly glAccounts: Row[];
  readonly journals: Row[];
  private readonly server: Server;
  private readonly codes = new Map<string, { redirect: string; expires: number }>();
  private readonly access = new Map<string, Token>();
  private readonly refresh = new Map<string, Token>();
  private minute = { start: 0, used: 0 };
  private day = { start: 0, used: 0 };
  private entryNumber = 70_000_001;
  /** Answer the next N API calls with 429 whatever the counters say (to test back-off). */
  throttleNext = 0;
  /** Fail the next N API calls of this path with a 500 after doing nothing. */
  failNext: { path: RegExp; times: number } | null = null;

  constructor(readonly opts: StandinOptions) {
    this.glAccounts = (opts.glAccounts ?? STANDIN_GL_ACCOUNTS).map((a) => ({ ID: randomUUID(), ...a, BalanceType: a.Type >= 110 ? 'W' : 'B' }));
    this.journals = (opts.journals ?? STANDIN_JOURNALS).map((j) => ({ ID: randomUUID(), ...j }));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => this.send(res, 500, { error: { code: '', message: { lang: '', value: String(e) } } }));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Every token given so far stops working (the user revoked the app in Exact). */
  revokeAll(): void {
    for (const t of [...this.access.values(), ...this.refresh.values()]) t.revoked = true;
  }

  /** Access tokens given so far expire now (the next API call answers 401 until refreshed). */
  expireAccessTokens(): void {
    for (const t of this.access.values()) t.expires = 0;
  }

  get liveRefreshTokens(): number {
    return [...this.refresh.values()].filter((t) => !t.revoked).length;
  }

  /** A payment registered in Exact: the receivable of this invoice (YourRef) is settled; webhooks fire. */
  async registerPayment(yourRef: string, opts: { full?: boolean } = {}): Promise<Row> {
    const r = this.receivables.find((x) => x.YourRef === yourRef);
    if (!r) throw new Error(`stand-in: no receivable for ${yourRef}`);
    r.IsFullyPaid = opts.full ?? true;
    r.Status = 50;
    r.Modified = new Date().toISOString();
    // Exact records the payment as a bank entry matched to the receivable: BankEntries subscribers hear of it.
    await this.notify('BankEntries', randomUUID(), `financialtransaction/BankEntries(guid'${randomUUID()}')`);
    return r;
  }

  /** Signs a webhook body as Exact does: HashCode = upper-case hex HMAC-SHA256 of the Content JSON. */
  signedBody(content: Row, secret = this.opts.webhookSecret ?? this.opts.clientSecret): string {
    const json = JSON.stringify(content);
    return `{"Content":${json},"HashCode":"${createHmac('sha256', secret).update(json).digest('hex').toUpperCase()}"}`;
  }

  private async notify(topic: string, key: string, endpoint: string): Promise<void> {
    for (const s of this.subscriptions.filter((x) => x.Topic === topic)) {
      const content = { Topic: topic, ClientId: this.opts.clientId, Division: s.Division, Action: 'Update', Key: key, ExactOnlineEndpoint: `${this.url}/api/v1/${s.Division}/${endpoint}`, EventCreatedOn: new Date().toISOString() };
      const res = await fetch(s.CallbackURL as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: this.signedBody(content) }).catch(() => null);
      this.deliveries.push({ url: s.CallbackURL as string, status: res?.status ?? 0 });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === null ? '' : JSON.stringify(body));
  }

  private odataError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.send(res, status, { error: { code: '', message: { lang: '', value: message } } }, headers);
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private issueTokens(): Row {
    const access = randomBytes(24).toString('base64url');
    const refresh = randomBytes(24).toString('base64url');
    const ttl = this.opts.accessTtl ?? 600;
    this.access.set(access, { expires: Date.now() + ttl * 1000, revoked: false });
    this.refresh.set(refresh, { expires: Date.now() + 30 * 86_400_000, revoked: false });
    // Exact sends expires_in as a string of seconds.
    return { access_token: access, token_type: 'bearer', expires_in: String(ttl), refresh_token: refresh };
  }

  private rateHeaders(): Record<string, string> {
    const minuteMs = this.opts.minuteMs ?? 60_000;
    const now = Date.now();
    if (now - this.minute.start >= minuteMs) this.minute = { start: now, used: 0 };
    if (now - this.day.start >= 86_400_000) this.day = { start: now, used: 0 };
    const ml = this.opts.minutelyLimit ?? 60;
    const dl = this.opts.dailyLimit ?? 5000;
    return {
      'X-RateLimit-Limit': String(dl),
      'X-RateLimit-Remaining': String(Math.max(0, dl - this.day.used)),
      'X-RateLimit-Reset': String(this.day.start + 86_400_000),
      'X-RateLimit-Minutely-Limit': String(ml),
      'X-RateLimit-Minutely-Remaining': String(Math.max(0, ml - this.minute.used)),
      'X-RateLimit-Minutely-Reset': String(this.minute.start + minuteMs),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const record = (status: number) => this.calls.push({ method, path: u.pathname, status });
    res.on('finish', () => record(res.statusCode));

    if (u.pathname === '/api/oauth2/auth' && method === 'GET') {
      const redirect = u.searchParams.get('redirect_uri') ?? '';
      if (u.searchParams.get('client_id') !== this.opts.clientId || u.searchParams.get('response_type') !== 'code' || !redirect) return this.send(res, 400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { redirect, expires: Date.now() + 600_000 });
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      if (u.searchParams.get('state')) to.searchParams.set('state', u.searchParams.get('state')!);
      res.writeHead(302, { location: to.toString() });
      return void res.end();
    }

    if (u.pathname === '/api/oauth2/token' && method === 'POST') {
      const f = new URLSearchParams(await this.body(req));
      if (f.get('client_id') !== this.opts.clientId || f.get('client_secret') !== this.opts.clientSecret) return this.send(res, 401, { error: 'invalid_client' });
      if (f.get('grant_type') === 'authorization_code') {
        const c = this.codes.get(f.get('code') ?? '');
        this.codes.delete(f.get('code') ?? '');
        if (!c || c.expires < Date.now() || c.redirect !== f.get('redirect_uri')) return this.send(res, 400, { error: 'invalid_grant', error_description: 'code unknown, used or expired' });
        return this.send(res, 200, this.issueTokens());
      }
      if (f.get('grant_type') === 'refresh_token') {
        const t = this.refresh.get(f.get('refresh_token') ?? '');
        if (!t || t.revoked || t.expires < Date.now()) return this.send(res, 400, { error: 'invalid_grant', error_description: 'refresh token unknown, used, revoked or expired' });
        // Rotation: a refresh token works once.
        t.revoked = true;
        return this.send(res, 200, this.issueTokens());
      }
      return this.send(res, 400, { error: 'unsupported_grant_type' });
    }

    if (!u.pathname.startsWith('/api/v1/')) return this.send(res, 404, { error: 'not found' });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const tok = bearer ? this.access.get(bearer) : undefined;
    if (!tok || tok.revoked || tok.expires < Date.now()) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      return void res.end('Unauthorized');
    }
    const rate = this.rateHeaders();
    if (this.throttleNext > 0 || Number(rate['X-RateLimit-Minutely-Remaining']) <= 0) {
      if (this.throttleNext > 0) this.throttleNext--;
      return this.odataError(res, 429, 'Too many requests', { ...rate, 'X-RateLimit-Minutely-Remaining': '0' });
    }
    this.minute.used++;
    this.day.used++;
    const headers = this.rateHeaders();
    if (this.failNext && this.failNext.path.test(u.pathname) && this.failNext.times > 0) {
      this.failNext.times--;
      return this.odataError(res, 500, 'stand-in: injected failure', headers);
    }

    if (u.pathname === '/api/v1/current/Me') return this.send(res, 200, { d: { results: [{ CurrentDivision: this.divisions[0].Code, UserID: randomUUID(), FullName: 'Comptable Test', UserName: 'compta@example.fr' }] } }, headers);
    const m = /^\/api\/v1\/(\d+)\/(\w+\/\w+)(?:\(guid'([0-9a-f-]{36})'\))?$/i.exec(u.pathname);
    if (!m) return this.odataError(res, 404, `no resource ${u.pathname}`, headers);
    const division = Number(m[1]);
    if (!this.divisions.some((d) => d.Code === division)) return this.odataError(res, 403, `division ${division} is not accessible`, headers);
    const resource = m[2];
    const key = m[3]?.toLowerCase() ?? null;
    const tables: Record<string, Row[]> = {
      'system/Divisions': this.divisions.map((d) => ({ ...d })),
      'financial/GLAccounts': this.glAccounts,
      'financial/Journals': this.journals,
      'crm/Accounts': this.accounts,
      'salesentry/SalesEntries': this.salesEntries,
      'documents/Documents': this.documents,
      'documents/DocumentAttachments': this.attachments,
      'cashflow/Receivables': this.receivables,
      'webhooks/WebhookSubscriptions': this.subscriptions,
    };
    const table = tables[resource];
    if (!table) return this.odataError(res, 404, `no resource ${resource}`, headers);

    if (method === 'GET') {
      const filter = parseFilter(u.searchParams.get('$filter'));
      if (typeof filter === 'string') return this.odataError(res, 400, filter, headers);
      const rows = table.filter((r) => (key ? r.ID === key : true)).filter(filter).map(({ bytes: _b, ...r }) => r);
      const skip = Number(u.searchParams.get('$skiptoken') ?? 0);
      const page = rows.slice(skip, skip + PAGE);
      const d: Row = { results: page };
      if (skip + PAGE < rows.length) {
        const next = new URL(u.toString());
        next.searchParams.set('$skiptoken', String(skip + PAGE));
        d.__next = next.toString();
      }
      return this.send(res, 200, { d }, headers);
    }

    let input: Row;
    try {
      input = method === 'DELETE' ? {} : (JSON.parse(await this.body(req)) as Row);
    } catch {
      return this.odataError(res, 400, 'body is not JSON', headers);
    }
    const now = new Date().toISOString();

    if (resource === 'crm/Accounts' && method === 'POST') {
      if (!input.Name || !input.Code) return this.odataError(res, 400, 'Name and Code are mandatory', headers);
      // Exact's account Code: "fixed length numeric string with leading spaces, length 18".
      const code = /^\d+$/.test(String(input.Code).trim()) ? String(input.Code).trim().padStart(18, ' ') : String(input.Code);
      if (this.accounts.some((a) => a.Code === code)) return this.odataError(res, 400, `Code ${input.Code} already exists`, headers);
      const row = { ID: randomUUID(), ...input, Code: code, Created: now, Modified: now };
      this.accounts.push(row);
      return this.send(res, 201, { d: row }, headers);
    }
    if (resource === 'crm/Accounts' && method === 'PUT' && key) {
      const row = this.accounts.find((a) => a.ID === key);
      if (!row) return this.odataError(res, 404, 'account not found', headers);
      Object.assign(row, input, { ID: key, Modified: now });
      return this.send(res, 204, null, headers);
    }
    if (resource === 'documents/Documents' && method === 'POST') {
      if (!input.Subject || !input.Type) return this.odataError(res, 400, 'Subject and Type are mandatory', headers);
      const row = { ID: randomUUID(), ...input, Created: now };
      this.documents.push(row);
      return this.send(res, 201, { d: row }, headers);
    }
    if (resource === 'documents/DocumentAttachments' && method === 'POST') {
      if (!this.documents.some((d) => d.ID === input.Document)) return this.odataError(res, 400, 'Document not found', headers);
      const bytes = Buffer.from(String(input.Attachment ?? ''), 'base64');
      if (!input.FileName || !bytes.length) return this.odataError(res, 400, 'FileName and Attachment are mandatory', headers);
      const row = { ID: randomUUID(), Document: input.Document, FileName: input.FileName, FileSize: bytes.length, bytes };
      this.attachments.push(row);
      const { bytes: _b, ...out } = row;
      return this.send(res, 201, { d: out }, headers);
    }
    if (resource === 'salesentry/SalesEntries' && method === 'POST') return this.postSalesEntry(res, input, division, headers);
    if (resource === 'webhooks/WebhookSubscriptions' && method === 'POST') {
      if (!/^https?:\/\//.test(String(input.CallbackURL ?? '')) || !input.Topic) return this.odataError(res, 400, 'CallbackURL and Topic are mandatory', headers);
      const row = { ID: randomUUID(), CallbackURL: input.CallbackURL, Topic: input.Topic, Division: division, ClientID: this.opts.clientId, Created: now };
      this.subscriptions.push(row);
      return this.send(res, 201, { d: row }, headers);
    }
    if (resource === 'webhooks/WebhookSubscriptions' && method === 'DELETE' && key) {
      const i = this.subscriptions.findIndex((s) => s.ID === key);
      if (i < 0) return this.odataError(res, 404, 'subscription not found', headers);
      this.subscriptions.splice(i, 1);
      return this.send(res, 204, null, headers);
    }
    return this.odataError(res, 405, `${method} not supported on ${resource}`, headers);
  }

  get divisions(): { Code: number; Description: string }[] {
    return this.opts.divisions ?? STANDIN_DIVISIONS;
  }

  private postSalesEntry(res: ServerResponse, e: Row, division: number, headers: Record<string, string>): void {
    const journal = this.journals.find((j) => j.Code === e.Journal);
    if (!journal || journal.Type !== 20) return this.odataError(res, 400, `Journal ${e.Journal} is not a sales journal`, headers);
    const customer = this.accounts.find((a) => a.ID === e.Customer);
    if (!customer) return this.odataError(res, 400, 'Customer not found', headers);
    const lines = Array.isArray(e.SalesEntryLines) ? (e.SalesEntryLines as Row[]) : [];
    if (!lines.length) return this.odataError(res, 400, 'SalesEntryLines is mandatory', headers);
    const vat = new Set(this.opts.vatCodes ?? ['VN', 'VR', 'VS', 'VP']);
    let total = 0;
    for (const l of lines) {
      if (!this.glAccounts.some((g) => g.ID === l.GLAccount)) return this.odataError(res, 400, `GLAccount ${String(l.GLAccount)} not found`, headers);
      if (l.VATCode !== undefined && !vat.has(String(l.VATCode))) return this.odataError(res, 400, `VATCode ${String(l.VATCode)} not found`, headers);
      total += cents(l.AmountFC) + cents(l.VATAmountFC ?? 0);
    }
    if (e.Document !== undefined && !this.documents.some((d) => d.ID === e.Document)) return this.odataError(res, 400, 'Document not found', headers);
    const entry = {
      EntryID: randomUUID(), EntryNumber: this.entryNumber++, Division: division, Journal: e.Journal, Customer: e.Customer, CustomerName: customer.Name,
      EntryDate: e.EntryDate, YourRef: e.YourRef, Description: e.Description, Type: e.Type ?? 20, Document: e.Document ?? null, AmountDC: total / 100, Status: 20,
      SalesEntryLines: lines, Created: new Date().toISOString(),
    };
    this.salesEntries.push(entry);
    this.receivables.push({
      ID: randomUUID(), Account: customer.ID, AccountCode: customer.Code, AccountName: customer.Name, AmountDC: total / 100, TransactionAmountDC: total / 100,
      InvoiceNumber: entry.EntryNumber, InvoiceDate: e.EntryDate, EntryNumber: entry.EntryNumber, YourRef: e.YourRef, Description: e.Description, Journal: e.Journal,
      IsFullyPaid: false, Status: 20, Modified: new Date().toISOString(),
    });
    this.send(res, 201, { d: entry }, headers);
  }
}

export async function startExactStandin(opts: StandinOptions): Promise<ExactStandin> {
  return new ExactStandin(opts).start();
}
