import { createRequire } from 'node:module'
import type PgModule from 'pg'

let pg: typeof PgModule | undefined

/**
 * node-postgres, loaded when a PostgreSQL connection is first opened: a server on the embedded SQLite
 * database never needs it, and importing it is a noticeable share of start-up.
 */
export function loadPg(): typeof PgModule {
  if (!pg) {
    pg = createRequire(import.meta.url)('pg') as typeof PgModule
    // PostgreSQL's bigint and numeric come back as strings by default; counts and ids here fit in a double.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10))
  }
  return pg
}
