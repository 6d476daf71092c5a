import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Principal } from '../core/principal.js'
import type { RequestLog } from './logging.js'

/** One rate-limit policy's state for the caller after this request. */
export interface RateLimitState {
  policy: string
  limit: number
  windowS: number
  remaining: number
  resetS: number
}

/** What every request carries through the middleware chain. */
export interface AppEnv {
  Variables: {
    requestId: string
    log: RequestLog
    principal?: Principal
    /** Why the request's credentials were refused; thrown by `requireAuth`, so public routes ignore it. */
    authError?: Error
    /** Rate-limit counters consumed by this request, turned into RateLimit headers on the response. */
    rateLimits?: RateLimitState[]
    /**
     * How the handler answers its write's result (see `answersWith` in idempotency.ts): lets the
     * idempotency record store that answer inside the write's transaction.
     */
    answer?: (result: unknown) => Response
  }
}

/** A handler typed by its generated route: its input is validated and its response checked against the spec. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>
