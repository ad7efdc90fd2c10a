import { PostgresAdapter, type Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

export type DbKind = 'sqlite' | 'postgres';

/** The engine behind a Kysely instance or transaction, read off its SQL adapter. */
export function dbKind(db: Kysely<any>): DbKind {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** An auto-incremented integer primary key on both engines. */
export function withId<T extends string>(db: Kysely<any>, table: CreateTableBuilder<T, never>, name = 'id'): CreateTableBuilder<T, any> {
  return dbKind(db) === 'postgres'
    ? table.addColumn(name, 'serial', (c: ColumnDefinitionBuilder) => c.primaryKey())
    : table.addColumn(name, 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}

export const nowIso = (): string => new Date().toISOString();

export { sql };
