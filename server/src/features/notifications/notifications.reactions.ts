import type { NotificationReason } from '../../db/schema.js'
import type { Comment, Invitation, Task } from '../../generated/routes.js'
import { newId } from '../../lib/ids.js'
import { type RecordedChange, removalChange } from '../../write/change.js'
import type { WriteTx } from '../../write/writer.js'
import { newMentions, parseMentions } from './mentions.js'
import { type TaskFacts, toNotification } from './notifications.repository.js'

interface Event {
  recipient: string
  reason: NotificationReason
  projectId: string
  taskId: string | null
  commentId: string | null
  invitationId: string | null
  title: string
}

/**
 * Turns changes into notifications (a reaction, see reactions.ts), inside the transaction of the write that made them, so a notification
 * exists exactly when its cause does. Rules: the actor is never notified; nobody is notified about a
 * project they are not a member of (except the invitee of an invitation); a preference with `inApp` off
 * makes nothing; a repeat while the recipient's thread on that subject and reason is unread bumps it.
 * Every notification made or bumped is recorded as a `notification.created` change for its recipient only.
 */
/** The changes that can notify someone. */
export const NOTIFYING_CHANGES = [
  'task.created',
  'task.updated',
  'comment.created',
  'comment.updated',
  'invitation.created',
  'invitation.revoked',
] as const

export function createNotifier({ now, emailDelayS }: { now: () => Date; emailDelayS: number }) {
  async function notify(tx: WriteTx, actorId: string | null, event: Event): Promise<void> {
    if (event.recipient === actorId) return
    const repo = tx.notifications
    const prefs = await repo.preferenceFor(event.recipient, event.reason)
    if (!prefs.inApp) return
    if (event.reason !== 'invited' && !(await tx.memberships.isMember(event.projectId, event.recipient))) return
    const at = now()
    const row = await repo.upsert({
      id: newId('ntf'),
      user_id: event.recipient,
      reason: event.reason,
      subject: event.taskId ? `task:${event.taskId}` : `project:${event.projectId}`,
      project_id: event.projectId,
      task_id: event.taskId,
      comment_id: event.commentId,
      invitation_id: event.invitationId,
      actor_id: actorId,
      title: event.title,
      count: 1,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
      read_at: null,
      email_due_at: prefs.email ? new Date(at.getTime() + emailDelayS * 1000).toISOString() : null,
      emailed_at: null,
    })
    await tx.record({
      type: 'notification.created',
      projectId: row.project_id,
      userId: row.user_id,
      resourceType: 'notification',
      resourceId: row.id,
      version: null,
      actorId,
      data: toNotification(row),
    })
  }

  async function mentioned(
    tx: WriteTx,
    actorId: string | null,
    task: TaskFacts,
    names: { userIds: string[]; emails: string[] },
    commentId: string | null,
  ): Promise<string[]> {
    const members = await tx.memberships.membersNamed(task.projectId, names.userIds, names.emails)
    for (const recipient of members) {
      await notify(tx, actorId, {
        recipient,
        reason: 'mentioned',
        projectId: task.projectId,
        taskId: task.id,
        commentId,
        invitationId: null,
        title: task.title,
      })
    }
    return members
  }

  const taskFacts = (task: Task): TaskFacts => ({
    id: task.id,
    projectId: task.projectId,
    title: task.title,
    createdBy: task.createdBy,
    assigneeId: task.assigneeId,
  })

  return async function onChange(tx: WriteTx, change: RecordedChange): Promise<void> {
    const { actorId } = change
    switch (change.type) {
      case 'task.created':
      case 'task.updated': {
        const task = change.data as Task
        const before = change.type === 'task.updated' ? (change.previous as Task | undefined) : undefined
        if (task.assigneeId && task.assigneeId !== before?.assigneeId) {
          await notify(tx, actorId, {
            recipient: task.assigneeId,
            reason: 'assigned',
            projectId: task.projectId,
            taskId: task.id,
            commentId: null,
            invitationId: null,
            title: task.title,
          })
        }
        const names = before ? newMentions(task.description, before.description) : parseMentions(task.description)
        await mentioned(tx, actorId, taskFacts(task), names, null)
        return
      }
      case 'comment.created':
      case 'comment.updated': {
        const comment = change.data as Comment
        const task = await tx.notifications.task(comment.taskId)
        if (!task) return
        const names =
          change.type === 'comment.updated'
            ? newMentions(comment.body, (change.previous as Comment | undefined)?.body)
            : parseMentions(comment.body)
        const mentionedIds = await mentioned(tx, actorId, task, names, comment.id)
        if (change.type !== 'comment.created') return
        // Someone mentioned in the comment already has the more specific notification for it.
        const followers = new Set([task.createdBy, task.assigneeId].filter((id): id is string => id !== null))
        for (const recipient of followers) {
          if (mentionedIds.includes(recipient)) continue
          await notify(tx, actorId, {
            recipient,
            reason: 'commented',
            projectId: task.projectId,
            taskId: task.id,
            commentId: comment.id,
            invitationId: null,
            title: task.title,
          })
        }
        return
      }
      case 'invitation.created': {
        const invitation = change.data as Invitation
        const repo = tx.notifications
        const recipient = await repo.userIdByEmail(invitation.email.toLowerCase())
        const projectName = await repo.projectName(invitation.projectId)
        if (!recipient || projectName === undefined) return
        await notify(tx, actorId, {
          recipient,
          reason: 'invited',
          projectId: invitation.projectId,
          taskId: null,
          commentId: null,
          invitationId: invitation.id,
          title: projectName,
        })
        return
      }
      case 'invitation.revoked': {
        // An invitation that can no longer be accepted leaves nothing behind in the invitee's list (nor a
        // pending email): the notification goes, and their other devices are told by a tombstone.
        for (const row of await tx.notifications.deleteForInvitation(change.resourceId)) {
          await tx.record(
            removalChange({
              type: 'notification.deleted',
              projectId: row.project_id,
              userId: row.user_id,
              resourceType: 'notification',
              resourceId: row.id,
              actorId,
            }),
          )
        }
        return
      }
    }
  }
}
