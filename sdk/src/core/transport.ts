import { randomId } from '../internal/ids.js'
import { PendingRequest } from '../internal/pending-request.js'
import { AbortMark, linkSignals, raceSignal, sleep } from '../internal/signals.js'
import { AbortError, ConnectionError, retryAfterMs, TasklaneError, TimeoutError } from './errors.js'
import type { Session } from './session.js'

/**
 * Per-call options, accepted by every method next to openapi-fetch's own (`params`, `body`, …).
 *
 * @example
 * await tl.GET('/readyz', { timeout: 2000, maxRetries: 0, signal: controller.signal })
 */
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

/**
 * Tuning of the waits between retries.
 *
 * @example
 * const tl = createTasklane({ baseUrl, backoff: { initialMs: 200, maxMs: 2000 } })
 */
export interface RetryBackoff {
  /** The first retry waits about this long (ms); each further one twice as long. Default 500. */
  initialMs?: number
  /** No backoff wait is longer than this (ms). Default 8000. */
  maxMs?: number
  /** A `Retry-After` longer than this (ms) is not waited for; the error is returned instead. Default 60 000. */
  maxRetryAfterMs?: number
}

export interface TransportOptions {
  /** An injected fetch; unused when `fetchHonoursSignal` (then the platform's fetch is called). */
  fetch: (request: Request, init: { signal: AbortSignal }) => Promise<Response>
  /** True for the platform's fetch, which stops on its signal; an injected one is raced against it. */
  fetchHonoursSignal: boolean
  timeout: number
  deadline: number | undefined
  maxRetries: number
  backoff: RetryBackoff
  credentials: (() => string | null) | Session | null
}

/** What the client knows about one call before openapi-fetch builds its Request. */
export interface CallContext extends CallOptions {
  /** False for the session refresh itself, which must not carry (or renew) an access token. */
  auth: boolean
  /** The body as openapi-fetch serialized it, kept so that a retry can send it again. */
  body?: unknown
  /** The operation declares `Idempotency-Key`: the server replays a repeated key instead of acting twice. */
  keyed?: boolean
}

/**
 * The signals of one call, started when the call starts. Each attempt's signal goes to fetch in its second
 * argument: fetch builds its own Request from the two anyway, so this costs nothing, whereas a signal on
 * openapi-fetch's Request would cost a second signal-following Request per call.
 */
export interface CallSignals {
  /** The caller's signal and the deadline; null when the call has neither. */
  call: Linked | null
  attempt: Linked
  started: number
}

type Linked = ReturnType<typeof linkSignals>

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const ETAG_MEMORY = 500

