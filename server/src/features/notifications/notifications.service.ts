import type {
  Notification,
  NotificationList,
  NotificationPreferences,
  NotificationPreferencesUpdate,
} from '../../generated/routes.js'
import type { Principal } from '../../http/env.js'
import { ApiError } from '../../http/problem.js'
import { listScope } from '../../lib/cursor.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { notificationsRepository, REASONS, toNotification } from './notifications.repository.js'

const NO_NOTIFICATION = 'No notification with this id.'

/** The caller's own notifications and preferences. (Notifications are made by the change subscriber.) */
export function createNotificationsService({ ctx, cursors, now }: ServiceDeps) {
  const repo = notificationsRepository(ctx.db.kysely)

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

    async markRead(caller: Principal, notificationId: string): Promise<Notification> {
      const row = await repo.markRead(caller.userId, notificationId, now().toISOString())
      if (!row) throw new ApiError(404, 'not_found', NO_NOTIFICATION)
      return toNotification(row)
    },

    markAllRead: (caller: Principal, before: string): Promise<number> =>
      repo.markAllRead(caller.userId, new Date(before).toISOString(), now().toISOString()),

    preferences: (caller: Principal): Promise<NotificationPreferences> => repo.preferences(caller.userId),

    async updatePreferences(caller: Principal, patch: NotificationPreferencesUpdate): Promise<NotificationPreferences> {
      for (const reason of REASONS) {
        const change = patch[reason]
        if (change) await repo.savePreference(caller.userId, reason, change)
      }
      return repo.preferences(caller.userId)
    },
  }
}
