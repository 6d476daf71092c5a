import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { changesHandlers } from './changes.handlers.js'

export function createChangesRouter(services: Services) {
  const h = changesHandlers(services)
  return createRouter().openapi(operations.listChanges, h.listChanges)
}
