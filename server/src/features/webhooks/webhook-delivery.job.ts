import type { Logger } from 'pino'
import { Webhook } from 'standardwebhooks'
import type { Db } from '../../db/database.js'
import { JobError, type JobKind } from '../../queue/queue.js'
import type { Writer, WriteTx } from '../../write/writer.js'
import { notifyWebhookDisabled } from '../notifications/notifications.service.js'
import { postOnce } from './webhook-http.js'
import type { TargetAgents } from './webhook-targets.js'
import { type EndpointRow, webhooksRepository } from './webhooks.repository.js'

/** The most of a response body that is read and kept in the delivery log. */
const RESPONSE_BODY_BYTES = 64 * 1024

// Statuses that say "try again later"; any other 4xx (and a redirect, which is not followed) will not change.
const RETRIED = new Set([408, 409, 425, 429])
const retried = (status: number | null) => status === null || status >= 500 || RETRIED.has(status)

export interface WebhookDeliveryJobOptions {
  db: Db
  agents: TargetAgents
  logger: Logger
  timeoutMs: number
  retry: { baseMs: number; maxMs: number; forMs: number }
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterMs: number
  /**
   * The write seam, for each attempt's bookkeeping (silent writes) and for disabling a failing endpoint
   * with what goes with it in one transaction. A getter: the queue that runs this job is built before the
   * writer, which enqueues on it.
   */
  writer: () => Writer
  publicUrl: string
  now?: () => Date
}

/**
 * The queue's `webhook` job: one attempt to deliver one delivery row. The body and `webhook-id` are the
 * row's, so every retry sends the same message; each attempt is signed afresh with the endpoint's current
 * secrets (both during a rotation's overlap).
 */
export function webhookDeliveryJob(options: WebhookDeliveryJobOptions): JobKind<{ deliveryId: string }> {
  const { db, agents, logger, timeoutMs, retry, disableAfterMs } = options
  const now = options.now ?? (() => new Date())
  // Reads on the root connection; every write goes through the seam.
  const repo = webhooksRepository(db.kysely)
  // An attempt's bookkeeping is no change any client is told about.
  const silently = <T>(fn: (tx: WriteTx) => Promise<T>) => options.writer().write(fn, { silent: true })

  return {
    retryBaseMs: retry.baseMs,
    retryMaxMs: retry.maxMs,
    giveUpAfterMs: retry.forMs,

    async run({ deliveryId }) {
      const delivery = await repo.findDelivery(deliveryId)
      // Gone with its endpoint, or already delivered (a re-run after a crash past the first success).
      if (delivery?.status !== 'pending') return
      const endpoint = await repo.findEndpoint(delivery.endpoint_id)
      if (!endpoint) return
      const at = now()
      if (!endpoint.enabled && delivery.event_type !== 'webhook.ping') {
        await silently((tx) =>
          tx.webhooks.updateDelivery(deliveryId, {
            status: 'failed',
            error: 'The endpoint is disabled; replay from this change once it is enabled again.',
            next_attempt_at: null,
          }),
        )
        return
      }
      const outcome = await postOnce(
        agents,
        endpoint.url,
        delivery.payload,
        {
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatures(endpoint, delivery.id, at, delivery.payload),
        },
        { timeoutMs, maxBodyBytes: RESPONSE_BODY_BYTES },
      )
      const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300
      const redirect = outcome.status !== null && outcome.status >= 300 && outcome.status < 400
      // The attempt and, on success, the endpoint's health are noted together.
      await silently(async (tx) => {
        await tx.webhooks.updateDelivery(deliveryId, {
          status: ok ? 'succeeded' : 'pending',
          attempts: delivery.attempts + 1,
          last_attempt_at: at.toISOString(),
          duration_ms: outcome.durationMs,
          response_status: outcome.status,
          response_body: outcome.body,
          error: redirect ? 'Redirects are not followed; point the endpoint at the final URL.' : outcome.error,
          // Until the queue has settled when the next attempt is due (afterFailure), it is due now.
          next_attempt_at: ok ? null : at.toISOString(),
        })
        if (ok) await tx.webhooks.markHealthy(endpoint.id)
      })
      if (ok) return
      throw new JobError(outcome.error ?? `the receiver answered ${outcome.status}`, {
        retry: retried(outcome.status),
        retryAfterMs: outcome.retryAfterMs,
      })
    },

    async afterFailure({ deliveryId }, _job, { nextAttemptAt }) {
      const at = now()
      const failingSince = await silently(async (tx) => {
        const delivery = await tx.webhooks.findDelivery(deliveryId)
        if (!delivery) return null
        await tx.webhooks.updateDelivery(deliveryId, {
          status: nextAttemptAt ? 'pending' : 'failed',
          next_attempt_at: nextAttemptAt?.toISOString() ?? null,
        })
        const since = await tx.webhooks.markFailing(delivery.endpoint_id, at.toISOString())
        return since === null ? null : { endpointId: delivery.endpoint_id, since }
      })
      if (failingSince) await disableIfFailingTooLong(failingSince.endpointId, failingSince.since, at)
    },
  }

  /**
   * Disables an endpoint that has failed every attempt for `disableAfterMs`, and tells its owners in the
   * app and by mail, all in one write (which records their notifications, so it is not silent).
   */
  async function disableIfFailingTooLong(endpointId: string, failingSince: string, at: Date) {
    if (at.getTime() - Date.parse(failingSince) < disableAfterMs) return
    const disabled = await options.writer().write(async (tx) => {
      if (!(await tx.webhooks.disableFailing(endpointId, at.toISOString()))) return undefined
      const endpoint = await tx.webhooks.findEndpoint(endpointId)
      if (!endpoint) return undefined
      const days = Math.round((at.getTime() - Date.parse(failingSince)) / 86_400_000)
      for (const owner of await tx.memberships.owners(endpoint.project_id)) {
        await notifyWebhookDisabled(tx, {
          recipient: owner.id,
          projectId: endpoint.project_id,
          webhookId: endpoint.id,
          url: endpoint.url,
          at,
        })
        await tx.enqueue({
          kind: 'mail',
          payload: {
            to: owner.email,
            subject: 'A webhook endpoint of your project was disabled',
            text:
              `Hello,\n\nEvery delivery to the webhook endpoint ${endpoint.url} (${endpoint.id}) has failed since ` +
              `${failingSince}${days > 0 ? ` (${days} days)` : ''}, so Tasklane has stopped sending to it.\n\n` +
              'Once the receiver works again, enable the endpoint (updateWebhookEndpoint with enabled: true) and ' +
              `replay what it missed (replayWebhookEvents).\n\n${options.publicUrl}\n`,
          },
        })
      }
      return endpoint.url
    })
    // Logged once it has committed: a run of the write that is rolled back logs nothing.
    if (disabled !== undefined) {
      logger.warn({ endpointId, url: disabled, failingSince }, 'webhook endpoint disabled after failing')
    }
  }
}

/** `v1,<sig>` for each secret in use: the current one, and the previous one during a rotation's overlap. */
function signatures(endpoint: EndpointRow, id: string, at: Date, payload: string): string {
  const secrets = [endpoint.secret]
  if (
    endpoint.previous_secret &&
    endpoint.previous_secret_expires_at &&
    Date.parse(endpoint.previous_secret_expires_at) > at.getTime()
  ) {
    secrets.push(endpoint.previous_secret)
  }
  return secrets.map((secret) => new Webhook(secret).sign(id, at, payload)).join(' ')
}
