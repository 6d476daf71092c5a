import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Problem, ValidationIssue } from '../generated/routes.js'

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
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

export const PROBLEM_TYPE_BASE = 'https://tasklane.dev/problems/'

/** Renders an ApiError as the problem+json response for this request. */
export function problemResponse(c: Context, error: ApiError): Response {
  const body: Problem = {
    type: PROBLEM_TYPE_BASE + error.code,
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance: new URL(c.req.url).pathname,
    code: error.code,
    requestId: c.get('requestId') ?? '',
    ...(error.errors ? { errors: error.errors } : {}),
  }
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/problem+json' },
  })
}
