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
import { toInstant } from '../../lib/instant.js'
import type { WriteTx } from '../../write/writer.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { REASONS, toNotification } from './notifications.repository.js'

const NO_NOTIFICATION = 'No notification with this id.'

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
