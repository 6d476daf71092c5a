import { etagOf } from '../../core/etag.js'
import type { operations, WebhookEndpointCreated } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import { answersWith } from '../../idempotency/idempotency.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function webhooksHandlers({ webhooks }: Services) {
  const listWebhookEndpoints: AppRouteHandler<Routes['listWebhookEndpoints']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await webhooks.list(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, cursor })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const createWebhookEndpoint: AppRouteHandler<Routes['createWebhookEndpoint']> = async (c) => {
    const respond = answersWith(c, (endpoint: WebhookEndpointCreated) =>
      c.json(endpoint, 201, {
        Location: `/v1/webhooks/${endpoint.id}`,
        ETag: etagOf(endpoint.version),
        // The only answer that carries the secret.
        'Cache-Control': 'no-store',
      }),
    )
    const { projectId } = c.req.valid('param')
    return respond(await webhooks.create(requireAuth(c, 'write'), projectId, c.req.valid('json')))
  }

  const getWebhookEndpoint: AppRouteHandler<Routes['getWebhookEndpoint']> = async (c) => {
    const endpoint = await webhooks.get(requireAuth(c, 'read'), c.req.valid('param').webhookId)
    return c.json(endpoint, 200, { ETag: etagOf(endpoint.version) })
  }

  const updateWebhookEndpoint: AppRouteHandler<Routes['updateWebhookEndpoint']> = async (c) => {
    const { webhookId } = c.req.valid('param')
    const ifMatch = c.req.valid('header')['If-Match']
    const endpoint = await webhooks.update(requireAuth(c, 'write'), webhookId, c.req.valid('json'), ifMatch)
    return c.json(endpoint, 200, { ETag: etagOf(endpoint.version) })
  }

  const deleteWebhookEndpoint: AppRouteHandler<Routes['deleteWebhookEndpoint']> = async (c) => {
    await webhooks.remove(requireAuth(c, 'write'), c.req.valid('param').webhookId)
    return c.body(null, 204)
  }

  const rotateWebhookSecret: AppRouteHandler<Routes['rotateWebhookSecret']> = async (c) => {
    const secret = await webhooks.rotate(requireAuth(c, 'write'), c.req.valid('param').webhookId)
    return c.json(secret, 200, { 'Cache-Control': 'no-store' })
  }

  const pingWebhookEndpoint: AppRouteHandler<Routes['pingWebhookEndpoint']> = async (c) => {
    return c.json(await webhooks.ping(requireAuth(c, 'write'), c.req.valid('param').webhookId), 202)
  }

  const listWebhookDeliveries: AppRouteHandler<Routes['listWebhookDeliveries']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await webhooks.listDeliveries(requireAuth(c, 'read'), c.req.valid('param').webhookId, {
      limit,
      cursor,
    })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const redeliverWebhookDelivery: AppRouteHandler<Routes['redeliverWebhookDelivery']> = async (c) => {
    const { webhookId, deliveryId } = c.req.valid('param')
    return c.json(await webhooks.redeliver(requireAuth(c, 'write'), webhookId, deliveryId), 202)
  }

  const replayWebhookEvents: AppRouteHandler<Routes['replayWebhookEvents']> = async (c) => {
    const { webhookId } = c.req.valid('param')
    return c.json(await webhooks.replay(requireAuth(c, 'write'), webhookId, c.req.valid('json').since), 202)
  }

  return {
    listWebhookEndpoints,
    createWebhookEndpoint,
    getWebhookEndpoint,
    updateWebhookEndpoint,
    deleteWebhookEndpoint,
    rotateWebhookSecret,
    pingWebhookEndpoint,
    listWebhookDeliveries,
    redeliverWebhookDelivery,
    replayWebhookEvents,
  }
}
