import type { Kysely } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { CommentsTable, Database } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Comment } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'

export const toComment = (row: CommentsTable): Comment => ({
  id: row.id,
  taskId: row.task_id,
  authorId: row.author_id,
  body: row.body,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
})

/** Comments: the only SQL for them. */
export function commentsRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    async insert(row: CommentsTable): Promise<Comment> {
      assertTransaction(db)
      await db.insertInto('comments').values(row).execute()
      return toComment(row)
    },

    async find(commentId: string): Promise<CommentsTable | undefined> {
      return db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst()
    },

    /** The comment, locked until the write's transaction ends (see tasksRepository's findForUpdate). */
    async findForUpdate(commentId: string): Promise<CommentsTable | undefined> {
      const q = db.selectFrom('comments').selectAll().where('id', '=', commentId)
      return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
    },

    /** Every comment on a task, for the tombstones of a task's deletion (its comments go with it). */
    async allOfTask(taskId: string): Promise<CommentsTable[]> {
      return db.selectFrom('comments').selectAll().where('task_id', '=', taskId).orderBy('id').execute()
    },

    /** Every comment a user wrote, for the tombstones of their account's deletion. */
    async allByAuthor(authorId: string): Promise<CommentsTable[]> {
      return db.selectFrom('comments').selectAll().where('author_id', '=', authorId).orderBy('id').execute()
    },

    async list(taskId: string, after: CursorPosition | undefined, limit: number): Promise<Page<Comment>> {
      const query = db.selectFrom('comments').selectAll().where('task_id', '=', taskId)
      const rows = await keyset(query, { key: 'id', id: 'id', direction: 'asc' }, after, limit).execute()
      const page = toPage(rows, limit, (r) => [r.id, r.id])
      return { items: page.items.map(toComment), next: page.next }
    },

    async update(next: CommentsTable, expectedVersion: number): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('comments')
        .set({ body: next.body, updated_at: next.updated_at, version: next.version })
        .where('id', '=', next.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async delete(commentId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('comments').where('id', '=', commentId).execute()
    },
  }
}
