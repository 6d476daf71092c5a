import { randomId } from '../internal/ids.js'
import { AbortMark, linkSignals, raceSignal, sleep } from '../internal/signals.js'
import { AbortError, ConnectionError, retryAfterMs, TasklaneError, TimeoutError } from './errors.js'
import type { Session } from './session.js'

/** Per-call options, accepted by every method next to openapi-fetch's own (`params`, `body`, …). */
export interface CallOptions {
  /** Aborts the call, including its retries and waits; the call then throws `AbortError`. */
  signal?: AbortSignal
  /** Milliseconds each attempt may take until the response headers arrive. */
  timeout?: number
  /** Milliseconds the whole call may take, across attempts and waits between them. */
  deadline?: number
  /** How many times to retry after the first attempt. */
  maxRetries?: number
  /**
   * Send `If-Match`: an ETag (e.g. from `etagOf`), or `true` for the ETag this client last saw for this URL.
   * `null` (no ETag known) fails the call rather than silently sending an unconditional update.
   */
  ifMatch?: string | true | null
}

export interface RetryBackoff {
  /** The first retry waits about this long (ms); each further one twice as long. Default 500. */
  initialMs?: number
  /** No backoff wait is longer than this (ms). Default 8000. */
  maxMs?: number
  /** A `Retry-After` longer than this (ms) is not waited for; the error is returned instead. Default 60 000. */
  maxRetryAfterMs?: number
}

export interface TransportOptions {
  fetch: (request: Request) => Promise<Response>
  timeout: number
  deadline: number | undefined
  maxRetries: number
  backoff: RetryBackoff
  credentials: (() => string | null) | Session | null
}

/** What the client knows about one call before openapi-fetch builds its Request. */
export interface CallContext extends CallOptions {
  /** False when the body is a stream that can be sent only once. */
  replayable: boolean
  /** False for the session refresh itself, which must not carry (or renew) an access token. */
  auth: boolean
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const ETAG_MEMORY = 500

function retryableStatus(status: number) {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505)
}

/**
 * Sends one call: credentials, retries with backoff, per-attempt timeouts, the overall deadline, the
 * caller's signal, the session refresh on 401, and the ETags it has seen. The client hands it to
 * openapi-fetch as the call's `fetch`, so everything below happens before openapi-fetch parses a response.
 */
export class Transport {
  readonly #etags = new Map<string, string>()

  constructor(readonly options: TransportOptions) {}

  async send(original: Request, ctx: CallContext): Promise<Response> {
    const o = this.options
    const started = Date.now()
    const deadline = ctx.deadline ?? o.deadline
    const maxRetries = ctx.maxRetries ?? o.maxRetries
    const timeout = ctx.timeout ?? o.timeout
    const call = linkSignals([ctx.signal], deadline, 'deadline')
    try {
      const method = original.method
      const headers = new Headers(original.headers)
      // One key per call, reused by every attempt, so that the server can replay instead of acting twice.
      if (method === 'POST' && !headers.has('Idempotency-Key')) headers.set('Idempotency-Key', randomId())
      if (ctx.ifMatch !== undefined) headers.set('If-Match', this.#ifMatch(original.url, ctx.ifMatch))
      const body = ctx.replayable && original.body ? await original.arrayBuffer() : null
      const retryable = ctx.replayable && (IDEMPOTENT.has(method) || headers.has('Idempotency-Key'))
      const ownAuth = ctx.auth && !headers.has('Authorization')
      let attempt = 0
      let renewed = false
      for (;;) {
        const token = ownAuth ? await this.#token() : null
        if (token) headers.set('Authorization', `Bearer ${token}`)
        const link = linkSignals([call.signal], timeout)
        let response: Response
        try {
          if (link.signal.aborted) throw link.signal.reason
          const init: RequestInit & { duplex?: 'half' } = { headers, signal: link.signal }
          if (body) init.body = body
          else if (!ctx.replayable && original.body) Object.assign(init, { body: original.body, duplex: 'half' })
          response = await raceSignal(o.fetch(new Request(original, init)), link.signal)
        } catch (error) {
          const failure = this.#failure(error, link.signal, ctx, timeout)
          if (!retryable || attempt >= maxRetries || !(failure instanceof ConnectionError)) throw failure
          if (failure instanceof TimeoutError && call.signal.aborted) throw failure
          await this.#pause(this.#backoff(attempt), call.signal, ctx)
          attempt++
          continue
        } finally {
          link.done()
        }
        if (
          response.status === 401 &&
          token &&
          !renewed &&
          ctx.replayable &&
          this.options.credentials &&
          typeof this.options.credentials === 'object' &&
          (await problemCode(response)) === 'token_expired'
        ) {
          renewed = true
          await response.body?.cancel().catch(() => {})
          await this.options.credentials.renewAfter(token)
          continue
        }
        if (retryable && attempt < maxRetries && retryableStatus(response.status)) {
          const asked = retryAfterMs(response.headers)
          const wait = asked ?? this.#backoff(attempt)
          const fits = deadline === undefined || Date.now() - started + wait < deadline
          if (fits && (asked === null || asked <= (o.backoff.maxRetryAfterMs ?? 60_000))) {
            await response.body?.cancel().catch(() => {})
            await this.#pause(wait, call.signal, ctx)
            attempt++
            continue
          }
        }
        this.#remember(method, original.url, response)
        return response
      }
    } finally {
      call.done()
    }
  }

  async #token(): Promise<string | null> {
    const credentials = this.options.credentials
    if (!credentials) return null
    return typeof credentials === 'function' ? credentials() : credentials.accessToken()
  }

