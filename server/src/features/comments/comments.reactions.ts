import type { CommentsTable } from '../../db/schema.js'
import { type ChangeInput, type RecordedChange, removalChange } from '../../write/change.js'
import type { WriteTx } from '../../write/writer.js'
import { toComment } from './comments.repository.js'

/** A comment that is gone (deleted, or gone with its task or its author's account): clients drop it by id. */
export const commentRemoval = (comment: CommentsTable, actorId: string | null): ChangeInput =>
  removalChange({
    type: 'comment.deleted',
    projectId: comment.project_id,
    resourceType: 'comment',
    resourceId: comment.id,
    actorId,
    previous: toComment(comment),
  })

export const recordCommentRemoval = (tx: WriteTx, comment: CommentsTable, actorId: string | null) =>
  tx.record(commentRemoval(comment, actorId))

/**
 * On `task.deleted`: a task's comments go with it (ON DELETE CASCADE). Recorded in the same write, while
 * they are still there (the delete records its change before deleting), so a client that synced them is
 * told they are gone.
 */
export async function tombstoneTaskComments(tx: WriteTx, change: RecordedChange): Promise<void> {
  for (const comment of await tx.comments.allOfTask(change.resourceId)) {
    await recordCommentRemoval(tx, comment, change.actorId)
  }
}
