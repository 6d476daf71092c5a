import createClient, {
  defaultBodySerializer,
  type MaybeOptionalInit,
  type Middleware as OpenApiFetchMiddleware,
} from 'openapi-fetch'
import { errorFromResponse, TasklaneError } from './core/errors.js'
import { type Page, Paginator } from './core/pagination.js'
import { addResources, warnDeprecated } from './core/resources.js'
import { Session, type SessionHandle, type SessionOptions } from './core/session.js'
import type { SessionTokens } from './core/storage.js'
import { type CallContext, type CallOptions, type RetryBackoff, Transport } from './core/transport.js'
import type {
  AnyPaths,
  InitArg,
  ListBody,
  ListItem,
  ListPaths,
  PathsWith,
  TasklaneMethod,
  WithRequestId,
} from './core/types.js'
import { idempotentOperations } from './generated/idempotent.js'
import type { paths } from './generated/openapi.js'
import type { TasklaneResources } from './generated/resources.js'
import { SDK_VERSION } from './generated/version.js'
import { PendingRequest } from './internal/pending-request.js'
import { refreshSessionVia } from './internal/refresh-session.js'

/**
 * openapi-fetch middleware, for `tl.use`: it runs once per call with a real Request, before the SDK's own
 * retries, credentials and timeouts (so it never sees the Authorization header the SDK adds).
 *
 * @example
 * const log: Middleware = { onResponse: ({ request, response }) => console.log(request.url, response.status) }
 * tl.use(log)
 */
export type Middleware = OpenApiFetchMiddleware

/**
 * How the client authenticates: at most one of `apiKey`, `accessToken` or `session` (the default, which
 * starts empty until `tl.session.set(...)`).
 *
 * @example
 * const auth: TasklaneAuth = { session: { storage: localStorageTokenStorage() } }
 */
export type TasklaneAuth =
  | { apiKey: string; accessToken?: never; session?: never }
  | { accessToken: string; apiKey?: never; session?: never }
  | { session?: SessionOptions; apiKey?: never; accessToken?: never }

/**
 * Options of `createTasklane`.
 *
 * @example
 * const options: TasklaneOptions = { baseUrl: 'https://tasks.example.com', apiKey: 'tl_…', timeout: 10_000 }
 */
export type TasklaneOptions = TasklaneAuth & {
  /** Where the server is, e.g. `https://tasks.example.com`. */
  baseUrl: string
  /**
   * A fetch to use instead of the global one (e.g. an in-process server's `app.fetch` in tests). It gets
   * each attempt's `signal` in its second argument; pass it on (`(req, init) => fetch(req, init)`) so that
   * timeouts and aborts also cancel the request on the wire.
   */
  fetch?: (request: Request, init: { signal: AbortSignal }) => Promise<Response>
  /** Milliseconds each attempt may wait for response headers. Default 60 000. */
  timeout?: number
  /** Milliseconds a whole call may take, across retries. Default: no limit beyond the retries. */
  deadline?: number
  /**
   * Retries after the first attempt, for network errors, 408, 429 and 5xx, of calls that are safe to repeat
   * (idempotent methods and operations that declare `Idempotency-Key`). Default 2.
   */
  maxRetries?: number
  /**
   * For a client typed with other `Paths`: its operations, as "METHOD /path/template", that declare the
   * `Idempotency-Key` header. Default: those of the Tasklane API, generated from its openapi.yaml.
   */
  idempotentOperations?: ReadonlySet<string>
  /** Tuning of the wait between retries. */
  backoff?: RetryBackoff
  /** Headers sent with every request. */
  headers?: Record<string, string>
}

/**
 * A typed Tasklane client: openapi-fetch's methods plus the SDK's helpers. Type parameters of your own
 * functions with it.
 *
 * @example
 * async function isReady(tl: TasklaneClient): Promise<boolean> {
 *   return (await tl.GET('/readyz')).response.ok
 * }
 */
