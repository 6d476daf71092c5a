import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { AbortMark, sleep } from '../internal/signals.js'
import { AbortError, ConnectionError, errorFromResponse, retryAfterMs, TasklaneError } from './errors.js'
import type { EventsOptions } from './event-types.js'
import { retryableStatus } from './transport.js'

/** What opening one connection answered: the client's result of `streamEvents` with `parseAs: 'stream'`. */
export interface OpenedStream {
  response: Response
  error?: unknown
}

/** Opens one connection of the stream, resuming after `lastEventId` when there is one. */
export type OpenStream = (lastEventId: string | null, signal: AbortSignal | undefined) => Promise<OpenedStream>

type Ended = 'closed' | 'reconnect' | 'auth_expired' | 'idle'

/**
 * The live changes the caller may see, as `events(tl)` returns them: iterate it with `for await`. Behind
 * the loop it reconnects by itself (resuming after the last event with `Last-Event-ID`, waiting what the
 * server asked with `retry:`, longer after repeated failures), refreshes the session when the server says
 * the access token expired, and closes the connection when the loop ends. No change is lost or repeated
 * across reconnections. Errors that reconnecting cannot fix are thrown: `CursorExpiredError` when `since`
 * is older than the server keeps changes, `AuthenticationError`/`SessionExpiredError`, `PermissionDeniedError`.
 *
 * @example
 * const stream = events(tl, { since: localStorage.getItem('seq') ?? undefined })
 * for await (const event of stream) {
 *   if (event.type === 'access_revoked') forget(event.projectId)
 *   else apply(event)
 *   localStorage.setItem('seq', stream.lastEventId ?? '')
 * }
 */
export class EventStream<E> implements AsyncIterable<E> {
  /**
   * Where to resume later (`events(tl, { since: stream.lastEventId })`): the id of the last change the loop
   * has finished with, i.e. asked for the next event after. A change the loop broke out of or threw in
   * is delivered again, so none is skipped. Null until the server has answered when started without
   * `since`: its first event (`ready`) says where the stream starts.
   */
  lastEventId: string | null

  readonly #open: OpenStream
  readonly #renew: (() => Promise<void>) | undefined
  readonly #options: EventsOptions
  #retryMs: number

