import { WebhookVerificationError as LibraryVerificationError, Webhook } from 'standardwebhooks'
import type { components } from './generated/openapi.js'

/** The body of a webhook delivery for a change: the change as `listChanges` answers it, in `data`. */
export type WebhookChangeEvent = components['schemas']['WebhookChangeEvent'] & {
  type: components['schemas']['Change']['type']
}
/** The body of a `pingWebhookEndpoint` test event. */
export type WebhookPingEvent = components['schemas']['WebhookPingEvent']
/** What a Tasklane webhook delivers: a change, or a ping. */
export type WebhookEvent = WebhookChangeEvent | WebhookPingEvent

/** Headers as Node (`req.headers`), the Fetch API (`Headers`) or a plain object has them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>

/** The delivery is not one Tasklane signed with any of the given secrets, or its timestamp is too far off. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError'
}

function headerRecord(headers: WebhookHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  const set = (name: string, value: string | string[] | undefined | null) => {
    if (value === undefined || value === null) return
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) set(name, headers.get(name))
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>))
      set(name, value)
  }
  return out
}

/**
 * Checks a webhook delivery's signature (Standard Webhooks, via the `standardwebhooks` package: HMAC-SHA256,
 * compared in constant time) and answers its event, typed. `secret` may be several secrets while one is
 * being rotated: the delivery is accepted if any of them signed it. A `webhook-timestamp` more than five
 * minutes away from this machine's clock, in either direction, is refused, so a captured delivery cannot be
 * replayed later. Pass the raw body exactly as received: a re-serialised JSON body no longer matches.
 * Deduplicate by the `webhook-id` header: a retried delivery carries the same one.
 *
 * Imported from `@tasklane/sdk/webhooks`, an entry of its own, so apps that only call the API do not carry
 * the signature code.
 *
 * @example
 * import { verifyWebhook } from '@tasklane/sdk/webhooks'
 *
 * app.post('/hooks/tasklane', async (c) => {
 *   const event = verifyWebhook(await c.req.text(), c.req.raw.headers, secret)
 *   if (event.type === 'task.updated') console.log(event.data.resourceId)
 *   return c.body(null, 204)
 * })
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
): WebhookEvent {
  const secrets = typeof secret === 'string' ? [secret] : secret
  if (secrets.length === 0) throw new WebhookVerificationError('No secret to verify with.')
  const record = headerRecord(headers)
  let last: unknown
  for (const s of secrets) {
    try {
      return new Webhook(s).verify(payload, record) as WebhookEvent
    } catch (err) {
      last = err
      // A timestamp or header problem is the same for every secret: no point trying the others.
      if (err instanceof LibraryVerificationError && !/signature/i.test(err.message)) break
    }
  }
  throw new WebhookVerificationError(last instanceof Error ? last.message : 'The webhook could not be verified.')
}

// Crockford's base32, as in the ids Tasklane issues (`msg_` + 26 characters).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
function randomMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(26))
  return `msg_${Array.from(bytes, (b) => ALPHABET[b % 32]).join('')}`
}

/**
 * Signs `event` as Tasklane does, for tests of a webhook handler: answers the body and the headers to send
 * (or to hand to `verifyWebhook`).
 *
 * @example
 * const { body, headers } = signWebhook(event, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
 * const res = await app.request('/hooks/tasklane', { method: 'POST', body, headers })
 */
export function signWebhook(
  event: WebhookEvent,
  secret: string | readonly string[],
  options: { id?: string; timestamp?: Date } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event)
  const id = options.id ?? randomMessageId()
  const timestamp = options.timestamp ?? new Date()
  const secrets = typeof secret === 'string' ? [secret] : secret
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, timestamp, body)).join(' '),
    },
  }
}
