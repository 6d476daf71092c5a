import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type components,
  createTasklane,
  type paths,
  type TasklaneClient,
  type TasklaneOptions,
  unwrap,
} from '@tasklane/sdk'
import { onTestFinished } from 'vitest'
import type { AppContext } from '../../../src/context.js'
import { serveMigratedApp } from '../../../src/test/serve.js'
import { assertMatchesSpec } from '../../../src/test/spec.js'

/** What the network does to the next request on its way to the server or back. */
export interface Fault {
  /** Hold the request this long before passing it on (a slow network or a slow server). */
  delayMs?: number
  /**
   * Reset the connection: `before` the server sees the request, or `after` the server has answered (the
   * server acted, the answer is lost: the case idempotency keys exist for).
   */
  drop?: 'before' | 'after'
}

export interface SeenRequest {
  method: string
  path: string
  headers: Headers
  body: string
  /** When it arrived (performance.now()). */
  at: number
  /** Set when the client closed the connection before an answer was sent (a timeout or an abort). */
  abandonedAfterMs?: number
  /** Whether the request was passed on to the server. */
  reachedServer: boolean
  /** Whether the network reset the connection (a `drop` fault). */
  reset?: boolean
  /** Whether its connection is done with it: answered, reset, or closed by the client. */
  settled: boolean
}

export type SignedUp = components['schemas']['AuthResult'] & { email: string; password: string }

export interface LiveServer {
  /** Where clients connect: the network in front of the server. */
  url: string
  ctx: AppContext
  /** Every request as it arrived from a client, in order. */
  requests: SeenRequest[]
  /**
   * Resolves with the next request to arrive at the network (faults apply after it is seen), or rejects
   * when none arrives within `withinMs`: for acting while the network holds a request.
   */
  nextRequest(withinMs?: number): Promise<SeenRequest>
  /** Queues faults for the next requests, one each. */
  fault(...next: Fault[]): void
  count(method: string, path: string): number
  /** Resolves once the network is done with every request so far (a client's close takes a moment to arrive). */
  settled(): Promise<void>
  /** Event streams (`text/event-stream` answers) the network is passing on right now. */
  openStreams(): number
  /** Resets the connections of every open event stream, as a network failure does mid-stream. */
  cutStreams(): void
  /** A client of the live server over real sockets (the platform fetch), with short retry waits. */
  sdk(options?: Partial<TasklaneOptions>): TasklaneClient<paths>
  /** Signs a new user up through the SDK and returns its credentials and tokens. */
  signUp(): Promise<SignedUp>
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade'])
let users = 0
let warmedUp = false

/**
 * The real server (`listen` on a fresh database, as `tasklane serve` runs it) on a free port, behind a
 * programmable network: an HTTP hop that can delay requests and reset connections before or after the
 * server acts, logs every request, and checks every answer against openapi.yaml as `createTestApp` does.
 * Everything is torn down when the test ends.
 *
 * @example
 * const live = await startLiveServer({ RATE_LIMIT_DEFAULT: '3/1' })
 * const tl = live.sdk({ apiKey })
 * live.fault({ drop: 'after' })
 */
export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const { ctx, url: upstream } = await serveMigratedApp({ SHUTDOWN_TIMEOUT_MS: '2000', ...env })
  if (!warmedUp) {
    // A process's first call pays once for loading the platform's HTTP client (undici, and compiling its
    // WebAssembly HTTP parser on the first connection) and for the first run of the SDK's code: 100–300 ms
    // on a loaded machine. The SDK's clocks count that time, the network's clock (which starts when a request
    // reaches it) does not, and timing tests would see the network hold a request for that much less. One
    // call straight to the server, past the network, pays it before any test measures.
    await unwrap(createTasklane({ baseUrl: upstream, maxRetries: 0 } as TasklaneOptions).GET('/healthz'))
    warmedUp = true
  }

  const faults: Fault[] = []
  const requests: SeenRequest[] = []
  const violations: unknown[] = []
  const waiting: ((seen: SeenRequest) => void)[] = []
  const streams = new Set<() => void>()

