import { createMiddleware } from 'hono/factory'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../core/api-error.js'
import type { AppEnv } from '../http/env.js'
import { errorHandler } from '../http/errors.js'
import { requestId } from '../http/request-id.js'
import { createRouter } from '../http/router.js'
import { createTestApp, type TestApp, testContextOverrides } from '../test/app.js'
import { TEST_DATABASE } from '../test/databases.js'
import { answersWith, idempotency } from './idempotency.js'

// A stand-in create operation behind the middleware, on the test database, so replay, mismatch and
// concurrent repeats are tested without any feature.
async function harness(options: Parameters<typeof idempotency>[1] = {}) {
  const t = await createTestApp()
  let created = 0
  let gate: Promise<void> = Promise.resolve()
  const app = createRouter()
  app.use(requestId)
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      const user = c.req.header('x-user')
      if (user) c.set('principal', { userId: user, scopes: ['read', 'write'], recheck: async () => true })
      await next()
    }),
  )
  app.post('/things', idempotency(t.ctx.writer, options), async (c) => {
    const body = await c.req.json<{ name: string }>()
    await gate
    if (body.name === 'fail') throw new ApiError(400, 'bad', 'nope')
    created++
    return c.json({ id: `thing_${created}`, name: body.name }, 201, { Location: `/things/${created}`, ETag: '"1"' })
  })
  app.onError(errorHandler)
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'usr_1', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return {
    post,
    created: () => created,
    hold() {
      let release = () => {}
      gate = new Promise<void>((r) => {
        release = r
      })
      return release
    },
  }
}

describe('Idempotency-Key', () => {
  it('replays the first response — status, headers, body — with Idempotent-Replayed', async () => {
    const h = await harness()
    const first = await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    // Same content, other key order and spacing: still the same request.
    const again = await h.post('{ "name" : "a" }', { 'Idempotency-Key': 'k1' })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('location')).toBe('/things/1')
    expect(again.headers.get('etag')).toBe('"1"')
    expect(again.headers.get('content-type')).toMatch(/application\/json/)
    expect(await again.json()).toEqual(await first.json())
    expect(h.created()).toBe(1)
  })

  it('answers 422 when the key is reused with another body', async () => {
    const h = await harness()
    await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    const res = await h.post({ name: 'b' }, { 'Idempotency-Key': 'k1' })
    expect(res.status).toBe(422)
    expect((await res.json()).code).toBe('idempotency_key_reused')
    expect(h.created()).toBe(1)
  })

  it('answers 409 to a repeat while the first request is still running, then replays', async () => {
    const h = await harness()
    const release = h.hold()
    const first = h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    await new Promise((r) => setTimeout(r, 50))
    const repeat = await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    expect(repeat.status).toBe(409)
    expect((await repeat.json()).code).toBe('idempotency_key_in_use')
    release()
    expect((await first).status).toBe(201)
    const later = await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    expect(later.headers.get('idempotent-replayed')).toBe('true')
    expect(h.created()).toBe(1)
  })

  it('lets exactly one of many simultaneous requests with the same key run', async () => {
    const h = await harness()
    const release = h.hold()
    const all = Array.from({ length: 8 }, () => h.post({ name: 'a' }, { 'Idempotency-Key': 'race' }))
    // The repeats are answered while the first is held; release it only once all seven have been, so a
    // slow machine cannot turn a repeat into one that arrives after the first finished (a replay).
    let answered = 0
    for (const request of all) Promise.resolve(request).then(() => answered++)
    await vi.waitFor(() => expect(answered).toBe(7), { timeout: 10_000, interval: 10 })
    release()
    const statuses = (await Promise.all(all)).map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(7)
    expect(h.created()).toBe(1)
  })

  it('keeps keys per principal, and without a key acts every time', async () => {
    const h = await harness()
    await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    const other = await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1', 'x-user': 'usr_2' })
    expect(other.headers.get('idempotent-replayed')).toBeNull()
    await h.post({ name: 'a' })
    await h.post({ name: 'a' })
    expect(h.created()).toBe(4)
  })

  it('does not store failures, so the same key can be retried', async () => {
    const h = await harness()
    expect((await h.post({ name: 'fail' }, { 'Idempotency-Key': 'k1' })).status).toBe(400)
    expect((await h.post({ name: 'fail' }, { 'Idempotency-Key': 'k1' })).status).toBe(400)
  })

  it('forgets a response after the retention period, and takes over a claim whose request died', async () => {
    let now = new Date('2026-11-20T00:00:00Z')
    const h = await harness({ now: () => now, lockMs: 60_000 })
    await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    now = new Date(now.getTime() + 24 * 60 * 60 * 1000 + 1)
    const fresh = await h.post({ name: 'a' }, { 'Idempotency-Key': 'k1' })
    expect(fresh.headers.get('idempotent-replayed')).toBeNull()
    expect(h.created()).toBe(2)

    const release = h.hold()
    const stuck = h.post({ name: 'b' }, { 'Idempotency-Key': 'k2' })
    await new Promise((r) => setTimeout(r, 50))
    now = new Date(now.getTime() + 61_000)
    release()
    // The claim's lock ran out, so a retry is treated as a new attempt rather than 409 forever.
    const retry = await h.post({ name: 'b' }, { 'Idempotency-Key': 'k2' })
    expect([201]).toContain(retry.status)
    await stuck
  })
})

