import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ValidationIssue } from '../generated/routes.js'

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition failed',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  423: 'Locked',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
}

export interface ApiErrorOptions {
  title?: string
  errors?: ValidationIssue[]
  headers?: Record<string, string>
  cause?: unknown
}

/**
 * The one error type of the server: thrown anywhere, rendered by the app's error handler as an RFC 9457
 * `application/problem+json` response. `code` is the stable, documented machine code.
 *
 * @example
 * throw new ApiError(404, 'not_found', 'No task with this id.')
 */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly title: string
  readonly errors?: ValidationIssue[]
  readonly headers: Record<string, string>

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    options: ApiErrorOptions = {},
  ) {
    super(detail, { cause: options.cause })
    this.title = options.title ?? TITLES[status] ?? 'Error'
    this.errors = options.errors
    this.headers = options.headers ?? {}
  }
}