  /**
   * `renew` replaces the session's access token after the server ended the stream with `auth_expired`
   * (expiry, logout, revocation), so the reconnection does not first try the spent token.
   */
  constructor(open: OpenStream, options: EventsOptions = {}, renew?: () => Promise<void>) {
    this.#open = open
    this.#renew = renew
    this.#options = options
    this.lastEventId = options.since ?? null
    this.#retryMs = options.retryMs ?? 3000
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<E, void, undefined> {
    const { signal, idleTimeout = 45_000 } = this.#options
    let failures = 0
    let authRenewals = 0
    let connected = false
    const report = (now: boolean) => {
      if (now === connected) return
      connected = now
      this.#options.onConnectionChange?.(now)
    }
    let announced = false
    for (;;) {
      if (signal?.aborted) return
      let opened: OpenedStream
      try {
        opened = await this.#open(this.lastEventId, signal)
      } catch (error) {
        if (signal?.aborted || error instanceof AbortError) return
        if (!(error instanceof ConnectionError)) throw error
        report(false)
        if (!(await this.#wait(++failures, null, signal))) return
        continue
      }
      const { response } = opened
      if (!response.ok || !response.body) {
        if (retryableStatus(response.status)) {
          response.body?.cancel().catch(() => {})
          report(false)
          if (!(await this.#wait(++failures, retryAfterMs(response.headers), signal))) return
          continue
        }
        throw errorFromResponse(response, opened.error)
      }
      const type = response.headers.get('Content-Type') ?? ''
      if (!type.startsWith('text/event-stream')) {
        response.body.cancel().catch(() => {})
        throw new TasklaneError(`The event stream answered ${type || 'no Content-Type'}, not text/event-stream`, {
          status: response.status,
          code: 'not_an_event_stream',
          requestId: response.headers.get('X-Request-Id') ?? undefined,
        })
      }
      report(true)
      const openedAt = Date.now()
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      const messages: EventSourceMessage[] = []
      const parser = createParser({
        onEvent: (message) => messages.push(message),
        onRetry: (ms) => {
          this.#retryMs = ms
        },
      })
      let ended: Ended | null = null
      try {
        while (ended === null) {
          let chunk: ReadableStreamReadResult<Uint8Array>
          try {
            chunk = await read(reader, signal, idleTimeout)
          } catch (error) {
            if (signal?.aborted) return
            // Nothing arrived for too long (a dead connection nobody closed), or it dropped mid-stream.
            ended = error instanceof AbortMark ? 'idle' : 'closed'
            failures++
            break
          }
          if (chunk.done) {
            ended = 'closed'
            break
          }
          // The stream is alive: a connection that fails from now on starts the backoff afresh.
          failures = 0
          parser.feed(decoder.decode(chunk.value, { stream: true }))
          while (messages.length > 0) {
            const message = messages.shift() as EventSourceMessage
            if (message.event === 'auth_expired') {
              ended = 'auth_expired'
              break
            }
            if (message.event === 'reconnect') {
              // Started without `since` and nothing came yet: the server says where this connection was.
              const since = parse<{ since?: unknown }>(message).since
              if (this.lastEventId === null && typeof since === 'string') this.lastEventId = since
              ended = 'reconnect'
              break
            }
            if (message.event === 'ready') {
              // Where this connection starts: a stream started without `since` now resumes from here, so
              // what is committed while a reconnect is under way is not lost. Not a change: not yielded.
              if (message.id) this.lastEventId = message.id
              if (!announced && this.lastEventId !== null) {
                announced = true
                this.#options.onReady?.(this.lastEventId)
              }
              continue
            }
            if (message.id !== undefined && message.id !== '') {
              const id = message.id
              yield parse<E>(message)
              // The loop came back for more, so it is done with this change.
              this.lastEventId = id
            } else if (message.event === 'access_revoked') {
              yield { type: 'access_revoked', ...parse<object>(message) } as E
            }
            // Any other event without an id is a signal of a newer server that this client does not know.
          }
        }
      } finally {
        // Also runs when the loop breaks out or throws: closes the connection. Not awaited: closing needs no
        // answer, and a fetch stand-in (an in-process server, a mock) may never settle a cancel.
        reader.cancel().catch(() => {})
      }
      if (ended === 'auth_expired') {
        // The session renews the spent token (once for every call in flight), then the stream reconnects
        // at once. A server that says so again right after is waited out like a failure.
        authRenewals = Date.now() - openedAt < 1000 ? authRenewals + 1 : 1
        if (authRenewals > 1 && !(await this.#wait(++failures, null, signal))) return
        await this.#renew?.()
        continue
      }
      report(false)
      if (!(await this.#wait(failures, null, signal))) return
    }
  }

  /** Waits before reconnecting; false when the caller's signal ended the iteration meanwhile. */
  async #wait(failures: number, asked: number | null, signal: AbortSignal | undefined): Promise<boolean> {
    const maxMs = Math.max(this.#options.maxRetryMs ?? 30_000, this.#retryMs)
    // Up to a quarter less, so that clients dropped together (a server restart) do not all return together.
    const ms = asked ?? Math.min(this.#retryMs * 2 ** Math.max(0, failures - 1), maxMs) * (1 - Math.random() * 0.25)
    try {
      await sleep(ms, signal)
      return true
    } catch {
      return false
    }
  }
}

function parse<T>(message: EventSourceMessage): T {
  try {
    return JSON.parse(message.data) as T
  } catch (error) {
    throw new TasklaneError(`The event stream sent an event that is not JSON (${message.event ?? 'message'})`, {
      code: 'invalid_event',
      cause: error,
    })
  }
}

/**
 * The next chunk, or a rejection: with an `AbortMark` when nothing arrived for `idleMs`, with the signal's
 * reason when the caller's signal fires (the caller cancels the reader then).
 */
function read(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal | undefined,
  idleMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => finish(() => reject(signal?.reason))
    const timer = setTimeout(() => finish(() => reject(new AbortMark('timeout'))), idleMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    function finish(settle: () => void) {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      settle()
    }
    reader.read().then(
      (result) => finish(() => resolve(result)),
      (error) => finish(() => reject(error)),
    )
  })
}
