import { createHash, timingSafeEqual } from 'node:crypto'
import type { AppContext } from '../../context.js'
import { ApiError } from '../../core/api-error.js'
import { pingDatabase } from '../../db/database.js'
import type { operations } from '../../generated/routes.js'
import type { AppRouteHandler } from '../../http/env.js'
import { databaseUnavailable } from '../../http/errors.js'

type Routes = typeof operations

const digest = (value: string) => createHash('sha256').update(value).digest()

export function operationsHandlers(ctx: AppContext) {
  const getHealth: AppRouteHandler<Routes['getHealth']> = (c) => c.json({ status: 'ok' as const }, 200)

  // Redis only holds rate-limit counters, which fall back to in-process ones: without it the instance still
  // serves traffic, so it stays ready (200, `degraded`) rather than leaving rotation with every other one.
  const getReadiness: AppRouteHandler<Routes['getReadiness']> = async (c) => {
    const redis = ctx.redis
    const [database, redisUp] = await Promise.allSettled([
      pingDatabase(ctx.db, ctx.config.DATABASE_CONNECT_TIMEOUT_MS),
      redis ? redis.ping() : Promise.resolve(),
    ])
    if (database.status === 'rejected') {
      c.get('log').warn({ err: database.reason }, 'readiness check failed')
      throw databaseUnavailable('The database is not answering.')
    }
    if (!redis) return c.json({ status: 'ok' as const, database: ctx.db.dialect }, 200)
    const redisStatus = redisUp.status === 'fulfilled' ? ('ok' as const) : ('unavailable' as const)
    const status = redisStatus === 'ok' ? ('ok' as const) : ('degraded' as const)
    return c.json({ status, database: ctx.db.dialect, redis: redisStatus }, 200)
  }

  const metricsToken = ctx.config.METRICS_TOKEN && digest(`Bearer ${ctx.config.METRICS_TOKEN}`)
  const getMetrics: AppRouteHandler<Routes['getMetrics']> = async (c) => {
    // Compared as digests, in constant time, so that the answer's timing says nothing about the token.
    if (metricsToken && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), metricsToken)) {
      throw new ApiError(
        401,
        'metrics_token_required',
        `The metrics need the operator's token: send "Authorization: Bearer <METRICS_TOKEN>".`,
        { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } },
      )
    }
    return c.text(await ctx.metrics.registry.metrics(), 200, { 'content-type': ctx.metrics.registry.contentType })
  }

  const getOpenApiJson: AppRouteHandler<Routes['getOpenApiJson']> = (c) =>
    c.json(ctx.document.json as { openapi: string; info: Record<string, unknown>; paths: Record<string, unknown> }, 200)

  const getOpenApiYaml: AppRouteHandler<Routes['getOpenApiYaml']> = (c) =>
    c.body(ctx.document.yaml, 200, { 'content-type': 'application/yaml; charset=utf-8' })

  return { getHealth, getReadiness, getMetrics, getOpenApiJson, getOpenApiYaml }
}
