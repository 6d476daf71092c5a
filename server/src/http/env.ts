import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { IdempotencyScope } from '../write/writer.js'
import type { RequestLog } from './logging.js'

export type Scope = 'read' | 'write'

/**
 * Who is calling: set by the authentication middleware for a valid access token or API key, absent for
 * anonymous requests.
 */
export interface Principal {
  userId: string
  /** The session an access token belongs to. */
  sessionId?: string
  /** The API key used, when the caller authenticated with one. */
  apiKeyId?: string
  /** What the credentials may do: access tokens carry both scopes; API keys the ones they were made with. */
  scopes: readonly Scope[]
  /** When the credentials stop being valid (epoch milliseconds); absent for API keys that never expire. */
  expiresAt?: number
  /**
   * The request's `Idempotency-Key` record, when it sent one: services pass their caller to their write
   * (`ctx.writer.write(fn, { by: caller })`), which completes the record in the same transaction.
   */
  idempotency?: IdempotencyScope
}

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
