/**
 * `tillsync audit verify`: checks a fiscal archive (sync/archive-format.ts) as a tax auditor would,
 * with nothing but the archive — no secret, no database. Every signature (whole file, closures,
 * journal events), every chain (tickets, closures of each kind, journal), every count and hash of
 * the manifest, and every closure's figures recomputed from the tickets or closures it sums.
 *
 * Input is hostile until proven otherwise: nothing here throws on a damaged archive; each problem is
 * a finding naming the entry, the line and the record, and the archive is accepted only with none.
 */
import AdmZip from 'adm-zip';
import { closureFigures, ticketFigures, type ClosureFigures } from './closure-totals.ts';
import { verifyJetChain, type JetEvent } from './jet.ts';
import { D } from './money.ts';
import { checkSeal, GENESIS } from './seal.ts';
import { verifyChain, GENESIS_HASH } from './ticket-chain.ts';
import { keyChangeProblem } from './key-change.ts';
import { keyFingerprint, keyIdOf, verifyText } from './till-keys.ts';
import type { Closure, ClosureKind, Ticket } from './types.ts';
import { ARCHIVE_ENTRIES, ARCHIVE_FORMAT, readZipSignature, sha256Hex, type ArchiveKey, type ArchiveManifest } from './archive-format.ts';

export interface AuditFinding {
  severity: 'error' | 'warning';
  /** What kind of problem: 'file-signature', 'altered', 'bad-signature', 'broken-link', 'gap', 'figures', 'count', 'hash', … */
  kind: string;
  /** The archive entry ('archive' for the file itself). */
  entry: string;
  line?: number;
  /** The record: ticket, closure or event id. */
  ref?: string;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  file: string;
  format: string | null;
  origin: string | null;
  store: string | null;
  till: string | null;
  period: string | null;
  created: string | null;
  software: string | null;
  signedBy: { keyId: string; fingerprint: string } | null;
  keys: { keyId: string; fingerprint: string; owner: string }[];
  counts: { tickets: number; closures: { day: number; month: number; year: number }; journalEvents: number };
  /** Per till: ticket total of the archive and the last perpetual grand total closed. */
  totals: Record<string, { tickets: string; lastGrandTotal: string | null }>;
  /** How many individual checks ran. */
  checks: number;
  findings: AuditFinding[];
}

interface Row<T> {
  value: T;
  line: number;
}

const MAX_ENTRY_BYTES = 1024 * 1024 * 1024;

