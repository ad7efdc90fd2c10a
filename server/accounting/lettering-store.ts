/**
 * Lettering's reads and writes, for the run that letters (posting-run.ts, lettering-run.ts, the
 * imports' books-writer.ts): `snapshot` loads every line of the keys concerned (old and new) for
 * the pure pass (planLettering), `write` stores what it planned — letterings with explicit ids,
 * lines pointed at them. In a posting chunk new lines get their lettering id before they are
 * inserted; `server letter` letters lines already in the books.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { D } from '../../sync/money.ts';
import { insertRows, nextId } from './bulk-insert.ts';
import { seqKey, type CurrentLettering, type LetterLine, type LetteringPlan, type LetteringSnapshot } from './lettering.ts';

const IN_CHUNK = 500;

export class LetteringWriter {
  private nextLettering = 0;
  private nextSeq = new Map<string, number>();
  readonly groups: LetteringPlan['groups'] = [];
  changed = 0;

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly batchId: number,
  ) {}

  async init(): Promise<void> {
    this.nextLettering = await nextId(this.trx, 'letterings');
    const rows = await this.trx
      .selectFrom('letterings')
      .select((eb) => ['account', 'aux_account', eb.fn.max('seq').as('m')])
      .groupBy(['account', 'aux_account'])
      .execute();
    for (const r of rows) this.nextSeq.set(seqKey(r.account, r.aux_account), Number(r.m) + 1);
  }

  /** Lines already stored under these keys, with the letterings they point to. */
  private async existing(keys: { account: string; aux: string | null; key: string }[]): Promise<{ lines: LetterLine[]; current: Map<number, CurrentLettering> }> {
    const want = new Set(keys.map((k) => `${k.account}\u0000${k.aux ?? ''}\u0000${k.key}`));
    const distinct = [...new Set(keys.map((k) => k.key))];
    const lines: LetterLine[] = [];
    for (let i = 0; i < distinct.length; i += IN_CHUNK) {
      const rows = await this.trx
        .selectFrom('entry_lines as l')
        .innerJoin('entries as e', 'e.id', 'l.entry_id')
        .select(['l.id', 'l.account', 'l.aux_account', 'l.letter_key', 'l.debit', 'l.credit', 'l.lettering_id', 'e.entry_date'])
        .where('l.letter_key', 'in', distinct.slice(i, i + IN_CHUNK))
        .execute();
      for (const r of rows) {
        if (!want.has(`${r.account}\u0000${r.aux_account ?? ''}\u0000${r.letter_key}`)) continue;
        lines.push({ ref: { db: Number(r.id) }, account: r.account, aux: r.aux_account, key: r.letter_key!, debit: new D(r.debit), credit: new D(r.credit), date: r.entry_date, letteringId: r.lettering_id === null ? null : Number(r.lettering_id) });
      }
    }
    const ids = [...new Set(lines.map((l) => l.letteringId).filter((x): x is number => x !== null))];
    const current = new Map<number, CurrentLettering>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const rows = await this.trx.selectFrom('letterings').select(['id', 'code', 'seq', 'partial', 'batch_id']).where('id', 'in', ids.slice(i, i + IN_CHUNK)).execute();
      for (const r of rows) current.set(Number(r.id), { id: Number(r.id), code: r.code, seq: Number(r.seq), partial: Boolean(Number(r.partial)), batchId: Number(r.batch_id) });
    }
    return { lines, current };
  }

  /**
   * The lettering pass's snapshot (lettering.ts) for the keys of `fresh` (lines not stored yet,
   * `local` refs) and of `keys`: every line stored under them, `fresh`, and the letterings they
   * point to now.
   */
  async snapshot(fresh: LetterLine[], keys: { account: string; aux: string | null; key: string }[] = []): Promise<LetteringSnapshot> {
    const all = [...keys, ...fresh.map((l) => ({ account: l.account, aux: l.aux, key: l.key }))];
    const { lines, current } = all.length ? await this.existing(all) : { lines: [], current: new Map<number, CurrentLettering>() };
    return { lines: [...lines, ...fresh], current, nextSeq: this.nextSeq, batchId: this.batchId };
  }

  /** Writes what the pass planned. Returns the lettering id of each fresh line that got one. */
  async write(plan: LetteringPlan): Promise<Map<number, number>> {
    const assigned = new Map<number, number>();
    for (const [k, next] of plan.nextSeq) this.nextSeq.set(k, next);
    this.groups.push(...plan.groups);
    this.changed += plan.create.length + plan.update.length;
    const createdIds = plan.create.map(() => this.nextLettering++);
    await insertRows(
      this.trx,
      'letterings',
      ['id', 'account', 'aux_account', 'code', 'lettered_at', 'partial', 'batch_id', 'letter_key', 'seq', 'previous_id', 'superseded_batch'],
      plan.create.map((c, i) => [createdIds[i], c.account, c.aux, c.code, c.letteredAt, c.partial ? 1 : 0, this.batchId, c.key, c.seq, c.previousId, null]),
    );
    for (const u of plan.update) await this.trx.updateTable('letterings').set({ partial: u.partial ? 1 : 0, lettered_at: u.letteredAt }).where('id', '=', u.id).execute();
    for (let i = 0; i < plan.supersede.length; i += IN_CHUNK) {
      await this.trx.updateTable('letterings').set({ superseded_batch: this.batchId }).where('id', 'in', plan.supersede.slice(i, i + IN_CHUNK)).execute();
    }
    const dbMoves = new Map<number, number[]>();
    for (const a of plan.assign) {
      const target = 'db' in a.lettering ? a.lettering.db : createdIds[a.lettering.local];
      if ('local' in a.line) assigned.set(a.line.local, target);
      else {
        const list = dbMoves.get(target);
        if (list) list.push(a.line.db);
        else dbMoves.set(target, [a.line.db]);
      }
    }
    for (const [target, lineIds] of dbMoves) {
      for (let i = 0; i < lineIds.length; i += IN_CHUNK) await this.trx.updateTable('entry_lines').set({ lettering_id: target }).where('id', 'in', lineIds.slice(i, i + IN_CHUNK)).execute();
    }
    return assigned;
  }
}
