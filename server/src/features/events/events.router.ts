import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { eventsHandlers } from './events.handlers.js'

export function createEventsRouter(services: Services) {
  const h = eventsHandlers(services)
  return createRouter().operation('streamEvents', h.streamEvents)
}
