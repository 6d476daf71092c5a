import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { webhooksHandlers } from './webhooks.handlers.js'

export function createWebhooksRouter(services: Services) {
  const h = webhooksHandlers(services)
  return createRouter()
    .openapi(operations.listWebhookEndpoints, h.listWebhookEndpoints)
    .openapi(operations.createWebhookEndpoint, h.createWebhookEndpoint)
    .openapi(operations.getWebhookEndpoint, h.getWebhookEndpoint)
    .openapi(operations.updateWebhookEndpoint, h.updateWebhookEndpoint)
    .openapi(operations.deleteWebhookEndpoint, h.deleteWebhookEndpoint)
    .openapi(operations.rotateWebhookSecret, h.rotateWebhookSecret)
    .openapi(operations.pingWebhookEndpoint, h.pingWebhookEndpoint)
    .openapi(operations.listWebhookDeliveries, h.listWebhookDeliveries)
    .openapi(operations.redeliverWebhookDelivery, h.redeliverWebhookDelivery)
    .openapi(operations.replayWebhookEvents, h.replayWebhookEvents)
}
