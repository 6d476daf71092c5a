import { cors } from 'hono/cors'
import { secureHeaders } from 'hono/secure-headers'
import type { AppContext } from './context.js'
import { createAttachmentsRouter } from './features/attachments/attachments.router.js'
import { createAuthRouter } from './features/auth/auth.router.js'
import { createIdentitiesRouter } from './features/auth/providers/identities.router.js'
import { createChangesRouter } from './features/changes/changes.router.js'
import { createCommentsRouter } from './features/comments/comments.router.js'
import { createEventsRouter } from './features/events/events.router.js'
import { createNotesRouter } from './features/notes/notes.router.js'
import { createNotificationsRouter } from './features/notifications/notifications.router.js'
import { createOperationsRouter } from './features/operations/operations.router.js'
import { createProjectsRouter } from './features/projects/projects.router.js'
import { createTasksRouter } from './features/tasks/tasks.router.js'
import { createWebhooksRouter } from './features/webhooks/webhooks.router.js'
import { type OperationInfo, operationInfo } from './generated/operation-info.js'
import { authentication } from './http/auth.js'
import { bodyGuard, bodySizeLimit, jsonLimits } from './http/body.js'
import { jsonBounds, requestBodySchema } from './http/body-bounds.js'
import { errorHandler, notFoundHandler, pathPattern } from './http/errors.js'
import { requestLogging } from './http/logging.js'
import { requestId } from './http/request-id.js'
import { createRouter } from './http/router.js'
import { API_VERSION_HEADER, apiVersioning, CLIENT_HEADER } from './http/versioning.js'
import { idempotency } from './idempotency/idempotency.js'
import { createDocsRouter } from './openapi/docs.js'

/** Headers a browser client may read: the ones the API documents on its responses. */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Link',
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Idempotent-Replayed',
  API_VERSION_HEADER,
  'Deprecation',
  'Sunset',
  'Content-Disposition',
  'Content-Range',
  'Content-Length',
  'Accept-Ranges',
  // tus (resumable uploads)
  'Tus-Resumable',
  'Tus-Version',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Expires',
]

// Uploads stream their body to the file store under their own limits (ATTACHMENT_MAX_BYTES, the quota),
// so BODY_LIMIT and the JSON body guard, which read the body first, are not for them.
const streamsItsBody = (operation: OperationInfo) =>
  operation.body.some((type) => ['multipart/form-data', '*/*', 'application/offset+octet-stream'].includes(type))

/**
 * Room for whitespace above the longest compact body a schema allows. That length already counts every
 * string character as a six-byte escape, so real text, even pretty-printed, stays far below it.
 */
const WHITESPACE_ALLOWANCE = 1024

// What every operation is, read from the spec without building its route (routes are built on first use).
const operationList = (): OperationInfo[] => Object.values(operationInfo)
/** Whether the operation documents request header `name` (header names are case-insensitive). */
const declaresHeader = (operation: OperationInfo, name: string): boolean =>
  operation.headers.some((header) => header.toLowerCase() === name.toLowerCase())
const honoPath = (openapiPath: string) => openapiPath.replace(/\{([^}]+)\}/g, ':$1')

/**
 * Builds the HTTP app on a context (everything it serves is built by `createContext`, the composition
 * root): the middleware in order, then the routes. Every route comes from the generated `operations`; each feature's
 * router binds them to handlers.
 *
 * @example
 * const app = createApp(await createContext(loadConfig()))
 * const res = await app.request('/healthz')
 */
export function createApp(ctx: AppContext) {
  const app = createRouter()

  app.use(requestId)
  app.use(requestLogging(ctx.logger))
  app.use(ctx.metrics.middleware)
  app.use(
    apiVersioning({
      version: String((ctx.document.json.info as { version?: unknown } | undefined)?.version ?? ''),
      document: ctx.document.json,
      registry: ctx.metrics.registry,
    }),
  )
  app.use(secureHeaders({ crossOriginResourcePolicy: false }))
  const allowAnyOrigin = ctx.config.CORS_ORIGINS.includes('*')
  const corsHeaders = cors({
    origin: allowAnyOrigin ? '*' : ctx.config.CORS_ORIGINS,
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'If-None-Match',
      'X-Request-Id',
      'Last-Event-ID',
      CLIENT_HEADER,
      'Range',
      'If-Range',
      'Tus-Resumable',
      'Upload-Length',
      'Upload-Metadata',
      'Upload-Offset',
    ],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  })
  // Hono's cors middleware touches `c.res` before the handler runs, which makes Hono copy every response
  // through a full Response object: about a third of the CPU of a small request. Only browsers send
  // Origin and only they read CORS headers, so other clients skip it; Vary keeps shared caches honest.
  app.use(async (c, next) => {
    if (c.req.header('origin') !== undefined) return corsHeaders(c, next)
    await next()
    // On the response's own headers: c.header() after the handler would copy the response again.
    if (!allowAnyOrigin) c.res.headers.append('Vary', 'Origin')
  })
  // Who is calling, then the general rate limit keyed by it; both before body checks so that a flood of
  // bad requests (oversized ones included) is still counted.
  app.use('/v1/*', authentication(ctx.auth))
  app.use('/v1/*', ctx.rateLimiter.middleware)
  // Each operation reads at most what its schema can take (and never over BODY_LIMIT), so that a large or
  // wide body costs no more than a valid one would.
  for (const route of operationList()) {
    if (route.body.length === 0 || streamsItsBody(route)) continue
    const bounds = jsonBounds(requestBodySchema(ctx.document.json, route.method, route.path), ctx.document.json)
    const maxBytes = Math.min(ctx.config.BODY_LIMIT, bounds.bytes + WHITESPACE_ALLOWANCE)
    app.on(
      route.method.toUpperCase(),
      honoPath(route.path),
      bodySizeLimit(maxBytes),
      bodyGuard(route.body, jsonLimits(bounds)),
    )
  }
  // After authentication (keys are per principal) and the body guard (the body is known to parse).
  const idempotent = idempotency(ctx.writer, { holder: ctx.presence.id })
  for (const route of operationList()) {
    if (declaresHeader(route, 'Idempotency-Key')) app.on(route.method.toUpperCase(), honoPath(route.path), idempotent)
  }

  app.route('/', createOperationsRouter(ctx))
  app.route('/', createAuthRouter(ctx))
  app.route('/', createIdentitiesRouter(ctx))
  const { services } = ctx
  app.route('/', createProjectsRouter(ctx, services))
  app.route('/', createTasksRouter(services))
  app.route('/', createNotesRouter(services))
  app.route('/', createCommentsRouter(services))
  app.route('/', createNotificationsRouter(services))
  app.route('/', createWebhooksRouter(services))
  app.route('/', createChangesRouter(services))
  app.route('/', createEventsRouter(services))
  app.route('/', createAttachmentsRouter(services, ctx.config))
  app.route('/', createDocsRouter())

  app.notFound(notFoundHandler(operationList().map((r) => ({ method: r.method, pattern: pathPattern(r.path) }))))
  app.onError(errorHandler)
  return app
}

export type App = ReturnType<typeof createApp>
