import type { Logger } from 'pino'
import { type RecordedChange, removalChange } from '../../write/change.js'
import type { Writer, WriteTx } from '../../write/writer.js'
import type { AttachmentParent, AttachmentRow } from './attachments.repository.js'
import { toAttachment } from './attachments.repository.js'
import { thumbnailKey } from './files.js'
import type { FileStorage } from './storage/storage.js'
import { THUMBNAIL_SIZES } from './thumbnails.js'

/**
 * Deletes attachments in the caller's write: the rows, the project's usage and an `attachment.deleted`
 * change now, and their bytes queued (in `attachment_deletions`) for after the write has committed.
 */
export async function removeAttachments(tx: WriteTx, rows: AttachmentRow[], actorId: string | null, now: () => Date) {
  const at = now().toISOString()
  for (const row of rows) {
    await tx.attachments.delete(row, at)
    await tx.record(
      removalChange({
        type: 'attachment.deleted',
        projectId: row.project_id,
        resourceType: 'attachment',
        resourceId: row.id,
        actorId,
        previous: toAttachment(row),
      }),
    )
  }
}

const PARENTS: Record<string, AttachmentParent['column']> = {
  'task.deleted': 'task_id',
  'note.deleted': 'note_id',
  'comment.deleted': 'comment_id',
  'project.deleted': 'project_id',
}

/** The change types whose resource takes its files with it. */
export const PARENT_DELETIONS = Object.keys(PARENTS)

/**
 * On the deletion of a task, note, comment or project: its files go in the same write (a project's once,
 * though one `project.deleted` is recorded per member).
 */
export const removeFilesOfDeleted =
  (now: () => Date) =>
  async (tx: WriteTx, change: RecordedChange): Promise<void> => {
    const column = PARENTS[change.type]
    if (!column) return
    const rows = await tx.attachments.allOf({ column, id: change.resourceId })
    await removeAttachments(tx, rows, change.actorId, now)
  }

/**
 * The bytes of deleted attachments, deleted once the deleting write has committed: never before the row
 * is gone for good, since the queue rows commit with it. `noteDeletion` runs in the transaction (on
 * `attachment.deleted`); `afterCommit` then drains the queue. Anything left (a crash, a store that was
 * down) is drained by the next sweep.
 */
export function createByteCleanup({ files, logger }: { files: FileStorage; logger: Logger }) {
  let pending = false
  let draining: Promise<number> | undefined
  let next: Promise<number> | undefined

  async function drainOnce(writer: Writer, reader: Pick<WriteTx, 'attachments'>): Promise<number> {
    let done = 0
    for (;;) {
      const batch = await reader.attachments.pendingDeletions(100)
      let progressed = false
      for (const item of batch) {
        try {
          await files.delete(item.storage_key)
          for (const size of THUMBNAIL_SIZES) await files.delete(thumbnailKey(item.attachment_id, size))
          await writer.write((tx) => tx.attachments.forgetDeletion(item.attachment_id), { silent: true })
          done++
          progressed = true
        } catch (err) {
          logger.warn(
            { err, key: item.storage_key },
            'deleting the bytes of a deleted attachment failed; retried later',
          )
        }
      }
      if (batch.length < 100 || !progressed) return done
    }
  }

  /**
   * Deletes every queued deletion's bytes. One run at a time; a call while one runs waits for a run that
   * starts after it (shared by every call that came meanwhile), so what it queued is covered.
   */
  function drain(writer: Writer, reader: Pick<WriteTx, 'attachments'>): Promise<number> {
    if (next) return next
    const after = draining ?? Promise.resolve(0)
    next = after
      .catch(() => 0)
      .then(() => {
        next = undefined
        draining = drainOnce(writer, reader).finally(() => {
          draining = undefined
        })
        return draining
      })
    return next
  }

  return {
    drain,
    noteDeletion: async () => {
      pending = true
    },
    afterCommit(writer: Writer, reader: Pick<WriteTx, 'attachments'>) {
      if (!pending) return
      pending = false
      drain(writer, reader).catch((err: unknown) => logger.warn({ err }, 'deleting attachment bytes failed'))
    },
    async idle() {
      await Promise.allSettled([next, draining])
    },
  }
}

export type ByteCleanup = ReturnType<typeof createByteCleanup>
