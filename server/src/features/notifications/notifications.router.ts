import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { notificationsHandlers } from './notifications.handlers.js'

export function createNotificationsRouter(services: Services) {
  const h = notificationsHandlers(services)
  return createRouter()
    .openapi(operations.listNotifications, h.listNotifications)
    .openapi(operations.getUnreadNotificationCount, h.getUnreadNotificationCount)
    .openapi(operations.markNotificationRead, h.markNotificationRead)
    .openapi(operations.markAllNotificationsRead, h.markAllNotificationsRead)
    .openapi(operations.getNotificationPreferences, h.getNotificationPreferences)
    .openapi(operations.updateNotificationPreferences, h.updateNotificationPreferences)
}
