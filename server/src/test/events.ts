import { onTestFinished } from 'vitest'
import { newId } from '../lib/ids.js'
import { createTestApp, type TestApp } from './app.js'
import { present } from './present.js'
import { createProject } from './projects.js'
import { type ParsedEvent, type SseBlock, sseParser } from './sse.js'
import { signUpUser } from './users.js'

export interface StreamClient {
  response: Response
  /** The stream's first event, `ready`: where it starts (`data.since`, also its `id`). */
  ready: ParsedEvent
  /** Every block received so far, heartbeats, `retry:` and `ready` included, in order. */
  blocks: SseBlock[]
  /** The events received so far after `ready` (blocks without events left out). */
  events(): ParsedEvent[]
  /** Waits for the next event not yet taken by `next`; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ParsedEvent>
  /** Waits until `predicate` holds for some block received (already or later); rejects after `timeoutMs`. */
  waitFor(predicate: (block: SseBlock) => boolean, timeoutMs?: number): Promise<SseBlock>
  /** Resolves when the server has ended the stream. */
  ended: Promise<void>
  /** Closes the stream from the client side. */
  close(): Promise<void>
}

export interface OpenStreamOptions {
  headers: Record<string, string>
  since?: string
  lastEventId?: string
  projectId?: string
}

/**
 * Opens `GET /v1/events` with `fetcher` (a TestApp's `fetch`, which checks every event against the spec,
 * or the global fetch against a listening server) and reads it in the background. Resolves once the first
 * event has arrived, which must be `ready` with its `id` equal to its `since`. Closed when the test ends.
 *
 * @example
 * const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
 * const event = await stream.next()
 */
export async function openStream(
  fetcher: (input: string, init?: RequestInit) => Promise<Response>,
  baseUrl: string,
  options: OpenStreamOptions,
): Promise<StreamClient> {
  const url = new URL('/v1/events', baseUrl)
  if (options.since !== undefined) url.searchParams.set('since', options.since)
  if (options.projectId !== undefined) url.searchParams.set('projectId', options.projectId)
  const headers: Record<string, string> = { ...options.headers }
  if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId
  const response = await fetcher(url.toString(), { headers })
  if (response.status !== 200 || !response.body) {
    throw new Error(`streamEvents answered ${response.status}: ${await response.text()}`)
  }
  const reader = response.body.getReader()
  const parser = sseParser()
  const blocks: SseBlock[] = []
  let taken = 0
  let failure: unknown
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const waiter of waiters) waiter()
  }
  let closedByClient = false
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        blocks.push(...parser.push(value))
        notify()
      }
    } catch (err) {
      if (!closedByClient) failure = err
    } finally {
      notify()
    }
  })()
  let finished = false
  void ended.then(() => {
    finished = true
    notify()
  })

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const found = check()
        if (found !== undefined) return done(() => resolve(found))
        if (failure) return done(() => reject(failure))
        if (finished) return done(() => reject(new Error(`stream ended while waiting for ${what}`)))
      }
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
        timeoutMs,
      )
      function done(settle: () => void) {
        clearTimeout(timer)
        waiters.delete(attempt)
        settle()
      }
      waiters.add(attempt)
      attempt()
    })

  const received = () => blocks.flatMap((b) => (b.event ? [b.event] : []))
  const first = await waitUntil(() => received()[0], 5_000, 'the first event')
  if (first.event !== 'ready' || first.id === undefined || first.id !== first.data?.since) {
    await reader.cancel().catch(() => {})
    throw new Error(`the stream's first event is not ready with id = since: ${JSON.stringify(first)}`)
  }
  const events = () => received().slice(1)
  const client: StreamClient = {
    response,
    ready: first,
    blocks,
    events,
    next: (timeoutMs = 5_000) =>
      waitUntil(
        () => {
          const event = events()[taken]
          if (event) taken += 1
          return event
        },
        timeoutMs,
        'the next event',
      ),
    waitFor: (predicate, timeoutMs = 5_000) => waitUntil(() => blocks.find(predicate), timeoutMs, 'a matching event'),
    ended,
    async close() {
      closedByClient = true
      await reader.cancel().catch(() => {})
      await ended
    },
  }
  onTestFinished(() => client.close())
  return client
}

/**
 * An app with rate limits off (tests of streams write and open many), its user alice and her project.
 *
 * @example
 * const { t, alice, project } = await appWithProject({ EVENTS_HEARTBEAT_S: '1' })
 */
export async function appWithProject(env: Record<string, string> = {}) {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', ...env })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  return { t, alice, project }
}

/**
 * Appends a change to the log through `t`'s write seam, the way every service write does; `title` tells the
 * changes apart. Answers its seq.
 *
 * @example
 * const seq = await recordChange(t, project.id, 'tsk_1')
 */
export const recordChange = (t: Pick<TestApp, 'ctx'>, projectId: string, title: string, type = 'task.updated') => {
  const id = newId('tsk')
  return t.ctx.writer.write((tx) =>
    tx.record({
      type,
      projectId,
      resourceType: 'task',
      resourceId: id,
      version: 1,
      actorId: null,
      data: { id, title },
    }),
  )
}

/**
 * Opens a stream and reads it up to its `ready` event, leaving the rest unread until the answered `readRest`
 * reads it to its end (its events, and the error it ended with, if any). Cancelled when the test ends.
 *
 * @example
 * const readRest = await stalledStream(t, alice.authHeaders)
 * // … writes while nothing reads
 * const { events, error } = await readRest()
 */
export async function stalledStream(t: TestApp, headers: Record<string, string>) {
  const res = await t.fetch(`${t.baseUrl}/v1/events`, { headers })
  const reader = present(res.body, 'the stream body').getReader()
  const parser = sseParser()
  for (let ready = false; !ready; ) {
    const { done, value } = await reader.read()
    if (done) throw new Error('the stream ended before ready')
    ready = parser.push(value).some((block) => block.event?.event === 'ready')
  }
  const readRest = async () => {
    const events: ParsedEvent[] = []
    let error: unknown
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        for (const block of parser.push(value)) if (block.event) events.push(block.event)
      }
    } catch (err) {
      error = err
    }
    return { events, error }
  }
  onTestFinished(() => reader.cancel().catch(() => {}))
  return readRest
}
