import { createMiddleware } from 'hono/factory'
import type { Logger } from 'pino'
import type { AppEnv } from './env.js'
import { CLIENT_HEADER, clientLabel } from './versioning.js'

/** What handlers log through: lines bound to the request's id. */
export type RequestLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

/**
 * Binds lines to the request id, making the pino child (which serialises its bindings) only when a handler
 * first logs: most requests log nothing but their one response line.
 */
class LazyRequestLog {
  private child?: Logger
  constructor(
    private readonly logger: Logger,
    private readonly requestId: string | undefined,
  ) {}
  private write(level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]) {
    this.child ??= this.logger.child({ requestId: this.requestId })
    ;(this.child[level] as (...args: unknown[]) => void).apply(this.child, args)
  }
  debug(...args: unknown[]) {
    this.write('debug', args)
  }
  info(...args: unknown[]) {
    this.write('info', args)
  }
  warn(...args: unknown[]) {
    this.write('warn', args)
  }
  error(...args: unknown[]) {
    this.write('error', args)
  }
}

/** Gives each request a logger bound to its id, and logs one line per response. */
export function requestLogging(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const requestId = c.get('requestId')
    // The methods pass their arguments to pino's unchanged, so they take what pino's do.
    c.set('log', new LazyRequestLog(logger, requestId) as unknown as RequestLog)
    const start = performance.now()
    await next()
    const status = c.res.status
    const level = status >= 500 ? 'error' : 'info'
    // The same line a child would write (bindings first), without making one per request; nothing at all
    // is built when the level is off.
    if (!logger.isLevelEnabled(level)) return
    logger[level](
      {
        requestId,
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
