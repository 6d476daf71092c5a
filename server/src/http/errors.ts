import type { Hook } from '@hono/zod-openapi'
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError } from '../core/api-error.js'
import { isDatabaseUnavailable } from '../db/unavailable.js'
import type { ValidationIssue } from '../generated/routes.js'
import type { AppEnv } from './env.js'
import { problemResponse } from './problem.js'

// Where each validation target sits in the request, as the first segment of a problem's error path.
const TARGETS: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
}

const escapePointer = (segment: PropertyKey) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1')

/** zod-openapi's validation hook: every failure becomes a 400 problem listing each invalid input. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return
  const where = TARGETS[result.target] ?? result.target
  const errors = result.error.issues.flatMap((issue): ValidationIssue[] => {
    const base = [where, ...issue.path.map(escapePointer)]
    // One issue naming several unknown keys is reported once per key, so each path points at its input.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: `/${[...base, escapePointer(key)].join('/')}`,
        message: `Unknown field '${key}'`,
        code: issue.code,
      }))
    }
    return [{ path: `/${base.join('/')}`, message: issue.message, code: issue.code }]
  })
  throw new ApiError(400, 'validation_failed', `The request ${where} does not match the schema.`, {
    title: 'Validation failed',
    errors: errors.slice(0, 100),
  })
}

/** How long a client should wait before retrying while the database is unreachable. */
const UNAVAILABLE_RETRY_AFTER_S = 5

/** The answer while the database cannot be reached: 503 with the time to wait, for requests and /readyz. */
export const databaseUnavailable = (detail = 'The database is not answering; retry shortly.') =>
  new ApiError(503, 'service_unavailable', detail, { headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) } })

/**
 * Renders every thrown error as problem+json. A database that cannot be reached is an outage, not a bug:
 * 503 `service_unavailable` with `Retry-After`. Anything else unexpected is logged in full and answered 500.
 */
export const errorHandler: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return problemResponse(c, err)
  if (isDatabaseUnavailable(err)) {
    c.get('log')?.warn({ err }, 'database unavailable')
    return problemResponse(c, databaseUnavailable())
  }
  if (err instanceof HTTPException && err.status < 500) {
    return problemResponse(
      c,
      new ApiError(err.status, codeForStatus(err.status), err.message || 'The request was refused.'),
    )
  }
  c.get('log')?.error({ err }, 'unhandled error')
  return problemResponse(
    c,
    new ApiError(500, 'internal_error', 'An unexpected error occurred. Quote the request id when reporting it.'),
  )
}

function codeForStatus(status: number): string {
  if (status === 401) return 'unauthorized'
  if (status === 413) return 'content_too_large'
  if (status === 415) return 'unsupported_media_type'
  return 'bad_request'
}

interface KnownRoute {
  method: string
  pattern: RegExp
}

/** Answers an unmatched request: 405 with `Allow` when the path exists under another method, else 404. */
export function notFoundHandler(routes: KnownRoute[]): NotFoundHandler<AppEnv> {
  return (c: Context<AppEnv>) => {
    const path = new URL(c.req.url).pathname
    const allowed = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method.toUpperCase()))
    if (allowed.size > 0) {
      if (allowed.has('GET')) allowed.add('HEAD')
      const allow = [...allowed].sort().join(', ')
      return problemResponse(
        c,
        new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${path}; use ${allow}.`, {
          headers: { Allow: allow },
        }),
      )
    }
    return problemResponse(c, new ApiError(404, 'route_not_found', `No route matches ${c.req.method} ${path}.`))
  }
}

/** `/v1/tasks/{taskId}` → a pattern matching that path with any single segment for each parameter. */
export function pathPattern(openapiPath: string): RegExp {
  const source = openapiPath
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+')
  return new RegExp(`^${source}/?$`)
}
