import type { components } from '../generated/openapi.js'

/**
 * An RFC 9457 problem body, as every Tasklane error response carries it.
 *
 * @example
 * const { error } = await tl.GET('/readyz')
 * const problem: Problem | undefined = error
 */
export type Problem = components['schemas']['Problem']

/**
 * The base class of every error the SDK throws, so `catch (e) { if (e instanceof TasklaneError) … }` catches
 * all of them and nothing else.
 *
 * @example
 * try {
 *   await unwrap(tl.GET('/readyz'))
 * } catch (err) {
 *   if (err instanceof TasklaneError) console.error(err.code, err.requestId)
 * }
 */
export class TasklaneError extends Error {
  // Spelled out in every class: minifiers rename classes, and `err.name` must still say what failed.
  override readonly name: string = 'TasklaneError'
  /** The HTTP status, when a response was received. */
  readonly status: number | undefined
  /** A stable machine code: the problem's `code`, or `connection_error`, `timeout`, `aborted`, … */
  readonly code: string
  /** The server's request id (`X-Request-Id`), when a response was received. */
  readonly requestId: string | undefined
  /** The problem body, when the server sent one. */
  readonly body: Problem | undefined

  constructor(
    message: string,
    init: { status?: number; code: string; requestId?: string; body?: Problem; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.body = init.body
  }
}

/**
 * The server answered with an error status. Subclasses name the common statuses; other statuses (405, 413,
 * 415, …) are thrown as `APIError` itself.
 *
 * @example
 * try {
 *   await unwrap(tl.GET('/readyz'))
 * } catch (err) {
 *   if (err instanceof APIError) console.error(err.status, err.body?.detail)
 * }
 */
export class APIError extends TasklaneError {
  override readonly name: string = 'APIError'
  declare readonly status: number
  /** The response headers. */
  readonly headers: Headers

