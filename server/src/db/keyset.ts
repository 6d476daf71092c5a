import { type Expression, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { CursorPosition } from '../lib/cursor.js'

export interface KeysetSort {
  /** The sort column (`t.created_at`) or expression (a search rank). */
  key: string | RawBuilder<unknown>
  /** The unique tie-breaker column, e.g. `t.id`; ids are time-sortable, so ties resolve in creation order. */
  id: string
  direction: 'asc' | 'desc'
  /** Null values sort last in either direction. */
  nullable?: boolean
}

export interface Page<T> {
  items: T[]
  /** Where the next page starts, or null on the last page. */
  next: CursorPosition | null
}

const ref = (key: string | RawBuilder<unknown>): Expression<unknown> => (typeof key === 'string' ? sql.ref(key) : key)

/**
 * Keyset pagination on `(key, id)`: the query seeks past the previous page's last row with a row-value
 * comparison that an index on `(…, key, id)` serves directly, so page 500 costs what page 1 costs.
 * Fetches one row more than `limit` to know whether another page follows.
 *
 * @example
 * const rows = await keyset(db.selectFrom('tasks as t').selectAll(), sort, after, 20).execute()
 */
export function keyset<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sort: KeysetSort,
  after: CursorPosition | undefined,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  return keysetTaking(qb, sort, after, limit + 1)
}

/**
 * `keyset` that reads `take` rows (`limit + 1`), with every value a bound parameter placed as given: what
 * a `prepared()` query builds with stand-ins for the values.
 */
export function keysetTaking<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sort: KeysetSort,
  after: CursorPosition | undefined,
  take: number,
): SelectQueryBuilder<DB, TB, O> {
  const key = ref(sort.key)
  const id = sql.ref(sort.id)
  const cmp = sql.raw(sort.direction === 'asc' ? '>' : '<')
  const dir = sql.raw(sort.direction)
  let q = qb
  if (after) {
    const [value, lastId] = after
    if (value === null) {
      q = q.where(sql<boolean>`(${key} is null and ${id} ${cmp} ${lastId})`)
    } else if (sort.nullable) {
      q = q.where(sql<boolean>`((${key}, ${id}) ${cmp} (${value}, ${lastId}) or ${key} is null)`)
    } else {
      q = q.where(sql<boolean>`(${key}, ${id}) ${cmp} (${value}, ${lastId})`)
    }
  }
  const nulls = sort.nullable ? sql.raw(' nulls last') : sql.raw('')
  return q.orderBy(sql`${key} ${dir}${nulls}`).orderBy(sql`${id} ${dir}`).limit(take)
}

/** Splits the `limit + 1` rows of a keyset query into a page and the position the next one starts at. */
export function toPage<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): Page<T> {
  if (rows.length <= limit) return { items: rows, next: null }
  const items = rows.slice(0, limit)
  return { items, next: position(items[items.length - 1] as T) }
}
