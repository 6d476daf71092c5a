import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { Database, NotesTable } from '../../db/schema.js'
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
import type { Note } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'
import { foldForSearch, tsQuery } from '../../lib/search.js'

export type NoteRow = Omit<NotesTable, 'search_vector'>

export const toNote = (row: NoteRow): Note => ({
  id: row.id,
  projectId: row.project_id,
  title: row.title,
  body: row.body,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
})

export type NoteOrder = { field: 'created_at' | 'updated_at'; direction: 'asc' | 'desc' } | { field: 'relevance' }

const COLUMNS = [
  'n.id',
  'n.project_id',
  'n.title',
  'n.body',
  'n.created_by',
  'n.created_at',
  'n.updated_at',
  'n.version',
] as const

/** A note's text as SQLite's full-text index holds it. */
const searchedText = (row: Pick<NoteRow, 'project_id' | 'title' | 'body'>) => ({
  projectId: row.project_id,
  title: row.title,
  body: row.body,
})

const SEARCHED: Searched = { table: 'notes', alias: 'n', body: 'body', columns: COLUMNS }

/** Notes: the only SQL for them, including full-text search on either database (as for tasks). */
export function notesRepository(db: Kysely<Database>, dialect: Dialect) {
  const searchVector = (row: Pick<NoteRow, 'project_id' | 'title' | 'body'>): RawBuilder<unknown> =>
    sql`setweight(to_tsvector('simple', ${foldForSearch(row.title)}), 'A') || setweight(to_tsvector('simple', ${foldForSearch(row.body)}), 'B') || array_to_tsvector(array[${projectLexeme(row.project_id)}])`

  const conditions = (projectId: string) => sql<SqlBool>`n.project_id = ${projectId}`

  /** The project's notes, searched when `terms` has words, for a sort by column. */
  async function filtered(projectId: string, terms: string[]) {
    const base =
      terms.length === 0
        ? db.selectFrom('notes as n').select(COLUMNS)
        : dialect === 'postgres'
          ? db
              .selectFrom('notes as n')
              .select(COLUMNS)
              .where(sql<SqlBool>`n.search_vector @@ to_tsquery('simple', ${tsQuery(terms)})`)
          : db
              .selectFrom(sql`notes_search`.as('notes_search'))
              .innerJoin('notes as n', (j) => j.on(sql`n.seq`, '=', sql`notes_search.rowid`))
              .select(COLUMNS)
              .where(
                sql<SqlBool>`notes_search match ${fts5Match(projectId, await fts5Words(db, terms), 'body', 'any')}`,
              )
    return base.where(conditions(projectId))
  }

  return {
    async insert(row: NoteRow): Promise<Note> {
      assertTransaction(db)
      const { insertId } = await db
        .insertInto('notes')
        .values(dialect === 'postgres' ? { ...row, search_vector: searchVector(row) } : row)
        .executeTakeFirst()
      if (dialect === 'sqlite') await indexForSearch(db, 'notes', insertId, searchedText(row))
      await rememberWords(db, dialect, row.title, row.body)
      return toNote(row)
    },

    async find(noteId: string): Promise<NoteRow | undefined> {
      return db.selectFrom('notes as n').select(COLUMNS).where('n.id', '=', noteId).executeTakeFirst()
    },

    /** The note, locked until the write's transaction ends (see tasksRepository's findForUpdate). */
    async findForUpdate(noteId: string): Promise<NoteRow | undefined> {
      const q = db.selectFrom('notes as n').select(COLUMNS).where('n.id', '=', noteId)
      return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
    },

    async list(
      projectId: string,
      terms: string[],
      order: NoteOrder,
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<Note>> {
      if (order.field === 'relevance') {
        const input = { projectId, terms, conditions: conditions(projectId), after, limit }
        const page = await searchPage<NoteRow>(db, dialect, SEARCHED, input)
        return { items: page.items.map(toNote), next: page.next }
      }
      const sort = { key: `n.${order.field}`, id: 'n.id', direction: order.direction }
      const rows = await keyset(await filtered(projectId, terms), sort, after, limit).execute()
      const page = toPage(rows, limit, (r) => [r[order.field], r.id])
      return { items: page.items.map(toNote), next: page.next }
    },

    async update(next: NoteRow, expectedVersion: number): Promise<boolean> {
      assertTransaction(db)
      const { id, project_id, created_by, created_at, ...changes } = next
      const result = await db
        .updateTable('notes')
        .set(dialect === 'postgres' ? { ...changes, search_vector: searchVector(next) } : changes)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      if (dialect === 'sqlite') await reindexForSearch(db, 'notes', id, searchedText(next))
      await rememberWords(db, dialect, next.title, next.body)
      return true
    },

    async delete(noteId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('notes').where('id', '=', noteId).execute()
    },
  }
}
