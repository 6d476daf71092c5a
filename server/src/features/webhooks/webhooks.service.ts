import { randomBytes } from 'node:crypto'
import type { Action } from '../../authorization/permissions.js'
import { ApiError } from '../../core/api-error.js'
import { assertIfMatch } from '../../core/etag.js'
import type { Principal } from '../../core/principal.js'
import type {
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointList,
  WebhookEndpointUpdate,
  WebhookReplayResult,
  WebhookSecret,
} from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import type { ChangeLog } from '../changes/change-log.js'
import type { PageInput } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import { changeEventBody, matches, unknownPatterns } from './webhook-events.js'
import { queueDelivery } from './webhook-fanout.js'
import { refuseUrl } from './webhook-targets.js'
import { type EndpointRow, toDelivery, toEndpoint } from './webhooks.repository.js'

/** The most endpoints one project may have (documented on createWebhookEndpoint). */
const MAX_ENDPOINTS_PER_PROJECT = 20
/** How long deliveries are also signed with the secret a rotation replaced. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000
/** The most changes one replay call queues. */
const REPLAY_LIMIT = 10_000
const NO_WEBHOOK = 'No webhook endpoint with this id.'

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`

export function createWebhooksService(
  { config, repositories, writer, cursors, access, now }: ServiceDeps,
  changeLog: Pick<ChangeLog, 'assertRetained'>,
) {
  const repo = repositories.webhooks
  const policy = { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowed: config.WEBHOOK_ALLOWED_TARGETS }

  function checkUrl(url: string) {
    const reason = refuseUrl(url, policy)
    if (reason) {
      throw new ApiError(422, 'webhook_url_not_allowed', reason, {
        errors: [{ path: '/body/url', message: reason, code: 'webhook_url_not_allowed' }],
      })
    }
  }

  async function checkEventTypes(patterns: string[]) {
    const unknown = await unknownPatterns(patterns)
    if (unknown.length > 0) {
      throw new ApiError(422, 'unknown_event_type', `No change type matches ${unknown.join(', ')}.`, {
        errors: unknown.map((p) => ({
          path: `/body/eventTypes/${patterns.indexOf(p)}`,
          message: `No change type matches ${p}`,
          code: 'unknown_event_type',
        })),
      })
    }
  }

  /** The endpoint and the caller's right to `action` on it; 404 for an id the caller may not see. */
  async function endpointFor(caller: Principal, webhookId: string, action: Action<'webhook'>) {
    const row = await repo.findEndpoint(webhookId)
    if (!row) throw new ApiError(404, 'not_found', NO_WEBHOOK)
    await access.authorize(caller, row.project_id, 'webhook', action, NO_WEBHOOK)
    return { row }
  }

  // Endpoint settings and deliveries are no change any client is told about: their writes are silent.
  const write = <T>(fn: Parameters<typeof writer.write<T>>[0]) => writer.write(fn, { silent: true })

  return {
    async list(caller: Principal, projectId: string, page: PageInput): Promise<WebhookEndpointList> {
      await access.authorize(caller, projectId, 'webhook', 'read')
      const scope = listScope('listWebhookEndpoints', { projectId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.listEndpoints(projectId, after, page.limit)
      return { data: result.items.map(toEndpoint), nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async create(caller: Principal, projectId: string, input: WebhookEndpointCreate): Promise<WebhookEndpointCreated> {
      await access.authorize(caller, projectId, 'webhook', 'create')
      checkUrl(input.url)
      await checkEventTypes(input.eventTypes)
      const at = now().toISOString()
      const row: EndpointRow = {
        id: newId('whk'),
        project_id: projectId,
        url: input.url,
        description: input.description ?? '',
        event_types: JSON.stringify(input.eventTypes),
        enabled: input.enabled === false ? 0 : 1,
        disabled_reason: null,
        secret: newSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        failing_since: null,
        created_by: caller.userId,
        created_at: at,
        updated_at: at,
        version: 1,
      }
      await write(async (tx) => {
        const r = tx.webhooks
        if ((await r.countForProject(projectId)) >= MAX_ENDPOINTS_PER_PROJECT) {
          throw new ApiError(
            422,
            'webhook_limit_reached',
            `A project has at most ${MAX_ENDPOINTS_PER_PROJECT} webhook endpoints; delete one first.`,
          )
        }
        await r.insertEndpoint(row)
      })
      return { ...toEndpoint(row), secret: row.secret }
    },

    async get(caller: Principal, webhookId: string): Promise<WebhookEndpoint> {
      return toEndpoint((await endpointFor(caller, webhookId, 'read')).row)
    },

    async update(
      caller: Principal,
      webhookId: string,
      input: WebhookEndpointUpdate,
      ifMatch: string | undefined,
    ): Promise<WebhookEndpoint> {
      await endpointFor(caller, webhookId, 'update')
      if (input.url !== undefined) checkUrl(input.url)
      if (input.eventTypes !== undefined) await checkEventTypes(input.eventTypes)
      return write(async (tx) => {
        const r = tx.webhooks
        const row = await r.findEndpointForUpdate(webhookId)
        if (!row) throw new ApiError(404, 'not_found', NO_WEBHOOK)
        assertIfMatch(ifMatch, row.version)
        const next: EndpointRow = {
          ...row,
          url: input.url ?? row.url,
          description: input.description ?? row.description,
          event_types: input.eventTypes ? JSON.stringify(input.eventTypes) : row.event_types,
          enabled: input.enabled === undefined ? row.enabled : input.enabled ? 1 : 0,
          // Enabled again by an owner: a fresh start, not a continuation of the failing streak.
          disabled_reason: input.enabled === true ? null : row.disabled_reason,
          failing_since: input.enabled === true && row.enabled === 0 ? null : row.failing_since,
          updated_at: now().toISOString(),
          version: row.version + 1,
        }
        await r.updateEndpoint(webhookId, next)
        return toEndpoint(next)
      })
    },

    async remove(caller: Principal, webhookId: string): Promise<void> {
      await endpointFor(caller, webhookId, 'delete')
      await write((tx) => tx.webhooks.deleteEndpoint(webhookId))
    },

    async rotate(caller: Principal, webhookId: string): Promise<WebhookSecret> {
      await endpointFor(caller, webhookId, 'rotate')
      const at = now()
      return write(async (tx) => {
        const r = tx.webhooks
        const row = await r.findEndpointForUpdate(webhookId)
        if (!row) throw new ApiError(404, 'not_found', NO_WEBHOOK)
        const secret = newSecret()
        const previousSecretExpiresAt = new Date(at.getTime() + ROTATION_OVERLAP_MS).toISOString()
        await r.updateEndpoint(webhookId, {
          secret,
          previous_secret: row.secret,
          previous_secret_expires_at: previousSecretExpiresAt,
          updated_at: at.toISOString(),
          version: row.version + 1,
        })
        return { secret, previousSecretExpiresAt }
      })
    },

    async ping(caller: Principal, webhookId: string): Promise<WebhookDelivery> {
      const { row } = await endpointFor(caller, webhookId, 'ping')
      const at = now().toISOString()
      const payload = JSON.stringify({
        type: 'webhook.ping',
        timestamp: at,
        data: { endpointId: row.id, projectId: row.project_id },
      })
      const delivery = await write((tx) =>
        queueDelivery(tx, row, { eventType: 'webhook.ping', changeSeq: null, payload, at }),
      )
      return toDelivery(delivery)
    },

    async listDeliveries(caller: Principal, webhookId: string, page: PageInput): Promise<WebhookDeliveryList> {
      await endpointFor(caller, webhookId, 'read')
      const scope = listScope('listWebhookDeliveries', { webhookId })
      const after = page.cursor ? cursors.decode(scope, page.cursor) : undefined
      const result = await repo.listDeliveries(webhookId, after, page.limit)
      return { data: result.items.map(toDelivery), nextCursor: result.next && cursors.encode(scope, result.next) }
    },

    async redeliver(caller: Principal, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
      await endpointFor(caller, webhookId, 'redeliver')
      const at = now().toISOString()
      return write(async (tx) => {
        const r = tx.webhooks
        const delivery = await r.findDelivery(deliveryId)
        if (!delivery || delivery.endpoint_id !== webhookId) {
          throw new ApiError(404, 'not_found', 'No delivery with this id for this endpoint.')
        }
        // Still pending: its job is queued already, and a second one would send the same message twice.
        if (delivery.status === 'pending') return toDelivery(delivery)
        const reset = { status: 'pending' as const, attempts: 0, error: null, next_attempt_at: at }
        await r.updateDelivery(deliveryId, reset)
        await tx.enqueue({ kind: 'webhook', payload: { deliveryId } })
        return toDelivery({ ...delivery, ...reset })
      })
    },

    async replay(caller: Principal, webhookId: string, since: string): Promise<WebhookReplayResult> {
      const { row } = await endpointFor(caller, webhookId, 'replay')
      // The spec's pattern allows 19 digits; a position past the newest seq is nothing to replay.
      const from = BigInt(since)
      await changeLog.assertRetained(from)
      const patterns = JSON.parse(row.event_types) as string[]
      return write(async (tx) => {
        const changes = await tx.changes.projectChangesAfter(row.project_id, from, REPLAY_LIMIT)
        let queued = 0
        const at = now().toISOString()
        for (const c of changes) {
          if (!patterns.some((p) => matches(p, c.type))) continue
          const payload = changeEventBody({
            seq: BigInt(c.seq),
            type: c.type,
            projectId: c.project_id,
            userId: c.user_id,
            resourceType: c.resource_type,
            resourceId: c.resource_id,
            version: c.version,
            actorId: c.actor_id,
            data: JSON.parse(c.data),
            occurredAt: c.created_at,
          })
          await queueDelivery(tx, row, { eventType: c.type, changeSeq: BigInt(c.seq), payload, at })
          queued++
        }
        return {
          queued,
          throughSeq: String(changes.at(-1)?.seq ?? from),
          hasMore: changes.length === REPLAY_LIMIT,
        }
      })
    },
  }
}

export type WebhooksService = ReturnType<typeof createWebhooksService>
