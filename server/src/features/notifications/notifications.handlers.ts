import type { operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function notificationsHandlers({ notifications }: Services) {
  const listNotifications: AppRouteHandler<Routes['listNotifications']> = async (c) => {
    const { limit = 20, cursor, unread } = c.req.valid('query')
    const page = await notifications.list(
      requireAuth(c, 'read'),
      { unread: unread === undefined ? undefined : unread === 'true' },
      { limit, cursor },
    )
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const getUnreadNotificationCount: AppRouteHandler<Routes['getUnreadNotificationCount']> = async (c) =>
    c.json({ count: await notifications.unreadCount(requireAuth(c, 'read')) }, 200)

  const markNotificationRead: AppRouteHandler<Routes['markNotificationRead']> = async (c) =>
    c.json(await notifications.markRead(requireAuth(c, 'write'), c.req.valid('param').notificationId), 200)

  const markAllNotificationsRead: AppRouteHandler<Routes['markAllNotificationsRead']> = async (c) =>
    c.json({ marked: await notifications.markAllRead(requireAuth(c, 'write'), c.req.valid('json').before) }, 200)

  const getNotificationPreferences: AppRouteHandler<Routes['getNotificationPreferences']> = async (c) =>
    c.json(await notifications.preferences(requireAuth(c, 'read')), 200)

  const updateNotificationPreferences: AppRouteHandler<Routes['updateNotificationPreferences']> = async (c) =>
    c.json(await notifications.updatePreferences(requireAuth(c, 'write'), c.req.valid('json')), 200)

  return {
    listNotifications,
    getUnreadNotificationCount,
    markNotificationRead,
    markAllNotificationsRead,
    getNotificationPreferences,
    updateNotificationPreferences,
  }
}
