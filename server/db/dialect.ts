import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

export type DbKind = 'sqlite' | 'postgres';

/** The engine behind a Kysely instance, recorded when it is opened (see database.ts). */
const kinds = new WeakMap<object, DbKind>();

export function setDbKind(db: Kysely<any>, kind: DbKind): void {
  kinds.set(db, kind);
}

export function dbKind(db: Kysely<any>): DbKind {
  const k = kinds.get(db);
  if (!k) throw new Error('database opened without openDatabase(): engine unknown');
  return k;
}

/** An auto-incremented integer primary key on both engines. */
export function withId<T extends string>(db: Kysely<any>, table: CreateTableBuilder<T, never>, name = 'id'): CreateTableBuilder<T, any> {
  return dbKind(db) === 'postgres'
    ? table.addColumn(name, 'serial', (c: ColumnDefinitionBuilder) => c.primaryKey())
    : table.addColumn(name, 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}

export const nowIso = (): string => new Date().toISOString();

export { sql };