export function verifyArchive(bytes: Buffer, file = 'archive'): AuditReport {
  const r: AuditReport = { ok: false, file, format: null, origin: null, store: null, till: null, period: null, created: null, software: null, signedBy: null, keys: [], counts: { tickets: 0, closures: { day: 0, month: 0, year: 0 }, journalEvents: 0 }, totals: {}, checks: 0, findings: [] };
  const find = (f: Omit<AuditFinding, 'severity'> & { severity?: AuditFinding['severity'] }) => r.findings.push({ severity: 'error', ...f });
  const check = (ok: boolean, f: Parameters<typeof find>[0]) => {
    r.checks++;
    if (!ok) find(f);
    return ok;
  };
  const done = () => ({ ...r, ok: !r.findings.some((f) => f.severity === 'error') });

  const sig = readZipSignature(bytes);
  check(sig !== null, { kind: 'file-signature', entry: 'archive', message: `${file}: no tillsync signature in the zip comment (not an archive, or its end was altered)` });

  const texts = new Map<string, string>();
  try {
    const zip = new AdmZip(bytes);
    for (const e of zip.getEntries()) {
      const name = e.entryName;
      if (!(ARCHIVE_ENTRIES as readonly string[]).includes(name)) {
        find({ kind: 'unexpected-entry', entry: name, message: `unexpected entry ${JSON.stringify(name).slice(0, 80)} in the archive` });
        continue;
      }
      if (e.header.size > MAX_ENTRY_BYTES) {
        find({ kind: 'too-large', entry: name, message: `${name} declares ${e.header.size} bytes, over the ${MAX_ENTRY_BYTES}-byte cap` });
        continue;
      }
      try {
        texts.set(name, e.getData().toString('utf8'));
      } catch (err) {
        find({ kind: 'unreadable', entry: name, message: `${name} cannot be read (${(err as Error).message.replace(/^ADM-ZIP: /, '')}): its bytes were altered` });
      }
    }
  } catch (err) {
    find({ kind: 'unreadable', entry: 'archive', message: `${file} is not a readable zip (${(err as Error).message.replace(/^ADM-ZIP: /, '')})` });
    return done();
  }
  for (const name of ARCHIVE_ENTRIES) check(texts.has(name) || r.findings.some((f) => f.entry === name), { kind: 'missing-entry', entry: name, message: `${name} is missing from the archive` });

  let manifest: ArchiveManifest | null = null;
  try {
    manifest = texts.has('manifest.json') ? (JSON.parse(texts.get('manifest.json')!) as ArchiveManifest) : null;
  } catch (err) {
    find({ kind: 'bad-json', entry: 'manifest.json', message: `manifest.json is not valid JSON (${(err as Error).message})` });
  }
  if (manifest) {
    r.format = String(manifest.format ?? '');
    check(manifest.format === ARCHIVE_FORMAT, { kind: 'format', entry: 'manifest.json', message: `manifest.json: format "${manifest.format}" is not ${ARCHIVE_FORMAT}` });
    Object.assign(r, { origin: manifest.origin ?? null, store: manifest.store ?? null, till: manifest.till ?? null, period: manifest.period ?? null, created: manifest.created ?? null, software: manifest.software ?? null, signedBy: manifest.signedBy ?? null });
  }

  const rows = <T>(name: string): Row<T>[] => {
    const text = texts.get(name);
    if (text === undefined) return [];
    const out: Row<T>[] = [];
    text.split('\n').forEach((l, i) => {
      if (!l) return;
      try {
        out.push({ value: JSON.parse(l) as T, line: i + 1 });
      } catch {
        find({ kind: 'bad-json', entry: name, line: i + 1, message: `${name} line ${i + 1}: not valid JSON` });
      }
    });
    return out;
  };

  // Entries against the manifest: bytes, lines, SHA-256.
  for (const m of manifest?.entries ?? []) {
    const text = texts.get(m.name);
    if (text === undefined) continue;
    const b = Buffer.from(text, 'utf8');
    check(sha256Hex(b) === m.sha256 && b.length === m.bytes, { kind: 'hash', entry: m.name, message: `${m.name}: SHA-256 differs from the manifest (content altered)` });
    const lines = text.split('\n').filter(Boolean).length;
    check(lines === m.lines, { kind: 'count', entry: m.name, message: `${m.name}: ${lines} lines, the manifest says ${m.lines}` });
  }

  // Keys: each id must be its key's own id, or a forged key could take a real key's name.
  const keys = new Map<string, string>();
  for (const { value: k, line } of rows<ArchiveKey>('keys.jsonl')) {
    let id: string | null = null;
    try {
      id = keyIdOf(k.publicKeyPem);
    } catch {
      id = null;
    }
    if (check(id !== null && id === k.keyId, { kind: 'bad-key', entry: 'keys.jsonl', line, ref: k.keyId, message: `keys.jsonl line ${line}: key ${k.keyId} is not the id of the public key given` })) {
      keys.set(k.keyId, k.publicKeyPem);
      r.keys.push({ keyId: k.keyId, fingerprint: keyFingerprint(k.publicKeyPem), owner: k.owner });
    }
  }
  if (sig) {
    const pem = keys.get(sig.keyId);
    check(Boolean(pem) && verifyText(pem!, sig.digest, sig.signature), { kind: 'file-signature', entry: 'archive', message: `${file}: the file's signature does not verify with key ${sig.keyId} (some byte of the archive was altered)` });
    if (manifest?.signedBy) check(manifest.signedBy.keyId === sig.keyId, { kind: 'file-signature', entry: 'manifest.json', message: `manifest.json names signer ${manifest.signedBy.keyId}, the file is signed by ${sig.keyId}` });
  }

  const tickets = rows<Ticket>('tickets.jsonl');
  const closures = rows<Closure>('closures.jsonl');
  const events = rows<JetEvent>('journal.jsonl');
  r.counts.tickets = tickets.length;
  r.counts.journalEvents = events.length;

  // Tickets: the chain of each till, from the anchor the (signed) manifest gives.
  const byTill = groupBy(tickets, (t) => `${t.value.store}-${t.value.till}`);
  const ticketIndex = new Map<string, Map<number, Row<Ticket>>>();
  for (const [till, run] of byTill) {
    run.sort((a, b) => a.value.number - b.value.number);
    ticketIndex.set(till, new Map(run.map((t) => [t.value.number, t])));
    const m = manifest?.tickets?.[till];
    check(Boolean(m), { kind: 'count', entry: 'manifest.json', ref: till, message: `manifest.json has no ticket summary for till ${till}` });
    const first = run[0].value;
    const previous = first.number > 1 && m?.previousHash ? { number: first.number - 1, hash: m.previousHash } : null;
    const lineOf = new Map(run.map((t) => [t.value.id, t.line]));
    r.checks += run.length;
    for (const p of verifyChain(run.map((t) => t.value), previous)) {
      const line = lineOf.get(p.ticket);
      find({ kind: p.kind, entry: 'tickets.jsonl', line, ref: p.ticket, message: `tickets.jsonl line ${line}: ${p.message}` });
    }
    for (const t of run) if (t.value.training) find({ kind: 'training', entry: 'tickets.jsonl', line: t.line, ref: t.value.id, message: `tickets.jsonl line ${t.line}: training ticket ${t.value.id} among real sales` });
    const total = run.reduce((s, t) => s.plus(t.value.totals?.inclVat ?? '0'), new D(0));
    r.totals[till] = { tickets: total.toFixed(2), lastGrandTotal: null };
    if (m) {
      check(m.count === run.length && m.firstNumber === first.number && m.lastNumber === run[run.length - 1].value.number, { kind: 'count', entry: 'tickets.jsonl', ref: till, message: `till ${till}: ${run.length} tickets ${first.number}–${run[run.length - 1].value.number}, the manifest says ${m.count} (${m.firstNumber}–${m.lastNumber})` });
      check(new D(m.total).eq(total), { kind: 'figures', entry: 'tickets.jsonl', ref: till, message: `till ${till}: tickets add up to ${total.toFixed(2)}, the manifest says ${m.total}` });
    }
  }

  // Closures: seal, chain per till and kind, figures recomputed.
  const byChain = groupBy(closures, (c) => `${c.value.store}-${c.value.till}/${c.value.kind ?? 'day'}`);
  const closureIndex = new Map<string, Map<number, Closure>>();
  for (const [chain, run] of byChain) {
    run.sort((a, b) => a.value.seq - b.value.seq);
    closureIndex.set(chain, new Map(run.map((c) => [c.value.seq, c.value])));
  }
  for (const [chain, run] of byChain) {
    const [till, kind] = chain.split('/') as [string, ClosureKind];
    if (kind in r.counts.closures) r.counts.closures[kind] += run.length;
    let prev: Row<Closure> | null = null;
    for (const row of run) {
      const c = row.value;
      const at = `closures.jsonl line ${row.line}: closure ${c.id}`;
      const where = { entry: 'closures.jsonl', line: row.line, ref: c.id };
      if (c.signature === undefined) {
        find({ ...where, severity: 'warning', kind: 'unsigned', message: `${at} was made before closures were signed (hash only)` });
      } else {
        const pem = c.keyId ? keys.get(c.keyId) : undefined;
        if (check(Boolean(pem), { ...where, kind: 'unknown-key', message: `${at} is signed by key ${c.keyId}, which is not among the archive's keys` })) {
          const p = checkSeal(c, pem!);
          r.checks++;
          if (p === 'altered') find({ ...where, kind: 'altered', message: `${at}: content does not match its hash (altered)` });
          else if (p) find({ ...where, kind: p, message: `${at}: signature does not verify with key ${c.keyId}` });
        }
        if (prev) {
          check(c.seq === prev.value.seq + 1, { ...where, kind: 'gap', message: `${at}: closures ${prev.value.seq + 1}–${c.seq - 1} of kind ${kind} missing before it` });
          check(c.prevHash === prev.value.hash || c.seq !== prev.value.seq + 1, { ...where, kind: 'broken-link', message: `${at}: previous hash does not match closure ${prev.value.id}` });
        } else if (c.seq === 1) {
          check(c.prevHash === GENESIS, { ...where, kind: 'broken-link', message: `${at}: the first ${kind} closure must chain to the genesis hash` });
        }
      }
      if (prev && c.seq === prev.value.seq + 1) {
        check(new D(prev.value.grandTotal).plus(c.total).eq(c.grandTotal), { ...where, kind: 'figures', message: `${at}: perpetual grand total ${c.grandTotal} ≠ previous ${prev.value.grandTotal} + period ${c.total}` });
      } else if (c.seq === 1) {
        check(new D(c.total).eq(c.grandTotal), { ...where, kind: 'figures', message: `${at}: first closure's grand total ${c.grandTotal} ≠ its total ${c.total}` });
      }
      const figures = recompute(c, kind, ticketIndex.get(till), closureIndex.get(`${till}/${kind === 'month' ? 'day' : 'month'}`), decimalsOf(c.total));
      if (figures) {
        const same = figures.ticketCount === c.ticketCount && new D(figures.total).eq(c.total) && sameRows(figures.byVat, c.byVat, 'vatCode', ['base', 'vat', 'inclVat']) && sameRows(figures.byMode, c.byMode, 'mode', ['amount']);
        check(same, { ...where, kind: 'figures', message: `${at}: its figures (${c.ticketCount} tickets, total ${c.total}) differ from what it covers (${figures.ticketCount} tickets, total ${figures.total})` });
        if (kind === 'day' && c.lastNumber !== null && c.lastTicketHash) {
          const last = ticketIndex.get(till)?.get(c.lastNumber);
          if (last) check(last.value.hash === c.lastTicketHash, { ...where, kind: 'broken-link', message: `${at}: the last ticket it covers (${last.value.id}) does not have the hash it signed` });
        }
      }
      if (r.totals[till]) r.totals[till].lastGrandTotal = kind === 'day' ? c.grandTotal : r.totals[till].lastGrandTotal;
      else if (kind === 'day') r.totals[till] = { tickets: '0.00', lastGrandTotal: c.grandTotal };
      prev = row;
    }
  }
  if (manifest?.closures) {
    for (const k of ['day', 'month', 'year'] as const) check(manifest.closures[k] === r.counts.closures[k], { kind: 'count', entry: 'closures.jsonl', message: `closures.jsonl: ${r.counts.closures[k]} ${k} closures, the manifest says ${manifest.closures[k]}` });
  }

  // Journal: seal and chain per origin, from the manifest's anchor.
  for (const [origin, run] of groupBy(events, (e) => e.value.origin)) {
    run.sort((a, b) => a.value.seq - b.value.seq);
    r.checks += run.length * 2;
    for (const f of verifyJetChain(run.map((e) => e.value), keys, (i) => run[i].line)) find({ kind: f.kind, entry: 'journal.jsonl', line: f.line, ref: f.ref, message: `journal.jsonl line ${f.line}: ${f.message}` });
    r.checks += run.length;
    for (const f of keyChainFindings(origin, run, keys)) find(f);
    const m = manifest?.journal?.[origin];
    if (check(Boolean(m), { kind: 'count', entry: 'manifest.json', ref: origin, message: `manifest.json has no journal summary for ${origin}` })) {
      check(m!.count === run.length && m!.firstSeq === run[0].value.seq, { kind: 'count', entry: 'journal.jsonl', ref: origin, message: `journal of ${origin}: ${run.length} events from ${run[0].value.seq}, the manifest says ${m!.count} from ${m!.firstSeq}` });
      check(run[0].value.prevHash === m!.previousHash, { kind: 'broken-link', entry: 'journal.jsonl', line: run[0].line, ref: run[0].value.id, message: `journal.jsonl line ${run[0].line}: first event ${run[0].value.id} does not chain to the manifest's anchor` });
    }
  }
  void GENESIS_HASH;
  return done();
}