  #failure(error: unknown, signal: AbortSignal, ctx: CallContext, timeout: number): TasklaneError {
    if (error instanceof TasklaneError) return error
    if (ctx.signal?.aborted) return new AbortError(ctx.signal.reason)
    if (signal.aborted) {
      const reason = signal.reason
      if (reason instanceof AbortMark && reason.cause === 'deadline') {
        return new TimeoutError(`The call's deadline of ${ctx.deadline ?? this.options.deadline} ms ran out`)
      }
      return new TimeoutError(`No response within ${timeout} ms`)
    }
    return new ConnectionError(error instanceof Error ? error.message : 'Connection error', error)
  }

  async #pause(ms: number, signal: AbortSignal, ctx: CallContext) {
    try {
      await sleep(ms, signal)
    } catch (error) {
      if (ctx.signal?.aborted) throw new AbortError(ctx.signal.reason)
      throw new TimeoutError(`The call's deadline of ${ctx.deadline ?? this.options.deadline} ms ran out`, error)
    }
  }

  #backoff(attempt: number) {
    const { initialMs = 500, maxMs = 8000 } = this.options.backoff
    // Up to a quarter less than the exponential step, so that clients that failed together spread out.
    return Math.min(initialMs * 2 ** attempt, maxMs) * (1 - Math.random() * 0.25)
  }

  #ifMatch(url: string, ifMatch: string | true | null): string {
    if (typeof ifMatch === 'string') return ifMatch
    const etag = ifMatch === true ? this.#etags.get(withoutQuery(url)) : undefined
    if (!etag) throw new TasklaneError(`No ETag is known for ${withoutQuery(url)}; read it first`, { code: 'no_etag' })
    return etag
  }

  #remember(method: string, url: string, response: Response) {
    if (!response.ok) return
    const etag = response.headers.get('ETag')
    const location = response.headers.get('Location')
    const key = withoutQuery(method === 'POST' && location ? new URL(location, url).href : url)
    if (method === 'DELETE') this.#etags.delete(key)
    else if (etag) {
      this.#etags.delete(key)
      this.#etags.set(key, etag)
      if (this.#etags.size > ETAG_MEMORY) this.#etags.delete(this.#etags.keys().next().value as string)
    }
  }
}

function withoutQuery(url: string) {
  const i = url.indexOf('?')
  return i === -1 ? url : url.slice(0, i)
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { code?: unknown }
    return typeof body?.code === 'string' ? body.code : undefined
  } catch {
    return undefined
  }
}
