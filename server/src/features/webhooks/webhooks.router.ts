import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { webhooksHandlers } from './webhooks.handlers.js'

export function createWebhooksRouter(services: Services) {
  const h = webhooksHandlers(services)
  return createRouter()
    .operation('listWebhookEndpoints', h.listWebhookEndpoints)
    .operation('createWebhookEndpoint', h.createWebhookEndpoint)
    .operation('getWebhookEndpoint', h.getWebhookEndpoint)
    .operation('updateWebhookEndpoint', h.updateWebhookEndpoint)
    .operation('deleteWebhookEndpoint', h.deleteWebhookEndpoint)
    .operation('rotateWebhookSecret', h.rotateWebhookSecret)
    .operation('pingWebhookEndpoint', h.pingWebhookEndpoint)
    .operation('listWebhookDeliveries', h.listWebhookDeliveries)
    .operation('redeliverWebhookDelivery', h.redeliverWebhookDelivery)
    .operation('replayWebhookEvents', h.replayWebhookEvents)
}
