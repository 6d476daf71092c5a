import { randomBytes } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postgresWanted, TEST_POSTGRES_URL, withAdmin } from '../src/test/databases.js'
import { startTestRedis } from '../src/test/redis.js'
import { startTcpProxy } from '../src/test/tcp-proxy.js'
import { sleep, startCli, tempDataDir } from './support/cli.js'

const postgresUp = await postgresWanted()

interface Sample {
  at: number
  ms: number
  status: number
  retryAfter: string | null
  problem: boolean
}

// Time limits short enough for a bounded test; the defaults are 5 s, 15 s and 1 s.
const CONNECT_MS = 500
const STATEMENT_MS = 1000
// The longest a request may take while PostgreSQL does not answer: a statement's limit plus the client's
// one-second grace, or waiting for a connection, with room for a loaded machine.
const SLOWEST_MS = STATEMENT_MS + 1000 + 2500

describe.skipIf(!postgresUp)('chaos: PostgreSQL and Redis fail under load', () => {
  it('answers 503 with Retry-After while they are down, recovers, and never exits', async () => {
    const schema = `chaos_${randomBytes(5).toString('hex')}`
    const applicationName = `tasklane-${schema}`
    await withAdmin((c) => c.query(`create schema ${schema}`))
    onTestFinished(async () => {
      await withAdmin((c) => c.query(`drop schema ${schema} cascade`))
    })
    const proxy = await startTcpProxy(Number(new URL(TEST_POSTGRES_URL).port || 5432))
    const redis = await startTestRedis()
    const url = new URL(TEST_POSTGRES_URL)
    url.port = String(proxy.port)
    url.searchParams.set('application_name', applicationName)
    url.searchParams.set('options', `-c search_path=${schema}`)

    const server = await startCli({
      DATA_DIR: tempDataDir(),
      DATABASE_URL: url.toString(),
      REDIS_URL: redis.url,
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
      REDIS_TIMEOUT_MS: '300',
      RATE_LIMIT_DEFAULT: '100000/60',
      LOG_LEVEL: 'warn',
    })
    const json = { 'content-type': 'application/json' }
    const signUp = await fetch(`${server.url}/v1/auth/signup`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'chaos@example.com', password: 'a long enough test passphrase', name: 'Chaos' }),
    })
    expect(signUp.status).toBe(201)
    const { accessToken } = (await signUp.json()) as { accessToken: string }
    const headers = { ...json, authorization: `Bearer ${accessToken}` }
    const project = (await (
      await fetch(`${server.url}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'Chaos' }) })
    ).json()) as { id: string }

    // Load: each worker alternates a list and a create, as long as the test runs.
    const t0 = Date.now()
    const samples: Sample[] = []
    let running = true
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const started = Date.now()
        const res =
          i % 2 === 0
            ? await fetch(`${server.url}/v1/projects/${project.id}/tasks`, {
                headers,
                signal: AbortSignal.timeout(10_000),
              })
            : await fetch(`${server.url}/v1/projects/${project.id}/tasks`, {
                method: 'POST',
                headers,
                body: JSON.stringify({ title: `w${w}-${i}` }),
                signal: AbortSignal.timeout(10_000),
              })
        await res.arrayBuffer()
        samples.push({
          at: started - t0,
          ms: Date.now() - started,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          problem: res.headers.get('content-type') === 'application/problem+json',
        })
        if (res.status !== 201 && res.status !== 200) await sleep(50)
      }
    }
    const workers = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)))
    const readyz = async () => {
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(10_000) })
      return { status: res.status, body: (await res.json()) as { status?: string; redis?: string } }
    }

    await sleep(1000)
    // PostgreSQL ends every connection of this server, twice: a restart or failover, as the server sees it.
    const terminatedAt = Date.now() - t0
    for (let round = 0; round < 2; round++) {
      await withAdmin((c) =>
        c.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
          applicationName,
        ]),
      )
      await sleep(500)
    }

    const redisStoppedAt = Date.now() - t0
    await redis.stop()
    await sleep(1000)
    const degraded = await readyz()

    const blackholedAt = Date.now() - t0
    proxy.blackhole()
    await sleep(4500)
    const down = await readyz()

    const restoredAt = Date.now() - t0
    proxy.restore()
    await redis.start()
    let recovered: number | undefined
    while (recovered === undefined && Date.now() - t0 - restoredAt < 8000) {
      const ready = await readyz()
      if (ready.status === 200 && ready.body.status === 'ok') recovered = Date.now() - t0
      else await sleep(100)
    }
    await sleep(1000)
    running = false
    await workers

    expect(server.child.exitCode, 'the server exited during the outage').toBeNull()
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    /** Statuses of the answers received between `from` and `to` (ms since the load began). */
    const byStatus = (from: number, to: number) => {
      const counts: Record<number, number> = {}
      for (const s of samples) {
        const answered = s.at + s.ms
        if (answered >= from && answered < to) counts[s.status] = (counts[s.status] ?? 0) + 1
      }
      return counts
    }
    const first503 = samples
      .filter((s) => s.status === 503 && s.at >= blackholedAt)
      .sort((a, b) => a.at + a.ms - (b.at + b.ms))[0]
    const firstOkAfter = samples
      .filter((s) => s.at >= restoredAt && (s.status === 200 || s.status === 201))
      .sort((a, b) => a.at + a.ms - (b.at + b.ms))[0]
    console.info(
      [
        `chaos: ${samples.length} requests, slowest ${Math.max(...samples.map((s) => s.ms))} ms`,
        `before faults: ${JSON.stringify(byStatus(0, terminatedAt))}`,
        `connections terminated: ${JSON.stringify(byStatus(terminatedAt, redisStoppedAt))}`,
        `redis down: ${JSON.stringify(byStatus(redisStoppedAt, blackholedAt))}, readyz ${degraded.status} ${JSON.stringify(degraded.body)}`,
        `postgres blackholed: ${JSON.stringify(byStatus(blackholedAt, restoredAt))}, readyz ${down.status}; first 503 answered ${first503 ? first503.at + first503.ms - blackholedAt : '-'} ms after`,
        `restored: ${JSON.stringify(byStatus(restoredAt, Number.POSITIVE_INFINITY))}; first 2xx answered ${firstOkAfter ? firstOkAfter.at + firstOkAfter.ms - restoredAt : '-'} ms after, readyz ok ${recovered === undefined ? 'never' : `${recovered - restoredAt} ms`} after`,
      ].join('\n'),
    )

    // Never a 500, never an answer slower than the time limits allow.
    expect(samples.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([])
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(SLOWEST_MS)
    // Every 503 is a problem with Retry-After.
    const unavailable = samples.filter((s) => s.status === 503)
    expect(unavailable.every((s) => s.problem && s.retryAfter === '5')).toBe(true)
    // Before the faults all is well; with Redis down requests still succeed, and readiness says degraded.
    expect(Object.keys(byStatus(0, terminatedAt)).sort()).toEqual(['200', '201'])
    expect(degraded).toEqual({ status: 200, body: { status: 'degraded', database: 'postgres', redis: 'unavailable' } })
    const duringRedisOutage = byStatus(redisStoppedAt + 300, blackholedAt)
    expect((duringRedisOutage[200] ?? 0) + (duringRedisOutage[201] ?? 0)).toBeGreaterThan(0)
    // PostgreSQL not answering: 503s, and readiness 503.
    expect(first503).toBeDefined()
    expect(down.status).toBe(503)
    // Once requests already waiting on the statement limit are answered, every answer is a 503.
    const blackholed = byStatus(blackholedAt + STATEMENT_MS + 2000, restoredAt)
    expect(Object.keys(blackholed)).toEqual(['503'])
    // And back.
    expect(recovered).toBeDefined()
    expect(firstOkAfter).toBeDefined()
  })
})
