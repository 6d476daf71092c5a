import { createMiddleware } from 'hono/factory'
import type { Logger } from 'pino'
import type { AppEnv } from './env.js'
import { CLIENT_HEADER, clientLabel } from './versioning.js'

/** Gives each request a child logger bound to its id, and logs one line per response. */
export function requestLogging(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const log = logger.child({ requestId: c.get('requestId') })
    c.set('log', log)
    const start = performance.now()
    await next()
    const status = c.res.status
    log[status >= 500 ? 'error' : 'info'](
      {
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round((performance.now() - start) * 10) / 10,
        client: clientLabel(c.req.header(CLIENT_HEADER)),
      },
      'request',
    )
  })
}