export interface TasklaneClient<Paths extends AnyPaths = paths> extends TasklaneResources {
  /** @example const { data, error, requestId } = await tl.GET('/healthz') */
  GET: TasklaneMethod<Paths, 'get'>
  /** @example await tl.PUT(path, { params, body }) */
  PUT: TasklaneMethod<Paths, 'put'>
  /**
   * A POST to an operation that declares `Idempotency-Key` gets one (generated once per call) and is retried
   * safely; any other POST is sent once. @example await tl.POST(path, { body })
   */
  POST: TasklaneMethod<Paths, 'post'>
  /** @example await tl.DELETE(path, { params, ifMatch: true }) */
  DELETE: TasklaneMethod<Paths, 'delete'>
  /** @example await tl.PATCH(path, { params, body, ifMatch: etag }) */
  PATCH: TasklaneMethod<Paths, 'patch'>
  /** @example await tl.HEAD('/healthz') */
  HEAD: TasklaneMethod<Paths, 'head'>
  /** @example await tl.OPTIONS(path) */
  OPTIONS: TasklaneMethod<Paths, 'options'>
  /**
   * Iterates a cursor-paginated list operation (any GET with a `cursor` query parameter answering
   * `{ data, nextCursor }`). Errors are thrown; `signal` in the init stops it.
   *
   * @example
   * for await (const project of tl.paginate('/v1/projects', { params: { query: { limit: 50 } } })) {
   *   console.log(project.name)
   * }
   */
  paginate<
    P extends ListPaths<Paths> & PathsWith<Paths, 'get'>,
    Init extends MaybeOptionalInit<Paths[P], 'get' & keyof Paths[P]>,
  >(path: P, ...init: InitArg<Init>): Paginator<ListItem<Paths, P>, ListBody<Paths, P>>
  /** The session (for the `session` auth mode, the default when neither apiKey nor accessToken is given). */
  session: SessionHandle
  /** Adds openapi-fetch middleware (runs once per call, outside the SDK's retries). @example tl.use({ onRequest: ({ request }) => console.log(request.url) }) */
  use(...middleware: Middleware[]): void
  /** Removes middleware added with `use`. @example tl.eject(logger) */
  eject(...middleware: Middleware[]): void
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const

/**
 * Creates a typed Tasklane client. Every path, parameter, body and response is typed from the API's
 * OpenAPI description; retries, timeouts, authentication and session refresh happen inside.
 *
 * @example
 * import { createTasklane } from '@tasklane/sdk'
 *
 * const tl = createTasklane({ baseUrl: 'http://localhost:3000', apiKey: 'tl_…' })
 * const { data, error, requestId } = await tl.GET('/healthz')
 */
export function createTasklane(options: TasklaneOptions): TasklaneClient
/**
 * A client typed by other paths (e.g. a fork's or a test API's), with the same helpers.
 *
 * @example
 * const tl = createTasklane<MyPaths>({ baseUrl, apiKey })
 */
export function createTasklane<Paths extends AnyPaths>(options: TasklaneOptions): TasklaneClient<Paths>
// Without the first overload, `const tl: TasklaneClient = createTasklane(…)` would infer `Paths` from the
// annotation, comparing every method's generic signature: about 165 000 type instantiations per annotation.
export function createTasklane<Paths extends AnyPaths = paths>(options: TasklaneOptions): TasklaneClient<Paths> {
  const fetchImpl = options.fetch ?? ((request: Request, init: RequestInit) => globalThis.fetch(request, init))
  const clientOptions = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    // The server counts requests per client version, so an API change can be weighed against who still calls.
    headers: { 'Tasklane-Client': `tasklane-sdk-js/${SDK_VERSION}`, ...options.headers },
  }
  // Two openapi-fetch clients: one that builds no Request of its own (see PendingRequest), used until
  // middleware is added, and one that builds real Requests for middleware to see.
  const fast = createClient<Paths>({ ...clientOptions, Request: PendingRequest as unknown as typeof Request })
  const client = createClient<Paths>(clientOptions)
  let middleware = 0
  const keyed = options.idempotentOperations ?? idempotentOperations

  const session = options.apiKey || options.accessToken ? null : new Session(options.session ?? {}, refresh)
  const fixed = options.apiKey ?? options.accessToken
  const transport = new Transport({
    fetch: fetchImpl,
    fetchHonoursSignal: !options.fetch,
    timeout: options.timeout ?? 60_000,
    deadline: options.deadline,
    maxRetries: options.maxRetries ?? 2,
    backoff: options.backoff ?? {},
    credentials: session ?? (fixed ? () => fixed : null),
  })

