/** SQL fragments the artifact tables share, typed for Kysely's update objects (Int columns). */
import { type RawBuilder, sql } from 'kysely';

/** `column + n` (n may be negative). */
export function plus(column: string, n: number): RawBuilder<number> {
  return sql<number>`${sql.ref(column)} + ${n}`;
}

/** The larger of the column's value and `n` (a NULL column counts as smaller). */
export function atLeast(column: string, n: number): RawBuilder<number> {
  const c = sql.ref(column);
  return sql<number>`case when ${c} is not null and ${c} > ${n} then ${c} else ${n} end`;
}
