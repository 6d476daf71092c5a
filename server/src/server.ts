import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net'
import { type Http2Bindings, type HttpBindings, serve } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Logger } from 'pino'
import { type App, createApp } from './app.js'
import type { Config } from './config.js'
import { type AppContext, createContext } from './context.js'
import { type DataDirLock, lockDataDir } from './db/data-dir-lock.js'
import { answerClientError, MAX_HEADER_BYTES } from './http/client-error.js'

export interface RunningServer {
  url: string
  /**
   * The server's logger, for the process that runs it: its lines are written in batches, so the process
   * flushes it (`logger.flush()`) before writing to stdout itself, and logs a fatal error through it.
   */
  logger: Logger
  /** Stops taking connections, lets in-flight requests finish (up to the shutdown timeout), closes the database. */
  stop(): Promise<void>
}

/**
 * Starts the API on the configured host and port. On SQLite, first takes the data directory's lock, so a
 * second server on the same directory refuses to start (DataDirLockedError) instead of failing writes.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const lock: DataDirLock | undefined = config.DATABASE_URL ? undefined : lockDataDir(config.DATA_DIR)
  try {
    const ctx = await createContext(config)
    const server = await listen(ctx, createApp(ctx))
    return {
      url: server.url,
      logger: server.logger,
      stop: () => server.stop().finally(() => lock?.release()),
    }
  } catch (err) {
    lock?.release()
    throw err
  }
}

/**
 * Serves an app built on `ctx` on the configured host and port; `stop()` also closes the context. Apart
 * from `startServer` so a test can serve an app it has added routes to.
 */
export async function listen(ctx: AppContext, app: App): Promise<RunningServer> {
  const { config } = ctx
  // Connections that shutdown is closing. The HTTP parser goes on reading a connection after the server has
  // ended its side, so a request a keep-alive client sent just then would still reach the app, be carried
  // out, and have its answer dropped (the client sees a reset). Such a request is not run at all: the
  // connection is reset before the app sees it, and the client may safely send it again elsewhere.
  const closing = new WeakSet<Socket>()
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    const socket = env.incoming.socket as Socket
    if (closing.has(socket)) {
      socket.destroy()
      return new Response(null, { status: 503 })
    }
    const answer = await app.fetch(request, env)
    // The type first: reading `body` of one of the adapter's light answers (a JSON one) would build it whole.
    return !answer.headers.has('content-type') && answer.body === null ? sendEmpty(answer, env.outgoing) : answer
  }
  const server = serve({
    fetch,
    port: config.PORT,
    hostname: config.HOST,
    // Stated rather than inherited from `--max-http-header-size`, so the documented 431 holds.
    serverOptions: { maxHeaderSize: MAX_HEADER_BYTES },
  }) as HttpServer
  server.on('clientError', (err: Error, socket: Socket) => answerClientError(err, socket, ctx.logger))
  // Every open connection, and how many responses each one still has to send, so shutdown can tell idle
  // ones apart (a client may pipeline several requests on one connection).
  const sockets = new Set<Socket>()
  const sending = new Map<Socket, number>()
  const latest = new Map<Socket, ServerResponse>()
  let stopping: Promise<void> | undefined
  const closeIdle = (socket: Socket) => {
    closing.add(socket)
    socket.end()
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    if (closing.has(socket)) return
    // Answers given while stopping say `Connection: close`, so clients open no further request on them.
    if (stopping) res.shouldKeepAlive = false
    sending.set(socket, (sending.get(socket) ?? 0) + 1)
    latest.set(socket, res)
    let counted = true
    const done = () => {
      if (!counted) return
      counted = false
      const left = (sending.get(socket) ?? 1) - 1
      if (left > 0) sending.set(socket, left)
      else {
        sending.delete(socket)
        latest.delete(socket)
      }
      if (stopping && left === 0) closeIdle(socket)
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
        if (!sending.has(socket)) closeIdle(socket)
        else {
          // The connection's last answer (pipelined ones queue behind the one being sent) closes it.
          const res = latest.get(socket)
          if (res && !res.headersSent) res.shouldKeepAlive = false
        }
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
  const { SIGNUP_FLOW: signUpFlow, signUpFlowDefaulted } = ctx.config
  if (signUpFlow === 'immediate') {
    // signUp then answers 409 for an address that has an account: say so where the operator looks.
    ctx.logger.warn(
      { signUpFlow, defaulted: signUpFlowDefaulted },
      signUpFlowDefaulted
        ? 'sign-up is immediate because SMTP_URL is not set: signUp tells whether an address has an account; set SMTP_URL (or SIGNUP_FLOW=verify-first) to sign people up by email'
        : 'sign-up is immediate (SIGNUP_FLOW=immediate): signUp tells whether an address has an account',
    )
  } else {
    ctx.logger.info({ signUpFlow, defaulted: signUpFlowDefaulted }, 'sign-up is by email (verify-first)')
  }
  return { url, logger: ctx.logger, stop }
}

/**
 * Sends an answer that has no body (a 204, a 202, a 304, a redirect) as it is. @hono/node-server gives every
 * answer without a Content-Type a `text/plain` one, which would name the type of a body there is not; so
 * these are written here, and the adapter is told that the answer is already sent.
 */
function sendEmpty(answer: Response, outgoing: ServerResponse | Http2ServerResponse): Response {
  const headers: Record<string, string | string[]> = {}
  answer.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = answer.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  outgoing.writeHead(answer.status, headers)
  outgoing.end()
  return RESPONSE_ALREADY_SENT
}