/**
 * A journal's keys follow one line: its first event's key, then only keys that a signed `key-change`
 * event (statement signed by the old key and the new, sync/key-change.ts) chained to a key already
 * in force. An event signed by any other key of the archive is refused, so a key slipped into
 * keys.jsonl cannot vouch for events it signed.
 */
function keyChainFindings(origin: string, run: Row<JetEvent>[], keys: Map<string, string>): Omit<AuditFinding, 'severity'>[] {
  const out: Omit<AuditFinding, 'severity'>[] = [];
  const inForce = new Set<string>(run.length ? [run[0].value.keyId] : []);
  for (const { value: e, line } of run) {
    if (e.type === 'key-change') {
      const oldPem = typeof e.data.oldKeyId === 'string' ? keys.get(e.data.oldKeyId) : undefined;
      const problem = !oldPem ? `the key it retires (${String(e.data.oldKeyId)}) is not among the archive's keys` : !inForce.has(String(e.data.oldKeyId)) ? `it retires key ${String(e.data.oldKeyId)}, which was not in force` : keyChangeProblem(e.data, origin, oldPem);
      if (problem) out.push({ kind: 'bad-key-change', entry: 'journal.jsonl', line, ref: e.id, message: `journal.jsonl line ${line}: key change ${e.id}: ${problem}` });
      else if (!keys.has(String(e.data.newKeyId))) out.push({ kind: 'unknown-key', entry: 'journal.jsonl', line, ref: e.id, message: `journal.jsonl line ${line}: key change ${e.id} names new key ${String(e.data.newKeyId)}, which is not among the archive's keys` });
      else inForce.add(String(e.data.newKeyId));
    }
    if (!inForce.has(e.keyId)) out.push({ kind: 'unchained-key', entry: 'journal.jsonl', line, ref: e.id, message: `journal.jsonl line ${line}: ${e.id} is signed by key ${e.keyId}, which no key-change event chains to the journal's keys` });
  }
  return out;
}

