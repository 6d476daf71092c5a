import type { LookupFunction } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import type {
  ChangeList,
  NotificationList,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookSecret,
} from '../../generated/routes.js'
import { createTestApp, type TestApp, type TestAppOptions } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'
import { addMember, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { type SignedUpUser, signUpUser } from '../../test/users.js'
import { startTestReceiver } from '../../test/webhook-receiver.js'

const FAST = {
  RATE_LIMITS_ENABLED: 'false',
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  QUEUE_POLL_MS: '50',
  QUEUE_RETRY_BASE_MS: '20',
  QUEUE_RETRY_MAX_MS: '100',
}

async function setup(env: Record<string, string> = {}, options: TestAppOptions = {}) {
  const t = await createTestApp({ ...FAST, ...env }, options)
  const owner = await signUpUser(t)
  const project = await createProject(t, owner.authHeaders, { name: 'Hooks' })
  return { t, owner, project }
}

async function addEndpoint(
  t: TestApp,
  owner: SignedUpUser,
  projectId: string,
  body: Record<string, unknown>,
): Promise<WebhookEndpointCreated> {
  const res = await jsonRequest(t, 'POST', `/v1/projects/${projectId}/webhooks`, owner.authHeaders, {
    eventTypes: ['*'],
    ...body,
  })
  if (res.status !== 201) expect.fail(`createWebhookEndpoint answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as WebhookEndpointCreated
}

async function deliveries(t: TestApp, owner: SignedUpUser, endpointId: string) {
  const res = await jsonRequest(t, 'GET', `/v1/webhooks/${endpointId}/deliveries?limit=100`, owner.authHeaders)
  expect(res.status).toBe(200)
  return ((await res.json()) as WebhookDeliveryList).data
}

async function settled(t: TestApp, owner: SignedUpUser, endpointId: string, count: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const list = await deliveries(t, owner, endpointId)
    if (list.length >= count && list.every((d) => d.status !== 'pending')) return list
    if (Date.now() > deadline) expect.fail(`deliveries not settled: ${JSON.stringify(list.map((d) => d.status))}`)
    t.ctx.queue.wake()
    await new Promise((r) => setTimeout(r, 25))
  }
}

const verify = (secret: string, hook: { headers: Record<string, string>; body: string }) =>
  new Webhook(secret).verify(hook.body, hook.headers) as { type: string; timestamp: string; data: { seq: string } }

describe(`webhook endpoints (${TEST_DATABASE})`, () => {
  it('shows the secret once, lists and changes endpoints, and refuses bad URLs and unknown event types', async () => {
    const { t, owner, project } = await setup({ WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOWED_TARGETS: '' })
    const created = await addEndpoint(t, owner, project.id, {
      url: 'https://hooks.example.com/tasklane',
      description: 'Chat bot',
      eventTypes: ['task.*', 'comment.created'],
    })
    expect(created.secret).toMatch(/^whsec_/)
    expect(created).toMatchObject({ enabled: true, disabledReason: null, version: 1, projectId: project.id })

    const got = await jsonRequest(t, 'GET', `/v1/webhooks/${created.id}`, owner.authHeaders)
    expect(got.headers.get('etag')).toBe('"1"')
    const body = (await got.json()) as Record<string, unknown>
    expect(body).not.toHaveProperty('secret')
    const list = await jsonRequest(t, 'GET', `/v1/projects/${project.id}/webhooks`, owner.authHeaders)
    expect(JSON.stringify(await list.json())).not.toContain(created.secret)

    const stale = await jsonRequest(
      t,
      'PATCH',
      `/v1/webhooks/${created.id}`,
      { ...owner.authHeaders, 'If-Match': '"7"' },
      {
        enabled: false,
      },
    )
    expect(stale.status).toBe(412)
    const patched = await jsonRequest(
      t,
      'PATCH',
      `/v1/webhooks/${created.id}`,
      { ...owner.authHeaders, 'If-Match': '"1"' },
      {
        enabled: false,
        eventTypes: ['*'],
      },
    )
    expect(patched.status).toBe(200)
    expect((await patched.json()) as WebhookEndpoint).toMatchObject({ enabled: false, eventTypes: ['*'], version: 2 })

    const refused = async (url: string) => {
      const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, owner.authHeaders, {
        url,
        eventTypes: ['*'],
      })
      expect(res.status, url).toBe(422)
      return ((await res.json()) as { code: string }).code
    }
    for (const url of [
      'http://hooks.example.com/plain-http',
      'https://10.0.0.8/hook',
      'https://127.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[fd00::5]/hook',
      'https://localhost/hook',
      'https://0.0.0.0/hook',
    ]) {
      expect(await refused(url)).toBe('webhook_url_not_allowed')
    }
    const unknown = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, owner.authHeaders, {
      url: 'https://hooks.example.com/x',
      eventTypes: ['tsk.*'],
    })
    expect(unknown.status).toBe(422)
    expect(((await unknown.json()) as { code: string }).code).toBe('unknown_event_type')

    const deleted = await jsonRequest(t, 'DELETE', `/v1/webhooks/${created.id}`, owner.authHeaders)
    expect(deleted.status).toBe(204)
    expect((await jsonRequest(t, 'GET', `/v1/webhooks/${created.id}`, owner.authHeaders)).status).toBe(404)
  })

  it('allows at most 20 endpoints per project', async () => {
    const { t, owner, project } = await setup()
    for (let i = 0; i < 20; i++) await addEndpoint(t, owner, project.id, { url: `https://hooks.example.com/${i}` })
    const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, owner.authHeaders, {
      url: 'https://hooks.example.com/21',
      eventTypes: ['*'],
    })
    expect(res.status).toBe(422)
    expect(((await res.json()) as { code: string }).code).toBe('webhook_limit_reached')
  })
})

