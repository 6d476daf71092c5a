import type { Statement } from 'better-sqlite3'
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import { sqliteHandleOf } from './database.js'

/** Stands in for argument `i` while the query is compiled; no real id or value contains a NUL. */
const marker = (i: number) => `\u0000arg${i}\u0000`

/**
 * A query that is built and compiled once and then run with new arguments: Kysely otherwise builds,
 * freezes and compiles the whole operation tree on every call, which costs more CPU than SQLite takes to
 * run a primary-key lookup. For the hottest lookups only (every authenticated request makes them).
 *
 * `build` is compiled with marker strings in place of the arguments; each call puts the real arguments
 * where the markers landed in the compiled parameters. Arguments must therefore end up as bound
 * parameters, untouched by `build` (a marker is a string whatever the argument's type), which is checked
 * when the query is first compiled.
 *
 * On SQLite's root connection a read runs straight on its better-sqlite3 statement, without Kysely's
 * driver (connection mutex, promises, result copy), unless a transaction is open on the connection: then
 * it queues behind it through Kysely as before, so it never sees a write that is not committed yet. Only
 * this one connection writes, and a synchronous read cannot interleave with anything, so it reads exactly
 * what Kysely's path would.
 *
 * @example
 * const findTask = prepared(db, (db, id: string) => db.selectFrom('tasks').selectAll().where('id', '=', id))
 * const task = (await findTask(taskId))[0]
 */
export function prepared<DB, Args extends (string | number)[], Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
): (...args: Args) => Promise<Row[]> {
  return preparedQuery(db, build, false) as (...args: Args) => Promise<Row[]>
}

/**
 * `prepared()` answering each row as the array of its selected columns, in the order selected: cheaper
 * than an object per row for a page of rows that is mapped to another shape anyway.
 *
 * @example
 * const ids = (await firstTwenty(projectId)).map(([id]) => id)
 */
export function preparedArrays<DB, Args extends (string | number)[], Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
): (...args: Args) => Promise<unknown[][]> {
  return preparedQuery(db, build, true) as (...args: Args) => Promise<unknown[][]>
}

/**
 * A statement built and compiled once per database and then run with new arguments on whatever connection
 * or transaction it is given: for the statements of the most frequent writes, whose repositories are built
 * anew on each write's transaction (so `prepared()`, whose compiled query lives with the repository, would
 * compile them every time). The arguments follow `prepared()`'s rule: each must become a bound parameter.
 * Answers Kysely's result (rows, affected rows).
 *
 * @example
 * const rename = compiledOnce((db, id: string, name: string) => db.updateTable('users').set({ name }).where('id', '=', id))
 * await rename(tx, userId, 'Ada')
 */
export function compiledOnce<DB, Args extends (string | number | null)[], Row>(
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
): (db: Kysely<DB>, ...args: Args) => Promise<QueryResult<Row>> {
  // By the database's adapter, which a Kysely instance and its transactions share: one compiled query per
  // database (and so per dialect).
  const byDatabase = new WeakMap<object, Compiled<Row>>()
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter
    let compiled = byDatabase.get(adapter)
    if (!compiled) {
      compiled = compileWithMarkers(db, build, args.length)
      byDatabase.set(adapter, compiled)
    }
    return db.executeQuery<Row>({ ...compiled.query, parameters: argumentsIn(compiled, args) })
  }
}

interface Compiled<Row> {
  query: CompiledQuery<Row>
  /** For each parameter of the query, the argument it takes (-1: a constant of the query itself). */
  slots: number[]
}

function compileWithMarkers<DB, Args extends unknown[], Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
  arity: number,
): Compiled<Row> {
  const markers = Array.from({ length: arity }, (_, i) => marker(i))
  const query = build(db, ...(markers as Args)).compile()
  const slots = query.parameters.map((p) => markers.indexOf(p as string))
  if (markers.some((m, i) => query.sql.includes(m) || !slots.includes(i))) {
    throw new Error('prepared(): every argument must be a bound parameter of the query')
  }
  return { query, slots }
}

const argumentsIn = (compiled: Compiled<unknown>, args: readonly unknown[]) =>
  compiled.query.parameters.map((p, i) => (compiled.slots[i] === -1 ? p : args[compiled.slots[i] as number]))

function preparedQuery<DB, Args extends (string | number)[], Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
  arrays: boolean,
): (...args: Args) => Promise<Row[] | unknown[][]> {
  const sqlite = sqliteHandleOf(db)
  let compiled: (Compiled<Row> & { statement: Statement | undefined }) | undefined
  const compile = (arity: number) => {
    const { query, slots } = compileWithMarkers(db, build, arity)
    const statement = sqlite?.prepare(query.sql)
    return { query, slots, statement: statement?.reader ? statement.raw(arrays) : undefined }
  }
  return async (...args) => {
    compiled ??= compile(args.length)
    const { query, statement } = compiled
    const parameters = argumentsIn(compiled, args)
    if (statement && sqlite?.inTransaction === false) return statement.all(parameters) as Row[] | unknown[][]
    const { rows } = await db.executeQuery<Row>({ ...query, parameters })
    // Both drivers make each row's properties in the order of the selected columns.
    return arrays ? rows.map((row) => Object.values(row as object)) : rows
  }
}
