/** Which SQL dialect a Kysely instance speaks, for the few places where SQL differs. */
import { type DialectAdapter, PostgresAdapter } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** Any Kysely instance or transaction, whatever its schema type. */
export function dialectOf(db: { getExecutor(): { readonly adapter: DialectAdapter } }): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