describe(`webhook delivery (${TEST_DATABASE})`, () => {
  it('delivers each subscribed change, signed, as listChanges answers it, with a webhook-id stable across retries', async () => {
    const { t, owner, project } = await setup()
    const receiver = await startTestReceiver()
    let calls = 0
    receiver.respond = (_hook, res) => {
      calls++
      res.statusCode = calls === 1 ? 503 : 200
      res.end(calls === 1 ? 'try later' : 'ok')
    }
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url, eventTypes: ['task.created'] })
    const task = await createTask(t, owner.authHeaders, project.id, { title: 'Ship it' })
    // Not subscribed: must not be sent.
    await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, owner.authHeaders, { title: 'Ship it now' })

    const [log] = await settled(t, owner, endpoint.id, 1)
    const hooks = await receiver.waitFor(2)
    expect(hooks).toHaveLength(2)
    expect(hooks[0]?.headers['webhook-id']).toBe(hooks[1]?.headers['webhook-id'])
    expect(hooks[0]?.headers['webhook-id']).toBe(log?.id)
    expect(log).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      responseStatus: 200,
      responseBody: 'ok',
      eventType: 'task.created',
    })

    const event = verify(endpoint.secret, hooks[1] as { headers: Record<string, string>; body: string })
    const changes = (await (
      await jsonRequest(t, 'GET', `/v1/changes?projectId=${project.id}`, owner.authHeaders)
    ).json()) as ChangeList
    const asListed = changes.data.find((c) => c.type === 'task.created' && c.resourceId === task.id)
    expect(event).toEqual({ type: 'task.created', timestamp: asListed?.occurredAt, data: asListed })
    expect(() => verify('whsec_QkFEQkFEQkFEQkFEQkFEQkFEQkFE', hooks[1] as never)).toThrow()
  })

  it('sends an endpoint only what its project owners may read', async () => {
    const { t, owner, project } = await setup()
    const receiver = await startTestReceiver()
    const ada = await signUpUser(t)
    await addMember(t, project.id, ada.user.id, 'editor')
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url, eventTypes: ['*'] })
    // Assigning Ada makes a notification for her (a change only she may read) besides the task's change.
    await createTask(t, owner.authHeaders, project.id, { title: 'For Ada', assigneeId: ada.user.id })
    await settled(t, owner, endpoint.id, 1)
    await new Promise((r) => setTimeout(r, 200))
    const types = receiver.received.map((h) => (JSON.parse(h.body) as { type: string }).type)
    expect(types).toEqual(['task.created'])
  })

  it('does not retry a 4xx other than 408/409/425/429, honours Retry-After, and never follows a redirect', async () => {
    const { t, owner, project } = await setup()
    const elsewhere = await startTestReceiver()
    const receiver = await startTestReceiver()
    const answers = new Map<string, number>()
    receiver.respond = (hook, res) => {
      const title = (JSON.parse(hook.body) as { data: { data: { title: string } } }).data.data.title
      const seen = (answers.get(title) ?? 0) + 1
      answers.set(title, seen)
      if (title === 'bad request') res.statusCode = 400
      else if (title === 'busy') {
        res.statusCode = seen === 1 ? 429 : 204
        if (seen === 1) res.setHeader('Retry-After', '1')
      } else {
        res.statusCode = 302
        res.setHeader('Location', elsewhere.url)
      }
      res.end()
    }
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url, eventTypes: ['task.created'] })
    for (const title of ['bad request', 'busy', 'redirect'])
      await createTask(t, owner.authHeaders, project.id, { title })
    const log = await settled(t, owner, endpoint.id, 3)
    const byTitle = (title: string) =>
      log.find(
        (d) => d.id === receiver.received.find((h) => h.body.includes(`"title":"${title}"`))?.headers['webhook-id'],
      )
    expect(byTitle('bad request')).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 400 })
    expect(byTitle('redirect')).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 302 })
    expect(byTitle('redirect')?.error).toMatch(/redirect/i)
    expect(byTitle('busy')).toMatchObject({ status: 'succeeded', attempts: 2 })
    const busy = receiver.received.filter((h) => h.body.includes('"title":"busy"'))
    const gap = Number(busy[1]?.headers['webhook-timestamp']) - Number(busy[0]?.headers['webhook-timestamp'])
    expect(gap).toBeGreaterThanOrEqual(1)
    expect(elsewhere.received).toHaveLength(0)
  })

  it('records a hang, an oversized answer and a connection closed mid-body, and blocks nothing else', async () => {
    const { t, owner, project } = await setup({ WEBHOOK_TIMEOUT_MS: '300', QUEUE_RETRY_BASE_MS: '60000' })
    const receiver = await startTestReceiver()
    receiver.respond = (hook, res) => {
      const title = (JSON.parse(hook.body) as { data: { data: { title: string } } }).data.data.title
      if (title === 'hang') return
      if (title === 'huge') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        const chunk = 'x'.repeat(64 * 1024)
        let sent = 0
        const more = () => {
          while (sent < 160 && res.write(chunk)) sent++
          if (sent < 160) res.once('drain', more)
          else res.end()
        }
        more()
        return
      }
      if (title === 'drop') {
        res.writeHead(500, { 'content-length': '1000' })
        res.write('partial')
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      res.statusCode = 204
      res.end()
    }
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url, eventTypes: ['task.created'] })
    for (const title of ['hang', 'huge', 'drop', 'fine']) await createTask(t, owner.authHeaders, project.id, { title })
    const deadline = Date.now() + 10_000
    let log: WebhookDelivery[] = []
    while (Date.now() < deadline) {
      log = await deliveries(t, owner, endpoint.id)
      if (log.length === 4 && log.every((d) => d.attempts >= 1)) break
      await new Promise((r) => setTimeout(r, 25))
    }
    const find = (title: string) =>
      log.find(
        (d) => d.id === receiver.received.find((h) => h.body.includes(`"title":"${title}"`))?.headers['webhook-id'],
      )
    expect(find('fine')).toMatchObject({ status: 'succeeded', responseStatus: 204 })
    expect(find('hang')).toMatchObject({ status: 'pending', responseStatus: null })
    expect(find('hang')?.error).toMatch(/300 ms/)
    expect(find('huge')).toMatchObject({ status: 'succeeded', responseStatus: 200 })
    expect(find('huge')?.responseBody).toHaveLength(64 * 1024)
    expect(find('drop')).toMatchObject({ status: 'pending', responseStatus: 500 })
    expect(find('drop')?.nextAttemptAt).not.toBeNull()
  })

  it('refuses at delivery a name that resolves to a private address, and a name that rebinds to one', async () => {
    const receiver = await startTestReceiver()
    const answers: Record<string, string[]> = {
      'private.hooks.test': ['10.20.30.40'],
      // Public-looking at first (the allowed test address), private on the next resolution.
      'rebind.hooks.test': ['127.0.0.1', '169.254.169.254'],
    }
    const lookups: string[] = []
    const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      const list = answers[hostname] ?? []
      const address = list.length > 1 ? (list.shift() as string) : (list[0] ?? '')
      lookups.push(`${hostname}=${address}`)
      if (options.all) callback(null, [{ address, family: 4 }])
      else callback(null, address, 4)
    }) as unknown as LookupFunction
    const { t, owner, project } = await setup({ QUEUE_RETRY_BASE_MS: '60000' }, { webhookLookup: lookup })
    const port = receiver.port
    const privateHook = await addEndpoint(t, owner, project.id, { url: `http://private.hooks.test:${port}/` })
    const rebinding = await addEndpoint(t, owner, project.id, { url: `http://rebind.hooks.test:${port}/` })

    await createTask(t, owner.authHeaders, project.id, { title: 'first' })
    const firstPrivate = await firstAttempt(t, owner, privateHook.id, 1)
    expect(firstPrivate[0]).toMatchObject({ status: 'pending', responseStatus: null })
    expect(firstPrivate[0]?.error).toMatch(/10\.20\.30\.40.*not allowed/)
    const firstRebind = await firstAttempt(t, owner, rebinding.id, 1)
    expect(firstRebind[0]).toMatchObject({ status: 'succeeded' })

    await createTask(t, owner.authHeaders, project.id, { title: 'second' })
    const secondRebind = await firstAttempt(t, owner, rebinding.id, 2)
    const refused = secondRebind.find((d) => d.status !== 'succeeded')
    expect(refused?.error).toMatch(/169\.254\.169\.254.*not allowed/)
    // Only the first resolution of the rebinding name ever reached the receiver.
    expect(receiver.received).toHaveLength(1)
    // Resolved afresh for every attempt: the first to the allowed address, each later one (the refused
    // attempt, and any retry of it that full jitter has already made due) to the private one.
    const rebinds = lookups.filter((l) => l.startsWith('rebind'))
    expect(rebinds[0]).toBe('rebind.hooks.test=127.0.0.1')
    expect(rebinds.length).toBeGreaterThanOrEqual(2)
    expect(new Set(rebinds.slice(1))).toEqual(new Set(['rebind.hooks.test=169.254.169.254']))
  })

  it('signs with both secrets for a day after a rotation, and pings, redelivers and replays on demand', async () => {
    const { t, owner, project } = await setup()
    const receiver = await startTestReceiver()
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url, eventTypes: ['task.*'] })
    await createTask(t, owner.authHeaders, project.id, { title: 'before rotation' })
    await receiver.waitFor(1)
    const rotated = await jsonRequest(t, 'POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, owner.authHeaders)
    expect(rotated.status).toBe(200)
    const { secret, previousSecretExpiresAt } = (await rotated.json()) as WebhookSecret
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000)
    await createTask(t, owner.authHeaders, project.id, { title: 'after rotation' })
    const [, after] = await receiver.waitFor(2)
    expect(after?.headers['webhook-signature']?.split(' ')).toHaveLength(2)
    expect(verify(secret, after as never).type).toBe('task.created')
    expect(verify(endpoint.secret, after as never).type).toBe('task.created')

    const ping = await jsonRequest(t, 'POST', `/v1/webhooks/${endpoint.id}/ping`, owner.authHeaders)
    expect(ping.status).toBe(202)
    const pinged = await receiver.waitFor(3)
    expect(verify(secret, pinged[2] as never)).toMatchObject({
      type: 'webhook.ping',
      data: { endpointId: endpoint.id, projectId: project.id },
    })

    const log = await settled(t, owner, endpoint.id, 3)
    const first = log.find((d) => d.id === receiver.received[0]?.headers['webhook-id']) as WebhookDelivery
    const again = await jsonRequest(
      t,
      'POST',
      `/v1/webhooks/${endpoint.id}/deliveries/${first.id}/redeliver`,
      owner.authHeaders,
    )
    expect(again.status).toBe(202)
    const redelivered = await receiver.waitFor(4)
    expect(redelivered[3]?.headers['webhook-id']).toBe(first.id)
    expect(redelivered[3]?.body).toBe(receiver.received[0]?.body)

    const replay = await jsonRequest(t, 'POST', `/v1/webhooks/${endpoint.id}/replay`, owner.authHeaders, {
      since: String(Number(first.changeSeq) - 1),
    })
    expect(replay.status).toBe(202)
    expect(await replay.json()).toMatchObject({ queued: 2, hasMore: false })
    const replayed = await receiver.waitFor(6)
    // Deliveries run side by side, so they may arrive in any order.
    const seqs = replayed
      .slice(4)
      .map((h) => verify(secret, h as never).data.seq)
      .sort((a, b) => Number(a) - Number(b))
    expect(seqs[0]).toBe(first.changeSeq)
    expect(Number(seqs[1])).toBeGreaterThan(Number(seqs[0]))
    expect(new Set(replayed.slice(4).map((h) => h.headers['webhook-id'])).size).toBe(2)
  })

  it('disables an endpoint that failed every attempt for WEBHOOK_DISABLE_AFTER_S and mails its owners', async () => {
    const { t, owner, project } = await setup({ WEBHOOK_DISABLE_AFTER_S: '1', QUEUE_RETRY_MAX_MS: '200' })
    const receiver = await startTestReceiver()
    receiver.respond = (_hook, res) => {
      res.statusCode = 500
      res.end()
    }
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url })
    await createTask(t, owner.authHeaders, project.id, { title: 'never arrives' })
    const deadline = Date.now() + 10_000
    let current: WebhookEndpoint | undefined
    while (Date.now() < deadline) {
      current = (await (
        await jsonRequest(t, 'GET', `/v1/webhooks/${endpoint.id}`, owner.authHeaders)
      ).json()) as WebhookEndpoint
      if (!current.enabled) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(current).toMatchObject({ enabled: false, disabledReason: 'failing' })
    const { readdirSync, readFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const dir = join(t.ctx.config.DATA_DIR, 'mail')
    const until = Date.now() + 5000
    let mails: string[] = []
    while (Date.now() < until) {
      mails = readdirSync(dir)
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .filter((m) => m.includes('was disabled'))
      if (mails.length > 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(mails).toHaveLength(1)
    expect(mails[0]).toContain(`To: ${owner.user.email}`)

    // And in the app: a notification about the endpoint, on the list and on the owner's change feed.
    const list = await jsonRequest(t, 'GET', '/v1/notifications', owner.authHeaders)
    expect(list.status).toBe(200)
    const notifications = ((await list.json()) as NotificationList).data
    expect(notifications).toHaveLength(1)
    expect(notifications[0]).toMatchObject({
      reason: 'webhook_disabled',
      projectId: project.id,
      webhookId: endpoint.id,
      taskId: null,
      title: receiver.url,
      readAt: null,
    })
    const changes = await jsonRequest(t, 'GET', `/v1/changes?projectId=${project.id}&limit=100`, owner.authHeaders)
    const feed = ((await changes.json()) as ChangeList).data
    expect(feed.filter((c) => c.type === 'notification.created').map((c) => c.resourceId)).toEqual([
      notifications[0]?.id,
    ])
  })

  it('refuses a webhook repository write outside a transaction: deliveries and endpoints change only through the write seam', async () => {
    const { t, owner, project } = await setup()
    const receiver = await startTestReceiver()
    const endpoint = await addEndpoint(t, owner, project.id, { url: receiver.url })
    await createTask(t, owner.authHeaders, project.id, { title: 'one' })
    const [delivery] = await settled(t, owner, endpoint.id, 1)
    const repo = t.ctx.repositories.webhooks
    const now = new Date().toISOString()
    const refusals = [
      repo.updateDelivery(String(delivery?.id), { status: 'failed' }),
      repo.markFailing(endpoint.id, now),
      repo.markHealthy(endpoint.id),
      repo.disableFailing(endpoint.id, now),
      repo.updateEndpoint(endpoint.id, { description: 'changed' }),
      repo.deleteEndpoint(endpoint.id),
    ]
    for (const refused of refusals) await expect(refused).rejects.toThrow(/outside a transaction/)
    const after = await jsonRequest(t, 'GET', `/v1/webhooks/${endpoint.id}`, owner.authHeaders)
    expect(await after.json()).toMatchObject({ enabled: true, disabledReason: null, description: endpoint.description })
    expect((await deliveries(t, owner, endpoint.id))[0]?.status).toBe('succeeded')
  })
})

/** The endpoint's deliveries once `count` of them have had an attempt. */
async function firstAttempt(t: TestApp, owner: SignedUpUser, endpointId: string, count: number) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const list = await deliveries(t, owner, endpointId)
    if (list.length >= count && list.every((d) => d.attempts >= 1)) return list
    if (Date.now() > deadline) expect.fail(`no attempt on ${count} deliveries: ${JSON.stringify(list)}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
