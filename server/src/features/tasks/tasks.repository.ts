import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { dataStamp } from '../../db/data-stamp.js'
import type { Dialect } from '../../db/database.js'
import { type KeysetSort, keyset, keysetTaking, type Page, toPage } from '../../db/keyset.js'
import { compiledOnce, prepared, preparedArrays } from '../../db/prepared.js'
import type { Database, TasksTable } from '../../db/schema.js'
import {
  fts5Match,
  fts5Words,
  indexForSearch,
  projectLexeme,
  reindexForSearch,
  rememberWords,
  type Searched,
  searchPage,
} from '../../db/search.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Task } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'
import { foldForSearch, tsQuery } from '../../lib/search.js'

export type TaskRow = Omit<TasksTable, 'search_vector'>

/** The largest `position` openapi.yaml allows (`Task.position.maximum`). */
const POSITION_MAX = 1e15

/**
 * Each column of a task as stored and the Task property it is answered as, in the order the columns are
 * selected and inserted (`labels` is stored as JSON text).
 */
const FIELDS = [
  ['id', 'id'],
  ['project_id', 'projectId'],
  ['title', 'title'],
  ['description', 'description'],
  ['status', 'status'],
  ['priority', 'priority'],
  ['due_at', 'dueAt'],
  ['labels', 'labels'],
  ['assignee_id', 'assigneeId'],
  ['position', 'position'],
  ['completed_at', 'completedAt'],
  ['created_by', 'createdBy'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['version', 'version'],
] as const satisfies readonly (readonly [keyof TaskRow, keyof Task])[]

type Column = (typeof FIELDS)[number][0]
type Field = (typeof FIELDS)[number][1]
// The literal that `taskMaker` compiles is not type-checked; this is: FIELDS must name every column of a row
// and every property of a Task, or the type below is `never` (and `true` is not one).
const fieldsComplete: [Exclude<keyof TaskRow, Column>, Exclude<keyof Task, Field>] extends [never, never]
  ? true
  : never = true
void fieldsComplete

/**
 * A function making the Task of a row in one object literal, compiled from FIELDS, with `read(column, i)`
 * the expression for a column's value in `r`. Compiled rather than a loop over FIELDS: every task read and
 * list makes Tasks, and an object built property by property costs several times what a literal does.
 */
function taskMaker<R>(read: (column: Column, i: number) => string): (r: R) => Task {
  const properties = FIELDS.map(([column, field], i) =>
    field === 'labels' ? `${field}: JSON.parse(${read(column, i)})` : `${field}: ${read(column, i)}`,
  )
  return new Function('r', `return { ${properties.join(', ')} }`) as (r: R) => Task
}

export const toTask: (row: TaskRow) => Task = taskMaker((column) => `r.${column}`)

export type TaskSortField = 'created_at' | 'updated_at' | 'due_at' | 'priority' | 'position'

/** The Task property each sort column is answered as (the same value). */
const SORTED_AS: Record<TaskSortField, 'createdAt' | 'updatedAt' | 'dueAt' | 'priority' | 'position'> = {
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  due_at: 'dueAt',
  priority: 'priority',
  position: 'position',
}

export interface TaskFilter {
  projectId: string
  status?: TasksTable['status']
  assigneeId?: string
  label?: string
  dueBefore?: string
  dueAfter?: string
  /** Folded search words; every one must match. */
  terms?: string[]
}

/** Either a column order, or relevance to `filter.terms` (see SearchTier). */
export type TaskOrder = { field: TaskSortField; direction: 'asc' | 'desc' } | { field: 'relevance' }

const COLUMNS = FIELDS.map(([column]) => `t.${column}` as const)

/** `toTask` for a row read as the array of COLUMNS, in their order (without a row object in between). */
const taskOfColumns: (r: unknown[]) => Task = taskMaker((_, i) => `r[${i}]`)

/** A task's columns as stored on SQLite, in the order `insertRow` takes them. */
const STORED: readonly Column[] = FIELDS.map(([column]) => column)

// The statements of a create, compiled once rather than on each write's transaction (a create is small
// enough that building and compiling them cost as much as SQLite takes to run them).
const insertRow = compiledOnce((db: Kysely<Database>, ...values: (string | number | null)[]) =>
  db.insertInto('tasks').values(Object.fromEntries(STORED.map((column, i) => [column, values[i]])) as TaskRow),
)
const maxPosition = compiledOnce((db: Kysely<Database>, projectId: string) =>
  db
    .selectFrom('tasks')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('project_id', '=', projectId),
)

/** A task's text as SQLite's full-text index holds it. */
const searchedText = (row: Pick<TaskRow, 'project_id' | 'title' | 'description'>) => ({
  projectId: row.project_id,
  title: row.title,
  body: row.description,
})

const SEARCHED: Searched = { table: 'tasks', alias: 't', body: 'description', columns: COLUMNS }

/** Tasks and their labels; the only SQL for them, including full-text search on either database. */
function queries(db: Kysely<Database>, dialect: Dialect) {
  // PostgreSQL indexes text folded in JS (see lib/search.ts), weighting the title above the description,
  // with a lexeme for the project that the fallback of a search's walk asks the index for.
  const searchVector = (row: Pick<TaskRow, 'project_id' | 'title' | 'description'>): RawBuilder<unknown> =>
    sql`setweight(to_tsvector('simple', ${foldForSearch(row.title)}), 'A') || setweight(to_tsvector('simple', ${foldForSearch(row.description ?? '')}), 'B') || array_to_tsvector(array[${projectLexeme(row.project_id)}])`
  // Every task operation starts with this lookup.
  const findById = prepared(db, (db, taskId: string) =>
    db.selectFrom('tasks as t').select(COLUMNS).where('t.id', '=', taskId),
  )

  /** `fresh`: the task was just inserted with a new id, so it has no label rows to delete. */
  async function replaceLabels(taskId: string, projectId: string, labels: string[], fresh = false) {
    if (!fresh) await db.deleteFrom('task_labels').where('task_id', '=', taskId).execute()
    if (labels.length > 0) {
      await db
        .insertInto('task_labels')
        .values(labels.map((label) => ({ task_id: taskId, project_id: projectId, label })))
        .execute()
    }
  }

  /** The filters other than search, on `tasks as t`. */
  function conditions(filter: TaskFilter): RawBuilder<SqlBool> {
    const parts = [sql`t.project_id = ${filter.projectId}`]
    if (filter.status) parts.push(sql`t.status = ${filter.status}`)
    if (filter.assigneeId) parts.push(sql`t.assignee_id = ${filter.assigneeId}`)
    if (filter.dueBefore) parts.push(sql`t.due_at < ${filter.dueBefore}`)
    if (filter.dueAfter) parts.push(sql`t.due_at >= ${filter.dueAfter}`)
    if (filter.label) {
      parts.push(
        sql`t.id in (select task_id from task_labels where project_id = ${filter.projectId} and label = ${filter.label})`,
      )
    }
    return sql<SqlBool>`(${sql.join(parts, sql` and `)})`
  }

  /**
   * A list without search words, by column: one prepared query per shape (the filters given, the order,
   * where the cursor is), since building and compiling it costs more than SQLite takes to run it.
   */
  const listByShape = new Map<string, (...args: (string | number)[]) => Promise<unknown[][]>>()
  async function listPrepared(filter: TaskFilter, sort: KeysetSort, after: CursorPosition | undefined, limit: number) {
    const given = (['status', 'assigneeId', 'dueBefore', 'dueAfter', 'label'] as const).filter((f) => filter[f])
    const afterKind = after === undefined ? 'none' : after[0] === null ? 'null' : 'value'
    const shape = `${sort.key} ${sort.direction} ${afterKind} ${given.join(',')}`
    let run = listByShape.get(shape)
    if (!run) {
      run = preparedArrays(db, (db, projectId: string | number, ...rest: (string | number)[]) => {
        const values = [...rest]
        const shaped: TaskFilter = { projectId: projectId as string }
        for (const f of given) shaped[f] = values.shift() as never
        const position: CursorPosition | undefined =
          afterKind === 'none'
            ? undefined
            : afterKind === 'null'
              ? [null, values.shift() as string]
              : [values.shift() as string | number, values.shift() as string]
        const query = db.selectFrom('tasks as t').select(COLUMNS).where(conditions(shaped))
        return keysetTaking(query, sort, position, values.shift() as number)
      })
      listByShape.set(shape, run)
    }
    const args: (string | number)[] = [filter.projectId, ...given.map((f) => filter[f] as string)]
    if (after) args.push(...(after[0] === null ? [after[1]] : [after[0], after[1]]))
    return (await run(...args, limit + 1)).map(taskOfColumns)
  }

  /** The filtered rows, searched when `filter.terms` has words, for a sort by column. */
  async function filtered(filter: TaskFilter) {
    const terms = filter.terms ?? []
    const base =
      terms.length === 0
        ? db.selectFrom('tasks as t').select(COLUMNS)
        : dialect === 'postgres'
          ? db
              .selectFrom('tasks as t')
              .select(COLUMNS)
              .where(sql<SqlBool>`t.search_vector @@ to_tsquery('simple', ${tsQuery(terms)})`)
          : db
              .selectFrom(sql`tasks_search`.as('s'))
              .innerJoin('tasks as t', (j) => j.on(sql`t.seq`, '=', sql`s.rowid`))
              .select(COLUMNS)
              .where(
                sql<SqlBool>`tasks_search match ${fts5Match(filter.projectId, await fts5Words(db, terms), 'description', 'any')}`,
              )
    return base.where(conditions(filter))
  }

  return {
    /** Moves whenever a task may have changed (see db/data-stamp.ts); undefined when lists may not be kept. */
    stamp: dataStamp(db),

    async insert(row: TaskRow): Promise<Task> {
      assertTransaction(db)
      if (dialect === 'postgres') {
        await db
          .insertInto('tasks')
          .values({ ...row, search_vector: searchVector(row) })
          .execute()
      } else {
        const { insertId } = await insertRow(db, ...STORED.map((column) => row[column]))
        await indexForSearch(db, 'tasks', insertId, searchedText(row))
      }
      await rememberWords(db, dialect, row.title, row.description)
      await replaceLabels(row.id, row.project_id, JSON.parse(row.labels) as string[], true)
      return toTask(row)
    },

    async find(taskId: string): Promise<TaskRow | undefined> {
      return (await findById(taskId))[0]
    },

    /**
     * The task, locked until the write's transaction ends (PostgreSQL row lock; SQLite runs one writer at
     * a time), so a patch applies to the version it read.
     */
    async findForUpdate(taskId: string): Promise<TaskRow | undefined> {
      const q = db.selectFrom('tasks as t').select(COLUMNS).where('t.id', '=', taskId)
      return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
    },

    async nextPosition(projectId: string): Promise<number> {
      const row = (await maxPosition(db, projectId)).rows[0]
      if (row?.max == null) return 1
      // Never past the documented maximum: there, new tasks share it and keep their creation order (ties
      // are ordered by id, which grows with time).
      return Math.min(Math.floor(Number(row.max)) + 1, POSITION_MAX)
    },

    async list(
      filter: TaskFilter,
      order: TaskOrder,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<Task>> {
      if (order.field === 'relevance') {
        const page = await searchPage<TaskRow>(db, dialect, SEARCHED, {
          projectId: filter.projectId,
          terms: filter.terms ?? [],
          conditions: conditions(filter),
          after,
          limit,
        })
        return { items: page.items.map(toTask), next: page.next }
      }
      const sort: KeysetSort = {
        key: `t.${order.field}`,
        id: 't.id',
        direction: order.direction,
        nullable: order.field === 'due_at',
      }
      const tasks =
        (filter.terms ?? []).length === 0
          ? await listPrepared(filter, sort, after, limit)
          : (await keyset(await filtered(filter), sort, after, limit).execute()).map(toTask)
      const sortedAs = SORTED_AS[order.field]
      return toPage(tasks, limit, (t) => [t[sortedAs], t.id])
    },

    /**
     * Writes the new state if the task is still at `expectedVersion`; false when it changed meanwhile.
     * `changed` says whether the labels and the searched text (title, description) are among what changed:
     * most updates (status, position, assignee) leave both, and so the label rows, the search vector and the
     * vocabulary as they are.
     */
    async update(
      next: TaskRow,
      expectedVersion: number,
      changed: { labels: boolean; text: boolean },
    ): Promise<boolean> {
      assertTransaction(db)
      const { id, project_id, created_by, created_at, title, description, ...others } = next
      // Left out of the SET when unchanged: nothing to reindex.
      const changes = changed.text ? { ...others, title, description } : others
      const result = await db
        .updateTable('tasks')
        .set(dialect === 'postgres' && changed.text ? { ...changes, search_vector: searchVector(next) } : changes)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      if (changed.text) {
        if (dialect === 'sqlite') await reindexForSearch(db, 'tasks', id, searchedText(next))
        await rememberWords(db, dialect, next.title, next.description)
      }
      if (changed.labels) await replaceLabels(id, project_id, JSON.parse(next.labels) as string[])
      return true
    },

    /** Unassigns `userId`'s tasks in the project (they left it); answers the tasks as they are now. */
    async unassignAll(projectId: string, userId: string, now: string): Promise<Task[]> {
      assertTransaction(db)
      const ids = (
        await db
          .selectFrom('tasks')
          .select('id')
          .where('project_id', '=', projectId)
          .where('assignee_id', '=', userId)
          .execute()
      ).map((r) => r.id)
      if (ids.length === 0) return []
      await db
        .updateTable('tasks')
        .set({ assignee_id: null, updated_at: now, version: sql`version + 1` })
        .where('id', 'in', ids)
        .execute()
      const rows = await db.selectFrom('tasks as t').select(COLUMNS).where('t.id', 'in', ids).orderBy('t.id').execute()
      return rows.map(toTask)
    },

    /** Deletes the task; the caller has locked it in the same write. */
    async delete(taskId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('tasks').where('id', '=', taskId).execute()
    },
  }
}

export type TasksRepository = ReturnType<typeof queries>

/** Tasks on `db`: the root connection for reads (`ctx.repositories.tasks`), a write's transaction (`tx.tasks`) for writes. */
export function tasksRepository(db: Kysely<Database>, dialect: Dialect): TasksRepository {
  return queries(db, dialect)
}
