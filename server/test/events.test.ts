import { describe, expect, it, onTestFinished } from 'vitest'
import { freshDatabase, postgresWanted, TEST_POSTGRES_URL } from '../src/test/databases.js'
import { type ParsedEvent, sseParser } from '../src/test/sse.js'
import { type RunningCli, startCli, tempDataDir } from './support/cli.js'

const withPostgres = await postgresWanted()

/** A stream read in the background over a real connection, as an EventSource would. */
async function listen(url: string, token: string, lastEventId?: string) {
  const controller = new AbortController()
  const res = await fetch(`${url}/v1/events`, {
    headers: { Authorization: `Bearer ${token}`, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
    signal: controller.signal,
  })
  expect(res.status).toBe(200)
  const events: ParsedEvent[] = []
  const parser = sseParser()
  const ended = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const block of parser.push(chunk)) if (block.event) events.push(block.event)
      }
    } catch {
      // aborted by the test
    }
  })()
  const close = () => {
    controller.abort()
    return ended
  }
  onTestFinished(close)
  const waitFor = async (predicate: (e: ParsedEvent) => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = events.find(predicate)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(events)}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  return { events, ended, close, waitFor }
}

async function call(server: RunningCli, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`)
  return res.status === 204 ? undefined : res.json()
}

describe.runIf(withPostgres)('event stream across two server processes on PostgreSQL', () => {
  it('delivers a write on A to a stream on B, and B ends its streams with reconnect when it shuts down', async () => {
    const database = await freshDatabase('postgres')
    onTestFinished(() => database.drop())
    if (database.options.dialect !== 'postgres') throw new Error('expected PostgreSQL')
    const url = new URL(TEST_POSTGRES_URL)
    url.searchParams.set('options', `-c search_path=${database.options.schema}`)
    const env = {
      DATABASE_URL: url.toString(),
      SECRET_KEY: 'a shared secret key of at least 32 characters',
      RATE_LIMITS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    }
    const a = await startCli({ ...env, DATA_DIR: tempDataDir() })
    const b = await startCli({ ...env, DATA_DIR: tempDataDir() })
    const { accessToken } = await call(a, 'POST', '/v1/auth/signup', undefined, {
      email: 'streams@example.com',
      password: 'a long enough test passphrase',
      name: 'Streams',
    })
    const project = await call(a, 'POST', '/v1/projects', accessToken, { name: 'Across instances' })

    const onB = await listen(b.url, accessToken)
    const written = Date.now()
    const task = await call(a, 'POST', `/v1/projects/${project.id}/tasks`, accessToken, { title: 'Written on A' })
    const created = await onB.waitFor((e) => e.event === 'task.created' && e.data.resourceId === task.id, 1_000)
    const delay = Date.now() - written
    console.info(`[events] a write on A reached a stream on B after ${delay} ms`)
    expect(created.data.data.title).toBe('Written on A')

    // B shuts down: its stream is told to reconnect, with its position, and A carries on from there.
    b.child.kill('SIGTERM')
    const reconnect = await onB.waitFor((e) => e.event === 'reconnect')
    expect(reconnect.data).toEqual({ reason: 'shutdown', since: created.id })
    await onB.ended
    expect((await b.exited).code).toBe(0)
    const onA = await listen(a.url, accessToken, reconnect.data.since)
    const next = await call(a, 'PATCH', `/v1/tasks/${task.id}`, accessToken, { status: 'done' })
    const updated = await onA.waitFor((e) => e.event === 'task.updated')
    expect(updated.data.version).toBe(next.version)
    const ready = { id: created.id, event: 'ready', data: { since: created.id } }
    expect(onA.events.filter((e) => e.id !== undefined)).toEqual([ready, updated])
  })
})
