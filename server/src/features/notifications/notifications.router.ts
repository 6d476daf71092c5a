import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { notificationsHandlers } from './notifications.handlers.js'

export function createNotificationsRouter(services: Services) {
  const h = notificationsHandlers(services)
  return createRouter()
    .operation('listNotifications', h.listNotifications)
    .operation('getUnreadNotificationCount', h.getUnreadNotificationCount)
    .operation('markNotificationRead', h.markNotificationRead)
    .operation('markAllNotificationsRead', h.markAllNotificationsRead)
    .operation('getNotificationPreferences', h.getNotificationPreferences)
    .operation('updateNotificationPreferences', h.updateNotificationPreferences)
}