  constructor(status: number, body: Problem | undefined, headers: Headers, message?: string) {
    const requestId = body?.requestId ?? headers.get('X-Request-Id') ?? undefined
    super(message ?? body?.detail ?? body?.title ?? `HTTP ${status}`, {
      status,
      code: body?.code ?? `http_${status}`,
      requestId,
      body,
    })
    this.headers = headers
  }
}

/**
 * 400: the request is malformed or fails validation; `body.errors` lists each invalid input.
 * @example
 * if (err instanceof BadRequestError) for (const issue of err.body?.errors ?? []) console.log(issue.path)
 */
export class BadRequestError extends APIError {
  override readonly name: string = 'BadRequestError'
}
/**
 * 401: missing, invalid or expired credentials (`code` says which).
 * @example
 * if (err instanceof AuthenticationError && err.code === 'api_key_revoked') promptForNewKey()
 */
export class AuthenticationError extends APIError {
  override readonly name: string = 'AuthenticationError'
}
/**
 * 403: valid credentials that may not do this (e.g. a `read` API key on a write).
 * @example
 * if (err instanceof PermissionDeniedError) console.warn('read-only key')
 */
export class PermissionDeniedError extends APIError {
  override readonly name: string = 'PermissionDeniedError'
}
/**
 * 404: no such resource, or one the caller may not see.
 * @example
 * if (err instanceof NotFoundError) return null
 */
export class NotFoundError extends APIError {
  override readonly name: string = 'NotFoundError'
}
/**
 * 409: conflicts with the current state (e.g. the same `Idempotency-Key` is still in progress).
 * @example
 * if (err instanceof ConflictError) await retryLater()
 */
export class ConflictError extends APIError {
  override readonly name: string = 'ConflictError'
}
/**
 * 410 `cursor_expired`: `since` is older than the changes the server keeps (`listChanges`, `events(tl)`).
 * What happened since cannot be told any more: read the resources afresh, then follow from the current
 * `syncToken`.
 * @example
 * if (err instanceof CursorExpiredError) await resyncEverything()
 */
export class CursorExpiredError extends APIError {
  override readonly name: string = 'CursorExpiredError'
}
/**
 * 412: `If-Match` did not match; `etag` is the resource's current version, to re-read and retry with.
 * @example
 * if (err instanceof PreconditionFailedError) console.log('changed meanwhile; now at', err.etag)
 */
export class PreconditionFailedError extends APIError {
  override readonly name: string = 'PreconditionFailedError'
  /** The resource's current `ETag`, from the 412 response. */
  get etag(): string | null {
    return this.headers.get('ETag')
  }
}
/**
 * 422: well-formed but cannot be carried out (e.g. an `Idempotency-Key` reused with another body).
 * @example
 * if (err instanceof UnprocessableEntityError) console.error(err.code)
 */
export class UnprocessableEntityError extends APIError {
  override readonly name: string = 'UnprocessableEntityError'
}
/**
 * 429: a rate limit was exceeded (after the SDK's own retries); `retryAfter` is in seconds.
 * @example
 * if (err instanceof RateLimitError) setTimeout(again, (err.retryAfter ?? 1) * 1000)
 */
export class RateLimitError extends APIError {
  override readonly name: string = 'RateLimitError'
  /** Seconds to wait, from `Retry-After` or the `RateLimit` header; null when the server did not say. */
  get retryAfter(): number | null {
    const ms = retryAfterMs(this.headers)
    return ms === null ? null : Math.ceil(ms / 1000)
  }
}
/**
 * 5xx: the server failed (after the SDK's own retries).
 * @example
 * if (err instanceof InternalServerError) report(err.requestId)
 */
export class InternalServerError extends APIError {
  override readonly name: string = 'InternalServerError'
}

/**
 * No response arrived: the connection failed or dropped (after the SDK's own retries).
 * @example
 * if (err instanceof ConnectionError) showOfflineBanner()
 */
export class ConnectionError extends TasklaneError {
  override readonly name: string = 'ConnectionError'
  constructor(message = 'Connection error', cause?: unknown, code = 'connection_error') {
    super(message, { code, cause })
  }
}
/**
 * The per-attempt `timeout` (on the last attempt) or the call's `deadline` ran out.
 * @example
 * if (err instanceof TimeoutError) console.warn('Tasklane is slow')
 */
export class TimeoutError extends ConnectionError {
  override readonly name: string = 'TimeoutError'
  constructor(message = 'Request timed out', cause?: unknown) {
    super(message, cause, 'timeout')
  }
}
/**
 * The caller's `AbortSignal` fired; never retried. `cause` is the signal's reason.
 * @example
 * if (err instanceof AbortError) return // the user navigated away
 */
export class AbortError extends TasklaneError {
  override readonly name: string = 'AbortError'
  constructor(cause?: unknown) {
    super('Request was aborted', { code: 'aborted', cause })
  }
}
/**
 * The session's refresh token was refused (expired, revoked or reused): the user must log in again. The
 * stored tokens have been cleared.
 * @example
 * if (err instanceof SessionExpiredError) router.push('/login')
 */
export class SessionExpiredError extends AuthenticationError {
  override readonly name: string = 'SessionExpiredError'
}

const byStatus: Record<number, new (s: number, b: Problem | undefined, h: Headers) => APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: CursorExpiredError,
  412: PreconditionFailedError,
  422: UnprocessableEntityError,
  429: RateLimitError,
}

/**
 * The error class for a response's status, carrying its problem body.
 *
 * @example
 * const { error, response } = await tl.GET('/readyz')
 * if (error) throw errorFromResponse(response, error)
 */
export function errorFromResponse(response: Response, body: unknown): APIError {
  const problem = isProblem(body) ? body : undefined
  if (response.status === 401 && problem?.code === 'session_revoked') {
    return new SessionExpiredError(
      401,
      problem,
      response.headers,
      problem.detail ?? 'The session has ended; log in again',
    )
  }
  const Class = byStatus[response.status] ?? (response.status >= 500 ? InternalServerError : APIError)
  return new Class(response.status, problem, response.headers)
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string'
}

/**
 * How long the server asks to wait, in ms: `Retry-After` (seconds or an HTTP date), else the `RateLimit`
 * header's `t=` when its `r=` is 0 (IETF draft structured form), else `RateLimit-Reset`.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const retryAfter = headers.get('Retry-After')
  if (retryAfter) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const rateLimit = headers.get('RateLimit')
  if (rateLimit) {
    const remaining = /(?:^|;)\s*r=(\d+)/.exec(rateLimit)
    const reset = /(?:^|;)\s*t=(\d+)/.exec(rateLimit)
    if (remaining?.[1] === '0' && reset?.[1]) return Number(reset[1]) * 1000
  }
  const reset = headers.get('RateLimit-Reset')
  if (reset && Number.isFinite(Number(reset))) return Number(reset) * 1000
  return null
}