describe('Idempotency-Key across instances', () => {
  it('replays on a second instance sharing the database, and after a restart', async () => {
    const { createContext } = await import('../context.js')
    const { createApp } = await import('../app.js')
    const pino = (await import('pino')).default
    const { signUpUser } = await import('../test/users.js')
    const { createProject } = await import('../test/projects.js')
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const send = (fetcher: (r: Request) => Response | Promise<Response>) =>
      fetcher(
        new Request(`http://tasklane.test/v1/projects/${project.id}/tasks`, {
          method: 'POST',
          headers: { ...alice.authHeaders, 'content-type': 'application/json', 'Idempotency-Key': 'cross' },
          body: JSON.stringify({ title: 'Once' }),
        }),
      )
    const first = await send((r) => t.app.fetch(r))
    expect(first.status).toBe(201)
    const ctx2 = await createContext(t.ctx.config, {
      ...testContextOverrides(),
      database: t.database,
      logger: pino({ level: 'silent' }),
    })
    try {
      const second = await send((r) => createApp(ctx2).fetch(r))
      expect(second.status).toBe(201)
      expect(second.headers.get('idempotent-replayed')).toBe('true')
      expect(await second.json()).toEqual(await first.json())
    } finally {
      await ctx2.close()
    }
  })
})

// A create that writes through the change log, as every feature's create does, on the test database.
async function writingHarness(options: Parameters<typeof idempotency>[1] = {}, on?: TestApp) {
  const t = on ?? (await createTestApp())
  let crashAfterCommit = false
  let beside: (() => void) | undefined
  let gate: Promise<void> = Promise.resolve()
  const app = createRouter()
  app.use(requestId)
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      c.set('principal', { userId: 'usr_1', scopes: ['read', 'write'], recheck: async () => true })
      await next()
    }),
  )
  app.post('/things', idempotency(t.ctx.writer, options), async (c) => {
    const { name } = await c.req.json<{ name: string }>()
    const respond = answersWith(c, (thing: { id: string; name: string }) =>
      c.json(thing, 201, { Location: `/things/${thing.id}` }),
    )
    // Only the request that was held waits.
    const held = gate
    gate = Promise.resolve()
    await held
    const writing = t.ctx.writer.write(
      async (tx) => {
        const id = `thing_${Math.random().toString(36).slice(2)}`
        await tx.record({
          type: 'thing.created',
          projectId: null,
          resourceType: 'thing',
          resourceId: id,
          version: 1,
          actorId: null,
          data: { id, name },
        })
        return { id, name }
      },
      { by: c.get('principal') },
    )
    // Another write started right after this one, in the same turn of the event loop.
    beside?.()
    beside = undefined
    const thing = await writing
    // The process dies here: committed, but never answers and never runs another line.
    if (crashAfterCommit) await new Promise(() => {})
    return respond(thing)
  })
  app.onError(errorHandler)
  const post = (name: string) =>
    app.request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k1' },
      body: JSON.stringify({ name }),
    })
  const committed = async () =>
    (
      await t.ctx.db.kysely.selectFrom('changes').select('resource_id').where('type', '=', 'thing.created').execute()
    ).map((r) => r.resource_id)
  const claims = async () => (await t.ctx.db.kysely.selectFrom('idempotency_keys').select('key').execute()).length
  return {
    post,
    committed,
    claims,
    crashAfterCommit: () => {
      crashAfterCommit = true
    },
    /** Starts `write` right after the next request's own write (on SQLite: in its group, after it). */
    writeBeside(write: () => void) {
      beside = write
    },
    hold() {
      let release = () => {}
      gate = new Promise<void>((r) => {
        release = r
      })
      return release
    },
  }
}

