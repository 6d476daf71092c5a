import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from './app.js'
import type { Config } from './config.js'
import { createContext } from './context.js'

export interface RunningServer {
  url: string
  /** Stops taking connections, lets in-flight requests finish (up to the shutdown timeout), closes the database. */
  stop(): Promise<void>
}

/** Starts the API on the configured host and port. */
export async function startServer(config: Config): Promise<RunningServer> {
  const ctx = await createContext(config)
  const app = createApp(ctx)
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const shownHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST
  const url = `http://${shownHost}:${port}`

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Keep-alive connections with no request in flight would hold close() open until they time out.
      if ('closeIdleConnections' in server) server.closeIdleConnections()
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS, 'timeout').unref(),
      )
      if ((await Promise.race([closed, timeout])) === 'timeout') {
        ctx.logger.warn('shutdown timeout reached; closing remaining connections')
        if ('closeAllConnections' in server) server.closeAllConnections()
      }
      await ctx.close()
    })()
    return stopping
  }
  ctx.logger.info({ url, docs: `${url}/docs`, database: ctx.db.dialect }, 'Tasklane is listening')
  return { url, stop }
}