  const network = createServer(async (req, res) => {
    const started = performance.now()
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', upstream).pathname,
      headers: toHeaders(req.headers),
      body: body.toString('utf8'),
      at: started,
      reachedServer: false,
      settled: false,
    }
    requests.push(seen)
    for (const notify of waiting.splice(0)) notify(seen)
    res.once('close', () => {
      if (!res.writableFinished && !seen.reset) seen.abandonedAfterMs = performance.now() - started
      seen.settled = true
    })
    const fault = faults.shift()
    const reset = () => {
      seen.reset = true
      req.socket.destroy()
    }
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (res.destroyed) return // the client gave up meanwhile; the server never hears of it
    if (fault?.drop === 'before') return reset()
    try {
      const headers = new Headers()
      for (const [name, value] of seen.headers) if (!HOP_BY_HOP.has(name)) headers.set(name, value)
      seen.reachedServer = true
      const answer = await fetch(`${upstream}${req.url}`, {
        method: seen.method,
        headers,
        body: body.length > 0 ? body : undefined,
        redirect: 'manual',
      })
      if (answer.ok && answer.headers.get('content-type')?.startsWith('text/event-stream') && answer.body) {
        // An event stream never ends by itself: it is passed on as it comes, not read whole first. Its
        // events are checked against the spec by the server's own tests (server/src/test/sse.ts).
        return pipeStream(answer, answer.body, res, () => reset(), streams)
      }
      const payload = Buffer.from(await answer.arrayBuffer())
      const preflight = seen.method === 'OPTIONS' && seen.headers.has('access-control-request-method')
      if (!preflight) {
        const copy = new Response(payload.length > 0 ? payload : null, {
          status: answer.status,
          headers: answer.headers,
        })
        await assertMatchesSpec(seen.method, `${upstream}${req.url}`, copy).catch((err: unknown) => {
          violations.push(err)
        })
      }
      if (fault?.drop === 'after') return reset()
      const out: Record<string, string> = {}
      for (const [name, value] of answer.headers) if (!HOP_BY_HOP.has(name)) out[name] = value
      res.writeHead(answer.status, { ...out, 'content-length': String(payload.length) })
      res.end(payload)
    } catch (err) {
      violations.push(err)
      res.destroy()
    }
  })
  await new Promise<void>((resolve) => network.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(network.address() as AddressInfo).port}`

  onTestFinished(async () => {
    // Before the server stops (serveMigratedApp's own teardown, which runs after this one).
    network.closeAllConnections()
    await new Promise((resolve) => network.close(resolve))
    if (violations.length > 0) throw violations[0]
  })

  const sdk = (options: Partial<TasklaneOptions> = {}) =>
    createTasklane({ baseUrl: url, backoff: { initialMs: 1, maxMs: 5 }, ...options } as TasklaneOptions)

  return {
    url,
    ctx,
    requests,
    nextRequest(withinMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(arrived), 1)
          reject(new Error(`no request reached the network within ${withinMs} ms`))
        }, withinMs)
        const arrived = (seen: SeenRequest) => {
          clearTimeout(timer)
          resolve(seen)
        }
        waiting.push(arrived)
      })
    },
    fault(...next) {
      faults.push(...next)
    },
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    async settled() {
      for (let waited = 0; requests.some((r) => !r.settled); waited += 10) {
        if (waited > 2000) throw new Error('the network still holds a request after 2 s')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    openStreams: () => streams.size,
    cutStreams() {
      for (const cut of [...streams]) cut()
    },
    sdk,
    async signUp() {
      users += 1
      const email = `live${users}-${Math.random().toString(36).slice(2, 8)}@example.com`
      const password = 'a long enough test passphrase'
      const tokens = await unwrap(sdk().POST('/v1/auth/signup', { body: { email, password, name: `Live ${users}` } }))
      return { email, password, ...tokens }
    },
  }
}

async function pipeStream(
  answer: Response,
  body: ReadableStream<Uint8Array>,
  res: ServerResponse,
  reset: () => void,
  streams: Set<() => void>,
): Promise<void> {
  const out: Record<string, string> = {}
  for (const [name, value] of answer.headers) if (!HOP_BY_HOP.has(name)) out[name] = value
  res.writeHead(answer.status, out)
  res.flushHeaders()
  const reader = body.getReader()
  const cut = () => {
    streams.delete(cut)
    reset()
    void reader.cancel().catch(() => {})
  }
  streams.add(cut)
  // The client went away: so does the hop's own connection to the server.
  res.once('close', () => {
    streams.delete(cut)
    void reader.cancel().catch(() => {})
  })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done || res.destroyed) break
      res.write(value)
    }
    if (!res.destroyed) res.end()
  } catch {
    res.destroy()
  } finally {
    streams.delete(cut)
  }
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  return headers
}
