import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from './env.js'
import { validationHook } from './errors.js'

/** A feature's router: generated routes bound to handlers, with the shared validation hook. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
}