describe('Idempotency-Key with the write', () => {
  it('replays the committed result to a retry when the first request died after its write committed', async () => {
    const h = await writingHarness()
    h.crashAfterCommit()
    void h.post('a')
    await vi.waitFor(async () => expect(await h.committed()).toHaveLength(1))
    const [id] = await h.committed()
    const retry = await h.post('a')
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.headers.get('location')).toBe(`/things/${id}`)
    expect(await retry.json()).toEqual({ id, name: 'a' })
    expect(await h.committed()).toEqual([id])
  })

  it('stores the answer with the write that commits when that write runs again, its group having a failed one', async () => {
    const t = await createTestApp()
    const h = await writingHarness({}, t)
    let failed: Promise<unknown> = Promise.resolve()
    h.writeBeside(() => {
      // It fails after changing something, so the group is rolled back and runs again.
      failed = t.ctx.writer.write(async (tx) => {
        await tx.record({
          type: 'thing.created',
          projectId: null,
          resourceType: 'thing',
          resourceId: 'thing_failed',
          version: 1,
          actorId: null,
          data: {},
        })
        throw new Error('the other write fails')
      })
      // Looked at below, once the request has been answered (on PostgreSQL it fails first, on its own).
      failed.catch(() => {})
    })
    const first = await h.post('a')
    await expect(failed).rejects.toThrow('the other write fails')
    expect(first.status).toBe(201)
    const { id } = (await first.json()) as { id: string }
    const retry = await h.post('a')
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await retry.json()).toEqual({ id, name: 'a' })
    expect(await h.committed()).toEqual([id])
  })

  it('answers 409 with Retry-After during a stuck claim, lets a retry take it over after the lock, and never writes twice', async () => {
    let now = new Date('2026-11-20T00:00:00Z')
    const h = await writingHarness({ now: () => now, lockMs: 60_000 })
    const release = h.hold()
    const stuck = h.post('a')
    await vi.waitFor(async () => expect(await h.claims()).toBe(1))
    const meanwhile = await h.post('a')
    expect(meanwhile.status).toBe(409)
    expect(meanwhile.headers.get('retry-after')).toBe('1')

    now = new Date(now.getTime() + 61_000)
    const retry = await h.post('a')
    expect(retry.status).toBe(201)
    const { id } = (await retry.json()) as { id: string }
    // The stuck request wakes up and tries to write: its claim is no longer its own, so it writes nothing.
    release()
    expect((await stuck).status).toBe(409)
    expect(await h.committed()).toEqual([id])
    const replay = await h.post('a')
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(await replay.json()).toEqual({ id, name: 'a' })
  })
})

describe(`Idempotency-Key held by an instance (${TEST_DATABASE})`, () => {
  it('keeps a claim while the instance holding it runs, and frees it the moment that instance has ended', async () => {
    const t = await createTestApp()
    // Two instances on one database: this app's context, and a second one whose requests retry.
    const { createContext } = await import('../context.js')
    const pino = (await import('pino')).default
    const other = await createContext(t.ctx.config, {
      ...testContextOverrides(),
      database: t.database,
      logger: pino({ level: 'silent' }),
    })
    try {
      const first = await writingHarness({ holder: t.ctx.presence.id }, t)
      const retrying = await writingHarness({ holder: other.presence.id }, t)
      const release = first.hold()
      const stuck = first.post('a')
      await vi.waitFor(async () => expect(await first.claims()).toBe(1))
      if (TEST_DATABASE === 'postgres') {
        // The holder still runs: a retry elsewhere waits for it.
        const meanwhile = await retrying.post('a')
        expect(meanwhile.status).toBe(409)
        expect(meanwhile.headers.get('retry-after')).toBe('1')
        // The instance ends (its process died): its presence goes with its connection.
        await t.ctx.presence.close()
      }
      // SQLite: one process serves a data directory, so another instance's claim is from one that has ended.
      const retry = await retrying.post('a')
      expect(retry.status).toBe(201)
      const { id } = (await retry.json()) as { id: string }
      release()
      // Had the first request only been slow, it finds its claim taken over and writes nothing.
      expect((await stuck).status).toBe(409)
      expect(await first.committed()).toEqual([id])
    } finally {
      await other.close()
    }
  })
})
