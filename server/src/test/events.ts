import { onTestFinished } from 'vitest'
import { type ParsedEvent, type SseBlock, sseParser } from './sse.js'

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
