import { can } from '../../authorization/permissions.js'
import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { Comment, CommentCreate, CommentList, CommentUpdate } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { deleteVersioned, updateVersioned } from '../../write/versioned.js'
import type { WriteTx } from '../../write/writer.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import type { TasksService } from '../tasks/tasks.service.js'
import { commentRemoval, recordCommentRemoval } from './comments.reactions.js'
import { toComment } from './comments.repository.js'

const NO_COMMENT = 'No comment with this id.'

export function createCommentsService(
  { repositories, writer, cursors, access, now }: ServiceDeps,
  tasks: TasksService,
) {
  const repo = repositories.comments

  /**
   * A comment the caller may see, with their role in its project. Authors act on their own comments
   * (`updateOwn`, `deleteOwn`); owners may delete anyone's (`deleteAny`).
   */
  async function load(caller: Principal, commentId: string, action: 'update' | 'delete') {
    const comment = await repo.find(commentId)
    if (!comment) throw new ApiError(404, 'not_found', NO_COMMENT)
    const role = await access.authorize(caller, comment.project_id, 'comment', 'read', NO_COMMENT)
    const own = comment.author_id === caller.userId
    const allowed =
      action === 'update'
        ? own && can(role, 'comment', 'updateOwn')
        : (own && can(role, 'comment', 'deleteOwn')) || can(role, 'comment', 'deleteAny')
    if (!allowed) {
      throw new ApiError(
        403,
        'forbidden',
        action === 'update'
          ? 'Only the author may edit a comment.'
          : 'Only the author or a project owner may delete a comment.',
      )
    }
    return { comment }
  }

  return {
    /**
     * Runs inside the account-deletion write, after projects have deleted the user's own projects (whose
     * `project.deleted` covers their comments): the comments the user wrote anywhere else go with the
     * account, and the members who still see those projects are told.
     */
    async beforeAccountDeletion(tx: WriteTx, userId: string): Promise<void> {
      for (const comment of await tx.comments.allByAuthor(userId)) {
        await recordCommentRemoval(tx, comment, userId)
      }
    },

    async list(caller: Principal, taskId: string, page: PageInput): Promise<CommentList> {
      await tasks.readable(caller, taskId)
      const scope = listScope('listComments', { taskId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.list(taskId, after, page.limit)
      return { data: result.items, nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async create(caller: Principal, taskId: string, input: CommentCreate): Promise<Comment> {
      const task = await tasks.readable(caller, taskId)
      await access.authorize(caller, task.projectId, 'comment', 'create', 'No task with this id.')
      const at = now().toISOString()
      return writer.write(
        async (tx) => {
          const comment = await tx.comments.insert({
            id: newId('cmt'),
            task_id: taskId,
            project_id: task.projectId,
            author_id: caller.userId,
            body: input.body,
            created_at: at,
            updated_at: at,
            version: 1,
          })
          await tx.record(commentChange('comment.created', task.projectId, comment, caller.userId))
          return comment
        },
        { by: caller },
      )
    },

    async update(
      caller: Principal,
      commentId: string,
      patch: CommentUpdate,
      ifMatch: string | undefined,
    ): Promise<Comment> {
      await load(caller, commentId, 'update')
      // Applied to the row as locked in the write: without If-Match the last write wins, never 412.
      return writer.write(
        async (tx) => {
          const next = await updateVersioned(tx, {
            lock: () => tx.comments.findForUpdate(commentId),
            notFound: NO_COMMENT,
            ifMatch,
            apply: (current) => ({ ...current, body: patch.body, updated_at: now().toISOString() }),
            save: (next, version) => tx.comments.update(next, version),
            change: (next, current) => ({
              ...commentChange('comment.updated', current.project_id, toComment(next), caller.userId),
              previous: toComment(current),
            }),
          })
          return toComment(next)
        },
        { by: caller },
      )
    },

    async remove(caller: Principal, commentId: string, ifMatch: string | undefined): Promise<void> {
      await load(caller, commentId, 'delete')
      await writer.write(
        async (tx) => {
          await deleteVersioned(tx, {
            lock: () => tx.comments.findForUpdate(commentId),
            notFound: NO_COMMENT,
            ifMatch,
            removal: (current) => commentRemoval(current, caller.userId),
            remove: () => tx.comments.delete(commentId),
          })
        },
        { by: caller },
      )
    },
  }
}

const commentChange = (
  type: 'comment.created' | 'comment.updated',
  projectId: string,
  comment: Comment,
  actorId: string,
) => ({
  type,
  projectId,
  resourceType: 'comment',
  resourceId: comment.id,
  version: comment.version,
  actorId,
  data: comment,
})

export type CommentsService = ReturnType<typeof createCommentsService>
