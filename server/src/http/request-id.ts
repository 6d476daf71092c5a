import { randomUUID } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.js'

// A client's id is kept if it is a sane token, so a trace can follow a request across services.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,200}$/

/** Accepts the client's `X-Request-Id` or makes one, and echoes it on every response. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const given = c.req.header('x-request-id')
  const id = given && ACCEPTABLE.test(given) ? given : `req_${randomUUID().replaceAll('-', '')}`
  c.set('requestId', id)
  c.header('X-Request-Id', id)
  await next()
  // Responses built outside Hono's context (errors, static files) get it too.
  if (!c.res.headers.has('X-Request-Id')) c.res.headers.set('X-Request-Id', id)
})
