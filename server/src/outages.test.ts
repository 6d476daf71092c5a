import { Writable } from 'node:stream'
import { sql } from 'kysely'
import pg from 'pg'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from './db/unavailable.js'
import { createTestApp } from './test/app.js'
import { TEST_DATABASE, TEST_POSTGRES_URL } from './test/databases.js'
import { startTestRedis } from './test/redis.js'
import { startTcpProxy } from './test/tcp-proxy.js'
import { signUpUser } from './test/users.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A pino logger at `warn` that keeps what it writes, for asserting on warnings. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)))
      callback()
    },
  })
  return { logger: pino({ level: 'warn' }, stream), lines }
}

/** Polls `probe` until it returns true, failing after `ms`; answers how long it took. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now()
  while (!(await probe())) {
    if (Date.now() - start > ms) expect.fail(`not within ${ms} ms`)
    await sleep(50)
  }
  return Date.now() - start
}

async function terminateBackends(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await admin.connect()
  try {
    const { rows } = await admin.query(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [applicationName],
    )
    return rows.filter((r) => r.ok).length
  } finally {
    await admin.end()
  }
}

const withParam = (url: string, name: string, value: string) => {
  const parsed = new URL(url)
  parsed.searchParams.set(name, value)
  return parsed.toString()
}

describe.skipIf(TEST_DATABASE !== 'postgres')('PostgreSQL outages', () => {
  it('keeps running when PostgreSQL ends its connections, idle or busy, and reconnects', async () => {
    const applicationName = `tasklane-test-${Math.random().toString(36).slice(2, 10)}`
    const t = await createTestApp(
      {},
      { database: (o) => ({ ...o, url: withParam(TEST_POSTGRES_URL, 'application_name', applicationName) }) },
    )
    const alice = await signUpUser(t)
    // Several pool connections, left idle, plus one busy in a long statement.
    const warm = await Promise.all(
      Array.from({ length: 4 }, () => t.request('/v1/projects', { headers: alice.authHeaders })),
    )
    expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200])
    const busy = sql`select pg_sleep(10)`.execute(t.ctx.db.kysely).then(
      () => undefined,
      (err: unknown) => err,
    )
    await sleep(300)

    expect(await terminateBackends(applicationName)).toBeGreaterThanOrEqual(2)
    expect(isDatabaseUnavailable(await busy)).toBe(true)
    await sleep(200) // the idle connections learn of their end asynchronously

    const res = await t.request('/v1/projects', { headers: alice.authHeaders })
    expect(res.status).toBe(200)
    expect((await t.request('/readyz')).status).toBe(200)
  })

  it('answers 503 with Retry-After within the time limits while PostgreSQL does not answer, then recovers', async () => {
    const proxy = await startTcpProxy(Number(new URL(TEST_POSTGRES_URL).port || 5432))
    const viaProxy = new URL(TEST_POSTGRES_URL)
    viaProxy.port = String(proxy.port)
    const t = await createTestApp(
      { DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '1000' },
      { database: (o) => ({ ...o, url: viaProxy.toString() }) },
    )
    const alice = await signUpUser(t)

    // Stops answering: queries on open connections wait out the statement limit, new ones the connect limit.
    proxy.blackhole()
    let start = Date.now()
    const res = await t.request('/v1/projects', { headers: alice.authHeaders })
    const hung = Date.now() - start
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 503, code: 'service_unavailable' })
    expect(hung).toBeLessThan(3000)
    start = Date.now()
    expect((await t.request('/readyz')).status).toBe(503)
    expect(Date.now() - start).toBeLessThan(1500)

    // Refuses connections: answered at once.
    proxy.cut()
    start = Date.now()
    const refused = await t.request('/v1/projects', { headers: alice.authHeaders })
    expect(refused.status).toBe(503)
    expect(Date.now() - start).toBeLessThan(1000)

    proxy.restore()
    await within(5000, async () => (await t.request('/v1/projects', { headers: alice.authHeaders })).status === 200)
    expect((await t.request('/readyz')).status).toBe(200)

    // Shutting down while it does not answer takes the connect limit at most, not forever.
    proxy.blackhole()
    start = Date.now()
    await t.ctx.close()
    expect(Date.now() - start).toBeLessThan(2000)
  })
})

describe('Redis outages', () => {
  it('keeps answering /v1 with in-process rate limits, warns once, and reports readiness as degraded', async () => {
    const redis = await startTestRedis()
    const { logger, lines } = capturingLogger()
    const t = await createTestApp({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '300' }, { logger })
    const alice = await signUpUser(t)
    expect(await (await t.request('/readyz')).json()).toEqual({ status: 'ok', database: TEST_DATABASE, redis: 'ok' })

    await redis.stop()
    for (let i = 0; i < 10; i++) {
      const res = await t.request('/v1/me', { headers: alice.authHeaders })
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/)
    }
    const ready = await t.request('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'degraded', database: TEST_DATABASE, redis: 'unavailable' })
    const redisWarnings = lines.filter((l) => l.level === 40 && /redis/i.test(l.msg))
    expect(redisWarnings.length).toBeGreaterThanOrEqual(1)
    expect(redisWarnings.length).toBeLessThanOrEqual(2)

    await redis.start()
    await within(5000, async () => ((await (await t.request('/readyz')).json()) as { status: string }).status === 'ok')
    expect((await t.request('/v1/me', { headers: alice.authHeaders })).status).toBe(200)
  })

  it('does not wait on a Redis that stops answering for longer than REDIS_TIMEOUT_MS', async () => {
    const redis = await startTestRedis()
    const proxy = await startTcpProxy(redis.port)
    const t = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_TIMEOUT_MS: '300' })
    const alice = await signUpUser(t)

    proxy.blackhole()
    let start = Date.now()
    expect((await t.request('/v1/me', { headers: alice.authHeaders })).status).toBe(200)
    expect(Date.now() - start).toBeLessThan(1500)
    // Having failed, Redis is left alone for a while instead of costing every request the timeout.
    start = Date.now()
    expect((await t.request('/v1/me', { headers: alice.authHeaders })).status).toBe(200)
    expect(Date.now() - start).toBeLessThan(250)
    start = Date.now()
    const ready = await t.request('/readyz')
    expect(Date.now() - start).toBeLessThan(1500)
    expect(await ready.json()).toMatchObject({ status: 'degraded', redis: 'unavailable' })
  })
})
