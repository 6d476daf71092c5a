import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { NotificationsTable } from '../../db/schema.js'
import type {
  Notification,
  NotificationList,
  NotificationPreferences,
  NotificationPreferencesUpdate,
} from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { toInstant } from '../../lib/instant.js'
import type { WriteTx } from '../../write/writer.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { REASONS, toNotification } from './notifications.repository.js'

const NO_NOTIFICATION = 'No notification with this id.'

/**
 * Tells an owner in the app that a webhook endpoint of their project was disabled for failing, inside the
 * write that disables it (recorded as a `notification.created` change for them alone). Always made: it is
 * no preference's reason; the mail about it is sent by the same write, so none is left due here.
 */
export async function notifyWebhookDisabled(
  tx: WriteTx,
  event: { recipient: string; projectId: string; webhookId: string; url: string; at: Date },
): Promise<void> {
  const at = event.at.toISOString()
  const row = await tx.notifications.upsert({
    id: newId('ntf'),
    user_id: event.recipient,
    reason: 'webhook_disabled',
    subject: `webhook:${event.webhookId}`,
    project_id: event.projectId,
    task_id: null,
    comment_id: null,
    invitation_id: null,
    webhook_id: event.webhookId,
    actor_id: null,
    title: event.url.slice(0, 500),
    count: 1,
    created_at: at,
    updated_at: at,
    read_at: null,
    email_due_at: null,
    emailed_at: null,
  })
  await tx.record({
    type: 'notification.created',
    projectId: row.project_id,
    userId: row.user_id,
    resourceType: 'notification',
    resourceId: row.id,
    version: null,
    actorId: null,
    data: toNotification(row),
  })
}

/** The caller's own notifications and preferences. (Notifications are made by the change subscriber.) */
export function createNotificationsService({ repositories, writer, cursors, now }: ServiceDeps) {
  const repo = repositories.notifications

  const recordUpdate = (tx: WriteTx, caller: Principal, row: NotificationsTable) =>
    tx.record({
      type: 'notification.updated',
      projectId: row.project_id,
      userId: row.user_id,
      resourceType: 'notification',
      resourceId: row.id,
      version: null,
      actorId: caller.userId,
      data: toNotification(row),
    })

  return {
    async list(caller: Principal, filter: { unread?: boolean }, page: PageInput): Promise<NotificationList> {
      const scope = listScope('listNotifications', { userId: caller.userId, unread: filter.unread })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.list(caller.userId, filter.unread, after, page.limit)
      return {
        data: result.items.map(toNotification),
        nextCursor: result.next && cursors.encode(scope, result.next),
      }
    },

    unreadCount: (caller: Principal): Promise<number> => repo.unreadCount(caller.userId),

    /**
     * Marking read is a write like any other: it goes through the change log, and each notification it
     * marks is recorded as a `notification.updated` change for its recipient, so their other devices and
     * tabs clear it too.
     */
    async markRead(caller: Principal, notificationId: string): Promise<Notification> {
      const row = await writer.write(
        async (tx) => {
          const marked = await tx.notifications.markRead(caller.userId, notificationId, now().toISOString())
          if (marked) await recordUpdate(tx, caller, marked)
          return marked
        },
        { by: caller },
      )
      // Already read (nothing to record), or not the caller's: answered as it is, or 404.
      const current = row ?? (await repo.find(caller.userId, notificationId))
      if (!current) throw new ApiError(404, 'not_found', NO_NOTIFICATION)
      return toNotification(current)
    },

    markAllRead: (caller: Principal, before: string): Promise<number> =>
      writer.write(
        async (tx) => {
          const rows = await tx.notifications.markAllRead(caller.userId, toInstant(before), now().toISOString())
          for (const row of rows) await recordUpdate(tx, caller, row)
          return rows.length
        },
        { by: caller },
      ),

    preferences: (caller: Principal): Promise<NotificationPreferences> => repo.preferences(caller.userId),

    async updatePreferences(caller: Principal, patch: NotificationPreferencesUpdate): Promise<NotificationPreferences> {
      // Preferences are the caller's own settings, not something any stream tells about: a silent write.
      await writer.write(
        async (tx) => {
          for (const reason of REASONS) {
            const change = patch[reason]
            if (change) await tx.notifications.savePreference(caller.userId, reason, change)
          }
        },
        { silent: true },
      )
      return repo.preferences(caller.userId)
    },
  }
}

export type NotificationsService = ReturnType<typeof createNotificationsService>
