import { createMiddleware } from 'hono/factory'
import { Counter, type Registry } from 'prom-client'
import type { AppEnv } from './env.js'

/** The header that carries the contract's version (`info.version`) on every response. */
export const API_VERSION_HEADER = 'Tasklane-Api-Version'
/** The header SDKs and other clients name themselves in, as `name/version` (e.g. `tasklane-sdk-js/0.2.0`). */
export const CLIENT_HEADER = 'Tasklane-Client'

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

/** What the spec says is deprecated, for one operation: itself, or some of its parameters. */
interface Deprecated {
  /** RFC 9745: when it was (or will be) deprecated, as a structured-field date `@<unix seconds>`. */
  deprecation: string
  /** RFC 8594: when it stops working, as an HTTP date; absent when no date is set. */
  sunset: string | undefined
  /** Where the docs say what to use instead. */
  link: string
  /** Null when the whole operation is deprecated; otherwise the deprecated query and header parameters. */
  params: { in: string; name: string }[] | null
}

type Operation = {
  operationId?: string
  tags?: string[]
  deprecated?: boolean
  'x-deprecated-at'?: string
  'x-sunset'?: string
  parameters?: Param[]
}
type Param = {
  $ref?: string
  in?: string
  name?: string
  deprecated?: boolean
  'x-deprecated-at'?: string
  'x-sunset'?: string
}

const seconds = (date: string) => Math.floor(Date.parse(date) / 1000)

/**
 * Every deprecated operation and parameter of the spec, by "METHOD /hono/:path". A deprecation needs its
 * date in `x-deprecated-at` (RFC 9745 has no dateless form); `x-sunset` adds the removal date.
 */
export function deprecationsOf(doc: Record<string, unknown>): Map<string, Deprecated> {
  const out = new Map<string, Deprecated>()
  const resolve = (p: Param): Param =>
    typeof p.$ref === 'string'
      ? (p.$ref
          .slice(2)
          .split('/')
          .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], doc) as Param)
      : p
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation> & { parameters?: Param[] }>
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve).filter((p) => p.deprecated)
      if (!op.deprecated && params.length === 0) continue
      const source = op.deprecated ? op : params[0]
      const at = source?.['x-deprecated-at']
      if (!at || Number.isNaN(Date.parse(at))) {
        throw new Error(`${method.toUpperCase()} ${path}: deprecated without a date in x-deprecated-at`)
      }
      const sunset = source['x-sunset']
      out.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, {
        deprecation: `@${seconds(at)}`,
        sunset: sunset ? new Date(sunset).toUTCString() : undefined,
        link: `/docs#/${encodeURIComponent(op.tags?.[0] ?? 'default')}/${op.operationId ?? ''}`,
        params: op.deprecated ? null : params.map((p) => ({ in: p.in ?? '', name: p.name ?? '' })),
      })
    }
  }
  return out
}

/** A client name as counted: `name/semver`, or `other` so that a label cannot be made to grow without end. */
export function clientLabel(header: string | undefined): string {
  if (!header) return 'unknown'
  const match = /^([a-z][a-z0-9.-]{0,40})\/(\d{1,4}\.\d{1,4}\.\d{1,6}(?:-[0-9A-Za-z.-]{1,20})?)(?:\s|$)/.exec(header)
  return match ? `${match[1]}/${match[2]}` : 'other'
}

/**
 * Answers the contract's version on every response, counts requests by the client version they name, and
 * marks what the spec deprecates with `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a `Link` to its
 * docs, so clients and their developers hear of a removal before it happens.
 */
export function apiVersioning(options: { version: string; document: Record<string, unknown>; registry: Registry }) {
  const deprecations = deprecationsOf(options.document)
  const byClient = new Counter({
    name: 'http_requests_by_client_total',
    help: 'Requests by the client name and version in Tasklane-Client (unknown when absent).',
    labelNames: ['client'] as const,
    registers: [options.registry],
  })
  return createMiddleware<AppEnv>(async (c, next) => {
    byClient.inc({ client: clientLabel(c.req.header(CLIENT_HEADER)) })
    await next()
    const headers = c.res.headers
    headers.set(API_VERSION_HEADER, options.version)
    if (deprecations.size === 0) return
    const deprecated = deprecations.get(`${c.req.method} ${c.req.routePath}`)
    if (!deprecated) return
    const used =
      deprecated.params === null ||
      deprecated.params.some((p) =>
        p.in === 'query' ? c.req.query(p.name) !== undefined : p.in === 'header' && c.req.header(p.name) !== undefined,
      )
    if (!used) return
    headers.set('Deprecation', deprecated.deprecation)
    if (deprecated.sunset) headers.set('Sunset', deprecated.sunset)
    headers.append('Link', `<${deprecated.link}>; rel="deprecation"; type="text/html"`)
  })
}
