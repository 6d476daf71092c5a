import type { AppContext } from '../../context.js'
import { createRouter } from '../../http/router.js'
import { operationsHandlers } from './operations.handlers.js'

export function createOperationsRouter(ctx: AppContext) {
  const h = operationsHandlers(ctx)
  return createRouter()
    .operation('getHealth', h.getHealth)
    .operation('getReadiness', h.getReadiness)
    .operation('getMetrics', h.getMetrics)
    .operation('getOpenApiJson', h.getOpenApiJson)
    .operation('getOpenApiYaml', h.getOpenApiYaml)
}
