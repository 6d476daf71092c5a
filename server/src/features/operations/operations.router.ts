import type { AppContext } from '../../context.js'
import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import { operationsHandlers } from './operations.handlers.js'

export function createOperationsRouter(ctx: AppContext) {
  const h = operationsHandlers(ctx)
  return createRouter()
    .openapi(operations.getHealth, h.getHealth)
    .openapi(operations.getReadiness, h.getReadiness)
    .openapi(operations.getMetrics, h.getMetrics)
    .openapi(operations.getOpenApiJson, h.getOpenApiJson)
    .openapi(operations.getOpenApiYaml, h.getOpenApiYaml)
}
