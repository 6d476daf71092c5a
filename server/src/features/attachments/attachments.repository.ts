import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { keyset, type Page, toPage } from '../../db/keyset.js'
import type { AttachmentsTable, Database, UploadsTable } from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { Attachment } from '../../generated/routes.js'
import type { CursorPosition } from '../../lib/cursor.js'
import { THUMBNAIL_SOURCE_TYPES } from './thumbnails.js'

export type AttachmentRow = AttachmentsTable
export type UploadRow = UploadsTable

export const toAttachment = (row: AttachmentRow): Attachment => ({
  id: row.id,
  projectId: row.project_id,
  taskId: row.task_id,
  noteId: row.note_id,
  commentId: row.comment_id,
  filename: row.filename,
  contentType: row.content_type,
  claimedContentType: row.claimed_type,
  size: Number(row.size),
  sha256: row.sha256,
  thumbnails: THUMBNAIL_SOURCE_TYPES.has(row.content_type),
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
})

export type AttachmentParent = { column: 'task_id' | 'note_id' | 'comment_id' | 'project_id'; id: string }

/** Attachments, the projects' storage usage and the deletions queued for storage: the only SQL for them. */
export function attachmentsRepository(db: Kysely<Database>, dialect: Dialect) {
  const ensureStorageRow = (projectId: string) =>
    db
      .insertInto('project_storage')
      .values({ project_id: projectId, used_bytes: 0, file_count: 0, reserved_bytes: 0 })
      .onConflict((oc) => oc.column('project_id').doNothing())
      .execute()

  return {
    async insert(row: AttachmentRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('attachments').values(row).execute()
    },

    async find(id: string): Promise<AttachmentRow | undefined> {
      return db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async findForUpdate(id: string): Promise<AttachmentRow | undefined> {
      const q = db.selectFrom('attachments').selectAll().where('id', '=', id)
      return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
    },

    async existsWithKey(storageKey: string): Promise<boolean> {
      const row = await db
        .selectFrom('attachments')
        .select('id')
        .where('storage_key', '=', storageKey)
        .executeTakeFirst()
      return row !== undefined
    },

    async list(
      projectId: string,
      filter: { taskId?: string; noteId?: string; commentId?: string },
      after: CursorPosition | undefined,
      limit: number,
    ): Promise<Page<Attachment>> {
      let q = db.selectFrom('attachments as a').selectAll('a').where('a.project_id', '=', projectId)
      if (filter.taskId) q = q.where('a.task_id', '=', filter.taskId)
      if (filter.noteId) q = q.where('a.note_id', '=', filter.noteId)
      if (filter.commentId) q = q.where('a.comment_id', '=', filter.commentId)
      const rows = await keyset(q, { key: 'a.id', id: 'a.id', direction: 'asc' }, after, limit).execute()
      const page = toPage(rows, limit, (r) => [r.id, r.id])
      return { items: page.items.map(toAttachment), next: page.next }
    },

    /** Every attachment of a task, note, comment or project, for the write that removes it. */
    async allOf(parent: AttachmentParent): Promise<AttachmentRow[]> {
      return db.selectFrom('attachments').selectAll().where(parent.column, '=', parent.id).execute()
    },

    async update(next: AttachmentRow, expectedVersion: number): Promise<boolean> {
      assertTransaction(db)
      const { id, project_id, created_by, created_at, storage_key, size, sha256, ...changes } = next
      const result = await db
        .updateTable('attachments')
        .set(changes)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Deletes the row and queues its bytes for deletion, in the caller's transaction. */
    async delete(row: AttachmentRow, at: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('attachments').where('id', '=', row.id).execute()
      await db
        .insertInto('attachment_deletions')
        .values({ attachment_id: row.id, storage_key: row.storage_key, created_at: at })
        .onConflict((oc) => oc.column('attachment_id').doNothing())
        .execute()
      await db
        .updateTable('project_storage')
        .set({
          used_bytes: sql`used_bytes - ${Number(row.size)}`,
          file_count: sql`file_count - 1`,
        })
        .where('project_id', '=', row.project_id)
        .execute()
    },

    /**
     * Counts `bytes` more against the project's quota, or answers false (changing nothing) when that would
     * pass `quotaBytes`. One conditional update: two uploads committing at once cannot both fit under it.
     */
    async reserve(projectId: string, bytes: number, quotaBytes: number): Promise<boolean> {
      assertTransaction(db)
      await ensureStorageRow(projectId)
      const result = await db
        .updateTable('project_storage')
        .set({ used_bytes: sql`used_bytes + ${bytes}`, file_count: sql`file_count + 1` })
        .where('project_id', '=', projectId)
        .where(sql<boolean>`used_bytes + reserved_bytes + ${bytes} <= ${quotaBytes}`)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /**
     * Holds `bytes` of the quota for a resumable upload under way, or answers false (changing nothing) when
     * that would pass `quotaBytes`: the same single conditional update as `reserve`.
     */
    async holdForUpload(projectId: string, bytes: number, quotaBytes: number): Promise<boolean> {
      assertTransaction(db)
      await ensureStorageRow(projectId)
      const result = await db
        .updateTable('project_storage')
        .set({ reserved_bytes: sql`reserved_bytes + ${bytes}` })
        .where('project_id', '=', projectId)
        .where(sql<boolean>`used_bytes + reserved_bytes + ${bytes} <= ${quotaBytes}`)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Gives back what `holdForUpload` held. */
    async releaseUploadHold(projectId: string, bytes: number): Promise<void> {
      assertTransaction(db)
      await db
        .updateTable('project_storage')
        .set({ reserved_bytes: sql`reserved_bytes - ${bytes}` })
        .where('project_id', '=', projectId)
        .execute()
    },

    async usage(projectId: string): Promise<{ usedBytes: number; reservedBytes: number; fileCount: number }> {
      const row = await db
        .selectFrom('project_storage')
        .select(['used_bytes', 'reserved_bytes', 'file_count'])
        .where('project_id', '=', projectId)
        .executeTakeFirst()
      return {
        usedBytes: Number(row?.used_bytes ?? 0),
        reservedBytes: Number(row?.reserved_bytes ?? 0),
        fileCount: Number(row?.file_count ?? 0),
      }
    },

    async insertUpload(row: UploadRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('uploads').values(row).execute()
    },

    async findUpload(id: string): Promise<UploadRow | undefined> {
      return db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst()
    },

    /** Deletes the upload's row; false when another request already did (finished, cancelled or swept it). */
    async deleteUpload(id: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },

    /** Uploads not finished by `at`, oldest first, for the sweep. */
    async expiredUploads(at: string, limit: number): Promise<UploadRow[]> {
      return db
        .selectFrom('uploads')
        .selectAll()
        .where('expires_at', '<=', at)
        .orderBy('expires_at')
        .limit(limit)
        .execute()
    },

    async pendingDeletions(limit: number) {
      return db.selectFrom('attachment_deletions').selectAll().orderBy('created_at').limit(limit).execute()
    },

    async forgetDeletion(attachmentId: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('attachment_deletions').where('attachment_id', '=', attachmentId).execute()
    },

    /** A page of rows in id order, for the sweep that looks for rows whose bytes or parent are gone. */
    async scan(afterId: string, limit: number): Promise<AttachmentRow[]> {
      return db.selectFrom('attachments').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()
    },

    /** Whether the row's project and the task, note or comment it is attached to still exist. */
    async parentExists(row: AttachmentRow): Promise<boolean> {
      const has = async (table: 'projects' | 'tasks' | 'notes' | 'comments', id: string) =>
        (await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      if (!(await has('projects', row.project_id))) return false
      if (row.task_id && !(await has('tasks', row.task_id))) return false
      if (row.note_id && !(await has('notes', row.note_id))) return false
      if (row.comment_id && !(await has('comments', row.comment_id))) return false
      return true
    },

    /** Whether a task, note or comment is in the project (what a file may be attached to). */
    async targetInProject(projectId: string, target: AttachmentParent): Promise<boolean> {
      const table = { task_id: 'tasks', note_id: 'notes', comment_id: 'comments', project_id: 'projects' } as const
      const t = table[target.column]
      if (t === 'projects') return target.id === projectId
      const row = await db
        .selectFrom(t)
        .select('id')
        .where('id', '=', target.id)
        .where('project_id', '=', projectId)
        .executeTakeFirst()
      return row !== undefined
    },
  }
}
