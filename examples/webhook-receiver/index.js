// Webhook receiver: a small Hono server that takes Tasklane's webhook deliveries, verifies their signatures,
// handles each delivery once (retries carry the same `webhook-id`) and prints the task changes, one line each.
//
//   TASKLANE_WEBHOOK_SECRET=whsec_… PORT=4000 node index.js
//
// Register `http(s)://<this host>:<PORT>/webhooks` with createWebhookEndpoint and put the secret it answers in
// TASKLANE_WEBHOOK_SECRET. While you rotate the secret, give both, comma-separated: either signature is accepted.
import { serve } from '@hono/node-server'
import { verifyWebhook, WebhookVerificationError } from '@tasklane/sdk/webhooks'
import { Hono } from 'hono'

const secrets = (process.env.TASKLANE_WEBHOOK_SECRET ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
if (secrets.length === 0) {
  console.error('set TASKLANE_WEBHOOK_SECRET to the secret createWebhookEndpoint answered')
  process.exit(2)
}

// The ids handled so far, oldest first. A real receiver keeps them in its database, in the same transaction
// as the effect of the event; a bounded set in memory is enough for a demonstration.
const seen = new Set()
const REMEMBERED = 10_000

const app = new Hono()

app.post('/webhooks', async (c) => {
  // The raw body, exactly as sent: a re-serialised body would no longer match its signature.
  const body = await c.req.text()
  let event
  try {
    event = verifyWebhook(body, c.req.raw.headers, secrets)
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err
    console.error(`refused a delivery: ${err.message}`)
    return c.text('invalid signature', 401)
  }
  const id = c.req.header('webhook-id')
  if (seen.has(id)) {
    console.error(`${id} again: already handled`)
    return c.body(null, 204)
  }
  seen.add(id)
  if (seen.size > REMEMBERED) seen.delete(seen.values().next().value)

  if (event.type === 'webhook.ping') {
    console.error(`ping from ${event.data.endpointId}`)
  } else if (event.data.resourceType === 'task') {
    const task = event.data.data
    const title = task.deleted ? '' : ` "${task.title}"`
    console.log(`${event.data.seq} ${event.type} ${event.data.resourceId}${title}`)
  }
  return c.body(null, 204)
})

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 4000), hostname: process.env.HOST ?? '127.0.0.1' },
  (info) => {
    console.error(`listening on http://${info.address}:${info.port}/webhooks`)
  },
)

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)))
}