/** Statuses after which the same request may succeed later: 408, 429 and 5xx except 501 and 505. */
export function retryableStatus(status: number) {
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

  /** Starts the call's clocks: a fresh timer per call, never one shared since the client was created. */
  begin(ctx: CallContext): CallSignals {
    const deadline = ctx.deadline ?? this.options.deadline
    const call = ctx.signal || deadline !== undefined ? linkSignals([ctx.signal], deadline, 'deadline') : null
    return { call, attempt: linkSignals([call?.signal], ctx.timeout ?? this.options.timeout), started: Date.now() }
  }

  /** Stops the call's clocks (idempotent). */
  end(signals: CallSignals) {
    signals.attempt.done()
    signals.call?.done()
  }

  async send(original: Request | PendingRequest, ctx: CallContext, signals: CallSignals): Promise<Response> {
    const o = this.options
    const deadline = ctx.deadline ?? o.deadline
    const maxRetries = ctx.maxRetries ?? o.maxRetries
    const timeout = ctx.timeout ?? o.timeout
    const callSignal = signals.call?.signal
    const method = original.method
    const headers = original.headers
    // One key per call, reused by every attempt, so that the server can replay instead of acting twice.
    if (ctx.keyed && !headers.has('Idempotency-Key')) headers.set('Idempotency-Key', randomId())
    if (ctx.ifMatch !== undefined) headers.set('If-Match', this.#ifMatch(original.url, ctx.ifMatch))
    const replayable = !(typeof ReadableStream !== 'undefined' && ctx.body instanceof ReadableStream)
    // Any other call may have acted before its answer was lost or came back as a 5xx, and the server would
    // act again on a repeat: it is sent once. (A failed connection says nothing about whether the server got
    // the request, so it counts as one that may have.)
    const retryable = replayable && (IDEMPOTENT.has(method) || ctx.keyed === true)
    const ownAuth = ctx.auth && !headers.has('Authorization')
    let request: Request | PendingRequest = original
    let link = signals.attempt
    let attempt = 0
    let renewed = false
    for (;;) {
      if (attempt > 0 || renewed) {
        link = linkSignals([callSignal], timeout)
        signals.attempt = link
        // A PendingRequest holds the serialized body and can be sent again as it is.
        if (original instanceof Request) request = this.#rebuild(original, ctx)
      }
      const token = ownAuth ? await this.#token() : null
      if (token) request.headers.set('Authorization', `Bearer ${token}`)
      let response: Response
      try {
        if (link.signal.aborted) throw link.signal.reason
        response = await this.#dispatch(request, link.signal)
      } catch (error) {
        link.done()
        const failure = this.#failure(error, link.signal, ctx, timeout, `${method} ${pathOf(original.url)}`)
        if (!retryable || attempt >= maxRetries || !(failure instanceof ConnectionError)) throw failure
        if (failure instanceof TimeoutError && callSignal?.aborted) throw failure
        await this.#pause(this.#backoff(attempt), callSignal, ctx)
        attempt++
        continue
      }
      link.done()
      const credentials = o.credentials
      if (
        response.status === 401 &&
        token &&
        !renewed &&
        replayable &&
        credentials &&
        typeof credentials === 'object' &&
        (await problemCode(response)) === 'token_expired'
      ) {
        renewed = true
        discard(response)
        await credentials.renewAfter(token)
        continue
      }
      // Logged out elsewhere (or the session was revoked): no refresh can help, the session is over.
      if (
        response.status === 401 &&
        token &&
        credentials &&
        typeof credentials === 'object' &&
        (await problemCode(response)) === 'session_revoked'
      ) {
        await credentials.end(token)
      }
      // A 429 or 408 says the server did not act on the request (RFC 6585 §4, RFC 9110 §15.5.9), so even a
      // call that is otherwise sent once may wait and try again.
      const notActedOn = response.status === 429 || response.status === 408
      // 409 `idempotency_key_in_use`: an earlier attempt with this key still holds it (or its instance died
      // holding it); after `Retry-After` the retry replays the answer or carries the request out.
      const keyInUse =
        response.status === 409 && ctx.keyed === true && (await problemCode(response)) === 'idempotency_key_in_use'
      if (
        (retryable || (replayable && notActedOn)) &&
        attempt < maxRetries &&
        (retryableStatus(response.status) || keyInUse)
      ) {
        const asked = retryAfterMs(response.headers)
        const wait = asked ?? this.#backoff(attempt)
        const fits = deadline === undefined || Date.now() - signals.started + wait < deadline
        if (fits && (asked === null || asked <= (o.backoff.maxRetryAfterMs ?? 60_000))) {
          discard(response)
          await this.#pause(wait, callSignal, ctx)
          attempt++
          continue
        }
      }
      this.#remember(method, original.url, response)
      return response
    }
  }

  #dispatch(request: Request | PendingRequest, signal: AbortSignal): Promise<Response> {
    const o = this.options
    if (o.fetchHonoursSignal) {
      // The platform's fetch: it stops on the signal, and builds the one Request from URL and init.
      if (request instanceof PendingRequest) {
        return globalThis.fetch(request.url, { ...request.init, headers: request.headers, signal })
      }
      return globalThis.fetch(request, { signal })
    }
    const real = request instanceof PendingRequest ? request.toRequest() : request
    return raceSignal(o.fetch(real, { signal }), signal)
  }

  /** A new Request for a retry or a replay: same URL, method and headers, the kept body. */
  #rebuild(original: Request, ctx: CallContext): Request {
    const init: RequestInit = {}
    if (ctx.body !== undefined) {
      init.body = ctx.body as BodyInit
      if (typeof FormData !== 'undefined' && ctx.body instanceof FormData) {
        // The multipart boundary belongs to the first body; the new Request picks its own.
        const headers = new Headers(original.headers)
        headers.delete('Content-Type')
        init.headers = headers
      }
    }
    return new Request(original, init)
  }

  async #token(): Promise<string | null> {
    const credentials = this.options.credentials
    if (!credentials) return null
    return typeof credentials === 'function' ? credentials() : credentials.accessToken()
  }

  #failure(error: unknown, signal: AbortSignal, ctx: CallContext, timeout: number, what: string): TasklaneError {
    if (error instanceof TasklaneError) return error
    if (ctx.signal?.aborted) return new AbortError(ctx.signal.reason)
    if (signal.aborted) {
      const reason = signal.reason
      if (reason instanceof AbortMark && reason.cause === 'deadline') {
        return new TimeoutError(`The call's deadline of ${ctx.deadline ?? this.options.deadline} ms ran out`)
      }
      return new TimeoutError(`No response within ${timeout} ms`)
    }
    return new ConnectionError(`${networkReason(error)} (${what})`, error)
  }

  async #pause(ms: number, signal: AbortSignal | undefined, ctx: CallContext) {
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

/**
 * Lets go of a response that will not be read. Not awaited: a body that was never read may never settle
 * its cancel (msw's in-process responses do not), and nothing after it depends on it.
 */
function discard(response: Response) {
  response.body?.cancel().catch(() => {})
}

/**
 * What failed on the wire, from the platform's error: undici says only "fetch failed" and puts the reason
 * (`connect ECONNREFUSED 127.0.0.1:3000`) in `cause`.
 */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause
  if (cause instanceof Error && cause.message) return cause.message
  if (error instanceof Error && error.message) return error.message
  return 'Connection error'
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
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