/** The closure's own precision (2, 3 or 4 decimals), read from how it writes its total. */
function decimalsOf(total: unknown): 2 | 3 | 4 {
  const d = typeof total === 'string' ? (total.split('.')[1] ?? '').length : 2;
  return d === 3 || d === 4 ? d : 2;
}

function groupBy<T>(rows: Row<T>[], key: (r: Row<T>) => string): Map<string, Row<T>[]> {
  const m = new Map<string, Row<T>[]>();
  for (const r of rows) {
    let k: string;
    try {
      k = key(r);
    } catch {
      k = '?';
    }
    const list = m.get(k) ?? [];
    list.push(r);
    m.set(k, list);
  }
  return m;
}

/** The figures a closure should show, from what the archive holds (null when it does not hold all of it). */
function recompute(c: Closure, kind: ClosureKind, tickets: Map<number, Row<Ticket>> | undefined, below: Map<number, Closure> | undefined, decimals: 2 | 3 | 4): ClosureFigures | null {
  try {
    if (kind === 'day') {
      if (c.firstNumber === null || c.lastNumber === null) return c.ticketCount === 0 ? ticketFigures([], decimals) : null;
      const run: Ticket[] = [];
      for (let n = c.firstNumber; n <= c.lastNumber; n++) {
        const t = tickets?.get(n);
        if (!t) return null;
        run.push(t.value);
      }
      return ticketFigures(run, run[0]?.rounding?.decimals ?? decimals);
    }
    if (!c.covers) return closureFigures([], decimals);
    const run: Closure[] = [];
    for (let s = c.covers.fromSeq; s <= c.covers.toSeq; s++) {
      const x = below?.get(s);
      if (!x) return null;
      run.push(x);
    }
    return closureFigures(run, decimals);
  } catch {
    return null;
  }
}

function sameRows<T extends Record<string, any>>(a: T[], b: T[], key: string, fields: string[]): boolean {
  if (!Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => x[key] === b[i]?.[key] && fields.every((f) => new D(x[f]).eq(b[i][f] ?? 'NaN')));
}
