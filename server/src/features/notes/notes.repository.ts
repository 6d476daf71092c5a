import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { Database, NotesTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Note } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'
import { foldForSearch, fts5Query, tsQuery } from '../../lib/search.js'

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

/** Notes: the only SQL for them, including full-text search on either database (as for tasks). */
export function notesRepository(db: Kysely<Database>, dialect: Dialect) {
  const searchVector = (title: string, body: string): RawBuilder<unknown> =>
    sql`setweight(to_tsvector('simple', ${foldForSearch(title)}), 'A') || setweight(to_tsvector('simple', ${foldForSearch(body)}), 'B')`

  function filtered(projectId: string, terms: string[]) {
    const base =
      terms.length === 0
        ? db.selectFrom('notes as n').select(COLUMNS).select(sql<number>`0`.as('rank'))
        : dialect === 'postgres'
          ? db
              .selectFrom('notes as n')
              .select(COLUMNS)
              .select(
                sql<number>`(-ts_rank(n.search_vector, to_tsquery('simple', ${tsQuery(terms)})))::float8`.as('rank'),
              )
              .where(sql<boolean>`n.search_vector @@ to_tsquery('simple', ${tsQuery(terms)})`)
          : db
              .selectFrom(sql`notes_fts`.as('notes_fts'))
              .innerJoin('notes as n', (j) => j.on(sql`n.seq`, '=', sql`notes_fts.rowid`))
              .select(COLUMNS)
              .select(sql<number>`bm25(notes_fts, 10.0, 1.0)`.as('rank'))
              .where(sql<boolean>`notes_fts match ${fts5Query(terms)}`)
    return base.where('n.project_id', '=', projectId)
  }

  return {
    async insert(row: NoteRow): Promise<Note> {
      assertTransaction(db)
      await db
        .insertInto('notes')
        .values(dialect === 'postgres' ? { ...row, search_vector: searchVector(row.title, row.body) } : row)
        .execute()
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
      let rows: (NoteRow & { rank: number })[]
      if (order.field === 'relevance') {
        const ranked = db.selectFrom(filtered(projectId, terms).as('r')).selectAll()
        rows = await keyset(ranked, { key: 'rank', id: 'id', direction: 'asc' }, after, limit).execute()
      } else {
        const sort = { key: `n.${order.field}`, id: 'n.id', direction: order.direction }
        rows = await keyset(filtered(projectId, terms), sort, after, limit).execute()
      }
      const page = toPage(rows, limit, (r) => [order.field === 'relevance' ? r.rank : r[order.field], r.id])
      return { items: page.items.map(toNote), next: page.next }
    },

    async update(next: NoteRow, expectedVersion: number): Promise<boolean> {
      assertTransaction(db)
      const { id, project_id, created_by, created_at, ...changes } = next
      const result = await db
        .updateTable('notes')
        .set(dialect === 'postgres' ? { ...changes, search_vector: searchVector(next.title, next.body) } : changes)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async delete(noteId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('notes').where('id', '=', noteId).execute()
    },
  }
}
