import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { changesHandlers } from './changes.handlers.js'

export function createChangesRouter(services: Services) {
  const h = changesHandlers(services)
  return createRouter().operation('listChanges', h.listChanges)
}
