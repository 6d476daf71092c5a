import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http'
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net'
import { serve } from '@hono/node-server'
import { type App, createApp } from './app.js'
import type { Config } from './config.js'
import { type AppContext, createContext } from './context.js'

export interface RunningServer {
  url: string
  /** Stops taking connections, lets in-flight requests finish (up to the shutdown timeout), closes the database. */
  stop(): Promise<void>
}

/** Starts the API on the configured host and port. */
export async function startServer(config: Config): Promise<RunningServer> {
  const ctx = await createContext(config)
  return listen(ctx, createApp(ctx))
}

/**
 * Serves an app built on `ctx` on the configured host and port; `stop()` also closes the context. Apart
 * from `startServer` so a test can serve an app it has added routes to.
 */
export async function listen(ctx: AppContext, app: App): Promise<RunningServer> {
  const { config } = ctx
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }) as HttpServer
  // Every open connection, and the response each one is sending, so shutdown can tell idle ones apart.
  const sockets = new Set<Socket>()
  const sending = new Map<Socket, ServerResponse>()
  let stopping: Promise<void> | undefined
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (stopping) res.shouldKeepAlive = false
    sending.set(req.socket, res)
    const done = () => {
      if (sending.get(req.socket) === res) sending.delete(req.socket)
      if (stopping) req.socket.end()
    }
    // 'finish' fires once the last byte is handed to the OS, not when the handler calls end().
    res.once('finish', done)
    res.once('close', done)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const shownHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST
  const url = `http://${shownHost}:${port}`

  const stop = () => {
    stopping ??= (async () => {
      ctx.beginShutdown()
      // net.Server's close, not http.Server's: since Node 19 the latter destroys every connection whose
      // response has been ended, even while that response's bytes are still queued, truncating large
      // downloads. Idle connections are ended here instead, which flushes what is queued first.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()))
      for (const socket of sockets) {
        const res = sending.get(socket)
        if (!res) socket.end()
        else if (!res.headersSent) res.shouldKeepAlive = false
      }
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS, 'timeout').unref(),
      )
      if ((await Promise.race([closed, timeout])) === 'timeout') {
        ctx.logger.warn('shutdown timeout reached; closing remaining connections')
        for (const socket of sockets) socket.destroy()
        await closed
      }
      await ctx.close()
    })()
    return stopping
  }
  ctx.logger.info({ url, docs: `${url}/docs`, database: ctx.db.dialect }, 'Tasklane is listening')
  return { url, stop }
}