  function call(
    method: string,
    path: string,
    init: Record<string, unknown> = {},
  ): Promise<{ response: Response; requestId: string | null }> {
    const { signal, timeout, deadline, maxRetries, ifMatch, auth, bodySerializer, ...rest } = init as CallOptions &
      Record<string, unknown> & { auth?: boolean; bodySerializer?: (body: unknown, headers?: Headers) => unknown }
    const operation = `${method} ${path}`
    const ctx: CallContext = {
      signal,
      timeout,
      deadline,
      maxRetries,
      ifMatch,
      auth: auth !== false,
      keyed: keyed.has(operation),
    }
    const serialize = bodySerializer ?? defaultBodySerializer
    const signals = transport.begin(ctx)
    return (
      (middleware ? client : fast).request as (m: string, p: string, i: unknown) => Promise<{ response: Response }>
    )(method.toLowerCase(), path, {
      ...rest,
      // How an answer of bytes or text is read when the call does not say (see addResources).
      parseAs: rest.parseAs ?? parsing[operation],
      // Kept so that a retry can send the same bytes; a stream cannot be, so it is sent once.
      bodySerializer: (body: unknown, headers?: Headers) => {
        ctx.body = serialize(body, headers)
        return ctx.body
      },
      ...(typeof ReadableStream !== 'undefined' && rest.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      fetch: (request: Request | PendingRequest) => transport.send(request, ctx, signals),
    })
      .then((result) => {
        const response = result.response
        const deprecation = response.headers.get('Deprecation')
        if (deprecation) {
          const sunset = response.headers.get('Sunset')
          warnDeprecated(operation, sunset ? `it is removed after ${sunset}` : '')
        }
        const requestId = response.headers.get('X-Request-Id')
        // openapi-fetch reads a 304 as an error with an empty body; it is the copy the caller has being current.
        if (response.status === 304) return { notModified: true as const, response, requestId }
        return Object.assign(result, { requestId })
      })
      .finally(() => transport.end(signals))
  }

  function refresh(refreshToken: string): Promise<SessionTokens> {
    return refreshSessionVia((path, init) => call('POST', path, init) as never)(refreshToken)
  }

  const tl = {
    paginate(path: string, init: Record<string, unknown> = {}) {
      const params = (init.params ?? {}) as { query?: Record<string, unknown> }
      const start = params.query?.cursor as string | undefined
      const fetchPage = async (cursor: string | undefined): Promise<Page<unknown>> => {
        const query = { ...params.query, cursor }
        if (cursor === undefined) delete query.cursor
        const result = (await call('GET', path, { ...init, params: { ...params, query } })) as WithRequestId<{
          data?: { data: unknown[]; nextCursor?: string | null }
          error?: unknown
          response: Response
        }>
        if (result.error !== undefined || !result.data) {
          throw errorFromResponse(result.response, result.error)
        }
        return {
          data: result.data.data,
          nextCursor: result.data.nextCursor ?? null,
          cursor,
          requestId: result.requestId,
          response: result.response,
          body: result.data,
        }
      }
      return new Paginator(fetchPage, start, init.signal as AbortSignal | undefined)
    },
    session: session ?? noSession(),
    use(...added: Middleware[]) {
      client.use(...added)
      middleware += added.length
    },
    eject(...removed: Middleware[]) {
      client.eject(...removed)
      middleware = Math.max(0, middleware - removed.length)
    },
  } as Record<string, unknown>
  for (const method of METHODS) tl[method] = (path: string, init?: Record<string, unknown>) => call(method, path, init)
  const parsing = addResources(tl as never, call as never)
  return tl as unknown as TasklaneClient<Paths>
}

function noSession(): SessionHandle {
  const fail = () =>
    Promise.reject(
      new TasklaneError('This client authenticates with a fixed apiKey or accessToken', { code: 'no_session' }),
    )
  return { set: fail, get: () => Promise.resolve(null), clear: fail, refresh: fail }
}
