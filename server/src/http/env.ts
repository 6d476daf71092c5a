import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Logger } from 'pino'

/** What every request carries through the middleware chain. */
export interface AppEnv {
  Variables: {
    requestId: string
    log: Logger
  }
}

/** A handler typed by its generated route: its input is validated and its response checked against the spec. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>
