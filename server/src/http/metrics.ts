import { createMiddleware } from 'hono/factory'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { AppEnv } from './env.js'

export interface Metrics {
  registry: Registry
  middleware: ReturnType<typeof createMiddleware<AppEnv>>
}

/**
 * A registry of its own per app (prom-client's global one would be shared by every app in a test run),
 * with request counts and latency histograms labelled by route template, not raw path, so ids do not
 * explode the label space.
 */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served, by route and status.',
    labelNames,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request latency in seconds, by route and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const start = performance.now()
    await next()
    const route = c.req.routePath === '/*' || c.req.routePath === '*' ? 'unmatched' : c.req.routePath
    const labels = { method: c.req.method, route, status: String(c.res.status) }
    requests.inc(labels)
    duration.observe(labels, (performance.now() - start) / 1000)
  })
  return { registry, middleware }
}
