import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi'
import type { Context, Handler, MiddlewareHandler, Next } from 'hono'
import { operationInfo } from '../generated/operation-info.js'
import type { OperationId, operations } from '../generated/routes.js'
import type { AppEnv, AppRouteHandler } from './env.js'
import { validationHook } from './errors.js'

type Operations = typeof operations
type Routes = typeof import('../generated/routes.js')

// The generated routes (zod schemas, each built on first use) are loaded with the first request that needs
// one: a start neither parses nor builds them (the bundle puts them in a chunk of their own).
let routes: Routes | undefined
let loading: Promise<Routes> | undefined
/** The generated routes module, loaded once. */
export function loadRoutes(): Promise<Routes> {
  loading ??= import('../generated/routes.js').then((loaded) => {
    routes = loaded
    return loaded
  })
  return loading
}

/** Marks the handler `operation()` binds, so that the app (into which routers are mounted) finds it. */
const OPERATION = Symbol('tasklane.operation')
// Hono's `route()` wraps a mounted router's handlers when that router has its own error handler, and
// keeps the original under this key (hono/utils/constants' COMPOSED_HANDLER).
const COMPOSED_HANDLER = '__COMPOSED_HANDLER'

/** Hono's path pattern of an OpenAPI path template (`/v1/tasks/{taskId}` → `/v1/tasks/:taskId`). */
const honoPath = (openapiPath: string) => openapiPath.replace(/\{([^}]+)\}/g, ':$1')
const openapiPath = (honoPattern: string) => honoPattern.replace(/:([^/]+)/g, '{$1}')

/**
 * A router of generated operations, with the shared validation hook. `operation(id, handler)` binds an
 * operation of openapi.yaml to its handler as `openapi(route, handler)` of @hono/zod-openapi would, except
 * that the route's schemas and validators are built on the operation's first request rather than when the
 * app is built: a start loads and builds none of them (scripts/lazy-routes.mjs makes every generated schema
 * lazy), and a process builds only those of the operations it serves. The OpenAPI document of the routes
 * (`getOpenAPIDocument`, `getOpenAPI31Document`) builds them all first, once `loadRoutes()` has loaded them.
 *
 * Exported because the app's type (`createApp`'s, which tests name) is one; made by `createRouter`.
 * @public
 */
export class Router extends OpenAPIHono<AppEnv> {
  constructor() {
    super({ defaultHook: validationHook })
    const document = this.getOpenAPIDocument
    const document31 = this.getOpenAPI31Document
    this.getOpenAPIDocument = (...args) => {
      this.#registerOperations()
      return document(...args)
    }
    this.getOpenAPI31Document = (...args) => {
      this.#registerOperations()
      return document31(...args)
    }
  }

  /**
   * Binds operation `id` to `handler`, after `middleware` (which runs before the route's validators).
   *
   * @example
   * createRouter().operation('getTask', h.getTask).operation('updateTask', h.updateTask)
   */
  operation<K extends OperationId>(
    id: K,
    handler: AppRouteHandler<Operations[K]>,
    middleware: MiddlewareHandler<AppEnv>[] = [],
  ): this {
    const { method, path, validates } = operationInfo[id]
    let validated: Promise<(c: Context<AppEnv>, next: Next) => Promise<void>> | undefined
    // A route that validates nothing of the request (health, readiness, metrics, the contract) adds no
    // middleware to its handler, so serving it needs neither the routes nor their schemas.
    const bound: MiddlewareHandler<AppEnv> = validates
      ? async (c, next) => {
          validated ??= loadRoutes().then((loaded) => validatedChain(loaded.operations[id], handler as Handler<AppEnv>))
          return (await validated)(c, next)
        }
      : (c, next) => (handler as Handler<AppEnv>)(c, next)
    this.on([method], [honoPath(path)], ...middleware, Object.assign(bound, { [OPERATION]: id }))
    return this
  }

  /**
   * Puts every bound operation (here or in a router mounted here) not yet in the OpenAPI registry there,
   * and the contract's security schemes.
   */
  #registered = new Set<OperationId>()
  #schemesRegistered = false
  #registerOperations() {
    if (!routes)
      throw new Error('the generated routes are not loaded: await loadRoutes() before asking for the document')
    const { operations, securitySchemes } = routes
    if (!this.#schemesRegistered) {
      for (const [name, scheme] of Object.entries(securitySchemes)) {
        this.openAPIRegistry.registerComponent('securitySchemes', name, scheme as never)
      }
      this.#schemesRegistered = true
    }
    for (const { path, handler } of this.routes) {
      const fn = handler as Handler & { [OPERATION]?: OperationId; [COMPOSED_HANDLER]?: typeof fn }
      const id = fn[OPERATION] ?? fn[COMPOSED_HANDLER]?.[OPERATION]
      if (id === undefined || this.#registered.has(id)) continue
      this.#registered.add(id)
      this.openAPIRegistry.registerPath({ ...operations[id], path: openapiPath(path) })
    }
  }
}

/**
 * The middleware and handler that `openapi(route, handler)` of @hono/zod-openapi would add for `route`
 * (the validators of its parameters, headers and body, then the handler), run in order as one handler
 * does in Hono: each gets the next as `next`, a Response returned sets the answer, the last one's `next`
 * is the app's. They are taken from a router made for this, so that the validation is the library's own.
 */
function validatedChain(route: RouteConfig, handler: Handler<AppEnv>) {
  const scratch = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  scratch.openapi(route, handler as never)
  const handlers = scratch.routes.map((r) => r.handler as Handler<AppEnv>)
  return async (c: Context<AppEnv>, next: Next): Promise<void> => {
    const dispatch = async (i: number): Promise<void> => {
      const current = handlers[i]
      if (!current) return next()
      const res = await current(c, () => dispatch(i + 1))
      if (res instanceof Response && !c.finalized) c.res = res
    }
    await dispatch(0)
  }
}

/** A feature's router: generated operations bound to handlers, with the shared validation hook. */
export function createRouter() {
  return new Router()
}
