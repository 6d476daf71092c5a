import type { RouteConfig } from '@hono/zod-openapi'
import { describe, expect, it, vi } from 'vitest'
import { operationInfo } from '../src/generated/operation-info.js'
import { loadRoutes } from '../src/http/router.js'
import { createTestApp } from '../src/test/app.js'

// Every start of the server would otherwise build the zod schemas of every operation, most of what a
// start spends after loading its code (scripts/lazy-routes.mjs, Router.operation in http/router.ts). This
// file runs in a module registry of its own (the system project isolates files), so what it counts is
// what this app built: routes (createRoute) and schemas (any use of `z` by the generated module).
const built = vi.hoisted(() => ({ routes: [] as string[], zUses: 0 }))
vi.mock('@hono/zod-openapi', async (importOriginal) => {
  const original = await importOriginal<typeof import('@hono/zod-openapi')>()
  return {
    ...original,
    createRoute: ((route: RouteConfig & { operationId: string }) => {
      built.routes.push(route.operationId)
      return original.createRoute(route)
    }) as typeof original.createRoute,
    z: new Proxy(original.z, {
      get(target, key, receiver) {
        built.zUses += 1
        return Reflect.get(target, key, receiver)
      },
    }),
  }
})

describe('the routes of the app', () => {
  it('are not built when the app is, and each is built once, on its first request', async () => {
    const t = await createTestApp()
    expect(built).toEqual({ routes: [], zUses: 0 })

    // Readiness validates nothing of the request: its handler is all there is to build.
    expect((await t.request('/readyz')).status).toBe(200)
    expect(built).toEqual({ routes: [], zUses: 0 })

    // The validators come with the route: the path parameter is checked as before.
    const invalid = await t.request('/v1/tasks/%20')
    expect(invalid.status).toBe(400)
    expect((await invalid.json()).code).toBe('validation_failed')
    expect(built.routes).toEqual(['getTask'])
    // Its schemas with it (which also shows that the count sees them).
    expect(built.zUses).toBeGreaterThan(0)

    await t.request('/v1/tasks/%20')
    await t.request('/readyz')
    expect(built.routes).toEqual(['getTask'])
  })

  it('are all built, once each, for the OpenAPI document, and agree with what the app read at start', async () => {
    const t = await createTestApp()
    const { operations } = await loadRoutes()
    const document = t.app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'routes', version: '0' } })
    const ids = Object.keys(operationInfo)
    expect([...built.routes].sort()).toEqual(ids.sort())
    expect(Object.values(document.paths ?? {}).flatMap((item) => Object.keys(item ?? {}))).toHaveLength(ids.length)

    // operationInfo (from the spec) says what the app sets up before building a route; the built routes agree.
    for (const [id, info] of Object.entries(operationInfo)) {
      const route: RouteConfig = operations[id as keyof typeof operations]
      const headers = (route.request?.headers as { shape?: object } | undefined)?.shape ?? {}
      const { query, params, cookies, body } = route.request ?? {}
      expect(
        {
          method: route.method,
          path: route.path,
          body: Object.keys(route.request?.body?.content ?? {}),
          headers: Object.keys(headers),
          validates: [query, params, route.request?.headers, cookies, body].some((part) => part !== undefined),
        },
        id,
      ).toEqual({ ...info, body: [...info.body], headers: [...info.headers] })
    }
  })
})
