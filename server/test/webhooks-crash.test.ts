import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postgresWanted, TEST_POSTGRES_URL, withAdmin } from '../src/test/databases.js'
import { type RunningCli, sleep, startCli, tempDataDir } from './support/cli.js'

const postgresUp = await postgresWanted()

const CHANGES = 1000
// Short delays and leases, so a bounded run still goes through many retries and a takeover after the kill.
const SERVER_ENV = {
  LOG_LEVEL: 'silent',
  RATE_LIMITS_ENABLED: 'false',
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
  WEBHOOK_TIMEOUT_MS: '500',
  QUEUE_POLL_MS: '100',
  QUEUE_LEASE_MS: '2000',
  QUEUE_RETRY_BASE_MS: '50',
  QUEUE_RETRY_MAX_MS: '500',
  QUEUE_CONCURRENCY: '20',
}

/**
 * A receiver that fails at random — 30 % of requests answered 500, hung until the sender gives up, or cut
 * mid-answer — and, for the rest, verifies the signature and processes each `webhook-id` once. It also notes
 * whether a request for a `webhook-id` ever arrived while another for the same id was still open.
 */
async function startFlakyReceiver(secret: () => string) {
  const processed = new Map<string, string>()
  const open = new Map<string, number>()
  let overlaps = 0
  let requests = 0
  let failures = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const id = String(req.headers['webhook-id'])
    requests++
    open.set(id, (open.get(id) ?? 0) + 1)
    if ((open.get(id) ?? 0) > 1) overlaps++
    res.on('close', () => open.set(id, (open.get(id) ?? 1) - 1))
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const roll = Math.random()
      if (roll < 0.3) {
        failures++
        if (roll < 0.1) {
          res.statusCode = 500
          res.end('flaky')
        } else if (roll < 0.2) {
          // Hangs: the sender's time limit ends it.
        } else {
          res.writeHead(200, { 'content-length': '100' })
          res.write('cut')
          res.socket?.destroy()
        }
        return
      }
      const body = Buffer.concat(chunks).toString('utf8')
      let event: { type: string; data: { seq: string } }
      try {
        event = new Webhook(secret()).verify(body, req.headers as Record<string, string>) as typeof event
      } catch {
        res.statusCode = 401
        res.end('bad signature')
        return
      }
      // Deduplicated by webhook-id: a repeat is acknowledged, not processed again.
      if (!processed.has(id)) processed.set(id, event.data.seq)
      res.statusCode = 204
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    processed,
    stats: () => ({ requests, failures, overlaps }),
  }
}

async function api(server: RunningCli, method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> }
}

async function postgresEnv(): Promise<Record<string, string>> {
  const schema = `webhooks_${randomBytes(5).toString('hex')}`
  await withAdmin((c) => c.query(`create schema ${schema}`))
  onTestFinished(async () => {
    await withAdmin((c) => c.query(`drop schema ${schema} cascade`))
  })
  const url = new URL(TEST_POSTGRES_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { DATABASE_URL: url.toString() }
}

async function crashRun(databaseEnv: Record<string, string>, instances: number) {
  const dataDir = tempDataDir()
  const env = { ...SERVER_ENV, DATA_DIR: dataDir, ...databaseEnv }
  let secret = ''
  const receiver = await startFlakyReceiver(() => secret)
  let servers = [await startCli(env)]
  for (let i = 1; i < instances; i++) servers.push(await startCli({ ...env, DATA_DIR: tempDataDir() }))

  const first = servers[0] as RunningCli
  const signUp = await api(first, 'POST', '/v1/auth/signup', undefined, {
    email: 'crash@example.com',
    password: 'a long enough test passphrase',
    name: 'Crash',
  })
  const token = String(signUp.body.accessToken)
  const project = await api(first, 'POST', '/v1/projects', token, { name: 'Crash' })
  const endpoint = await api(first, 'POST', `/v1/projects/${project.body.id}/webhooks`, token, {
    url: receiver.url,
    eventTypes: ['task.created'],
  })
  expect(endpoint.status).toBe(201)
  secret = String(endpoint.body.secret)

  const seqs = new Set<string>()
  // Four clients writing at once, spread over the instances.
  const write = async (from: number, to: number) => {
    const lanes = Array.from({ length: 4 }, async (_, lane) => {
      for (let i = from + lane; i < to; i += 4) {
        const server = servers[i % servers.length] as RunningCli
        const res = await api(server, 'POST', `/v1/projects/${project.body.id}/tasks`, token, { title: `Task ${i}` })
        expect(res.status).toBe(201)
      }
    })
    await Promise.all(lanes)
  }
  await write(0, CHANGES / 2)
  // Killed while deliveries are under way (some with their leases held), then started again.
  servers[0]?.child.kill('SIGKILL')
  await servers[0]?.exited
  servers = [await startCli(env), ...servers.slice(1)]
  await write(CHANGES / 2, CHANGES)

  const changes = await api(
    servers[0] as RunningCli,
    'GET',
    `/v1/changes?projectId=${project.body.id}&limit=100`,
    token,
  )
  expect(changes.status).toBe(200)
  let page = changes.body as { data: { type: string; seq: string }[]; syncToken: string; nextCursor: string | null }
  for (;;) {
    for (const c of page.data) if (c.type === 'task.created') seqs.add(c.seq)
    if (!page.nextCursor) break
    const next = await api(
      servers[0] as RunningCli,
      'GET',
      `/v1/changes?projectId=${project.body.id}&limit=100&cursor=${page.nextCursor}`,
      token,
    )
    page = next.body as typeof page
  }
  expect(seqs.size).toBe(CHANGES)

  const deadline = Date.now() + 120_000
  while (receiver.processed.size < CHANGES && Date.now() < deadline) await sleep(100)
  // Each change processed exactly once, under its own webhook-id.
  expect(receiver.processed.size).toBe(CHANGES)
  expect(new Set(receiver.processed.values())).toEqual(seqs)
  const stats = receiver.stats()
  expect(stats.failures).toBeGreaterThan(CHANGES * 0.2)
  return stats
}

describe('webhooks survive a crash and a flaky receiver', () => {
  it(`SQLite: ${CHANGES} changes, every one delivered, verified and processed once across a SIGKILL`, async () => {
    const stats = await crashRun({}, 1)
    expect(stats.requests).toBeGreaterThan(CHANGES)
  }, 240_000)

  it.skipIf(!postgresUp)(
    `PostgreSQL, two instances: ${CHANGES} changes, every one delivered once, never two attempts at once`,
    async () => {
      const stats = await crashRun(await postgresEnv(), 2)
      expect(stats.overlaps).toBe(0)
    },
    240_000,
  )
})
