import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { Counter, type Registry } from 'prom-client'
import type { AppEnv } from './env.js'

/** The header that carries the contract's version (`info.version`) on every response. */
export const API_VERSION_HEADER = 'Tasklane-Api-Version'
/** The header SDKs and other clients name themselves in, as `name/version` (e.g. `tasklane-sdk-js/0.2.0`). */
export const CLIENT_HEADER = 'Tasklane-Client'

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

/** When something was deprecated and when it goes, as the response headers say it. */
interface Mark {
  /** RFC 9745: when it was (or will be) deprecated, as a structured-field date `@<unix seconds>`. */
  deprecation: string
  /** RFC 8594: when it stops working, as an HTTP date; absent when no date is set. */
  sunset: string | undefined
}

/**
 * A deprecated part of an operation's request: a query or header parameter, or a property of the JSON
 * body at `path` (`*` stands for any item of an array).
 */
type Part = Mark & ({ in: 'query' | 'header'; name: string } | { in: 'body'; path: string[] })

/** What the spec says is deprecated, for one operation: itself, or some parts of its request. */
interface Deprecated {
  /** Where the docs say what to use instead. */
  link: string
  /** Set when the whole operation is deprecated. */
  operation: Mark | null
  /** The deprecated parameters and body properties; a request that sends one is marked. */
  parts: Part[]
}

type Operation = {
  operationId?: string
  tags?: string[]
  deprecated?: boolean
  'x-deprecated-at'?: string
  'x-sunset'?: string
  parameters?: Param[]
  requestBody?: Node
}
type Param = {
  $ref?: string
  in?: string
  name?: string
  deprecated?: boolean
  'x-deprecated-at'?: string
  'x-sunset'?: string
}
type Node = Record<string, unknown>

const seconds = (date: string) => Math.floor(Date.parse(date) / 1000)

/**
 * Every deprecated operation, parameter and request-body property of the spec, by "METHOD /hono/:path".
 * A deprecation needs its date in `x-deprecated-at` (RFC 9745 has no dateless form); `x-sunset` adds the
 * removal date.
 */
export function deprecationsOf(doc: Record<string, unknown>): Map<string, Deprecated> {
  const out = new Map<string, Deprecated>()
  const resolve = <T extends { $ref?: unknown }>(p: T): T =>
    typeof p.$ref === 'string'
      ? (p.$ref
          .slice(2)
          .split('/')
          .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'))
          .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], doc) as T)
      : p
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation> & { parameters?: Param[] }>
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const where = `${method.toUpperCase()} ${path}`
      const parts: Part[] = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map(resolve)
        .filter((p) => p.deprecated && (p.in === 'query' || p.in === 'header'))
        .map((p) => ({ in: p.in as 'query' | 'header', name: p.name ?? '', ...markOf(p, `${where} ${p.name}`) }))
      const body = op.requestBody ? resolve(op.requestBody) : undefined
      const json = (body?.content as Record<string, Node> | undefined)?.['application/json']
      if (json?.schema) {
        for (const found of deprecatedProperties(json.schema, resolve)) {
          parts.push({ in: 'body', path: found.path, ...markOf(found.node, `${where} body ${found.path.join('.')}`) })
        }
      }
      if (!op.deprecated && parts.length === 0) continue
      out.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, {
        link: `/docs#/${encodeURIComponent(op.tags?.[0] ?? 'default')}/${op.operationId ?? ''}`,
        operation: op.deprecated ? markOf(op, where) : null,
        parts,
      })
    }
  }
  return out
}

function markOf(node: Node | Param | Operation, where: string): Mark {
  const at = node['x-deprecated-at' as keyof typeof node] as unknown
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
    throw new Error(`${where}: deprecated without a date in x-deprecated-at`)
  }
  const sunset = node['x-sunset' as keyof typeof node] as unknown
  return {
    deprecation: `@${seconds(at)}`,
    sunset: typeof sunset === 'string' ? new Date(sunset).toUTCString() : undefined,
  }
}

/**
 * The properties a JSON schema marks `deprecated`, at any depth (through `$ref`, `allOf`/`anyOf`/`oneOf`
 * and array items), each with the node that says so: the property itself, or the schema it refers to.
 */
function deprecatedProperties(
  schema: unknown,
  resolve: <T extends { $ref?: unknown }>(node: T) => T,
): { path: string[]; node: Node }[] {
  const found: { path: string[]; node: Node }[] = []
  const walk = (raw: unknown, path: string[], refs: Set<string>) => {
    if (typeof raw !== 'object' || raw === null) return
    let node = raw as Node
    if (typeof node.$ref === 'string') {
      if (refs.has(node.$ref)) return
      refs = new Set([...refs, node.$ref])
      node = resolve(node) ?? {}
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
      const options = node[keyword]
      if (Array.isArray(options)) for (const option of options) walk(option, path, refs)
    }
    const properties = node.properties as Record<string, Node> | undefined
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (typeof property !== 'object' || property === null) continue
      // OpenAPI 3.1 lets `deprecated` sit beside a `$ref`, or on the schema referred to.
      const target = typeof property.$ref === 'string' ? (resolve(property) ?? {}) : property
      const marked = property.deprecated === true ? property : target.deprecated === true ? target : null
      const at = JSON.stringify([...path, name])
      if (marked && !found.some((f) => JSON.stringify(f.path) === at)) {
        found.push({ path: [...path, name], node: marked })
      }
      walk(property, [...path, name], refs)
    }
    if (node.items) walk(node.items, [...path, '*'], refs)
  }
  walk(schema, [], new Set())
  return found
}

/** Whether a parsed JSON body has a value (null included) at `path`; `*` matches any item of an array. */
function sends(value: unknown, path: string[]): boolean {
  if (path.length === 0) return true
  const [key, ...rest] = path as [string, ...string[]]
  if (key === '*') return Array.isArray(value) && value.some((item) => sends(item, rest))
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, key) &&
    sends((value as Record<string, unknown>)[key], rest)
  )
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
    const mark = deprecated.operation ?? (await partUsed(c, deprecated.parts))
    if (!mark) return
    headers.set('Deprecation', mark.deprecation)
    if (mark.sunset) headers.set('Sunset', mark.sunset)
    headers.append('Link', `<${deprecated.link}>; rel="deprecation"; type="text/html"`)
  })
}

/** The first deprecated part the request used: a parameter it sent, or a property of the JSON body it sent. */
async function partUsed(c: Context<AppEnv>, parts: Part[]): Promise<Mark | null> {
  let body: unknown
  let parsed = false
  for (const part of parts) {
    if (part.in === 'query' && c.req.query(part.name) !== undefined) return part
    if (part.in === 'header' && c.req.header(part.name) !== undefined) return part
    if (part.in === 'body') {
      if (!parsed) {
        parsed = true
        body = await readBody(c)
      }
      if (sends(body, part.path)) return part
    }
  }
  return null
}

/**
 * The JSON body as the request's checks already read it (parsed by the body guard, or as text by Hono's
 * validator); a body that never got that far (refused before, or not JSON) counts as not sent.
 */
async function readBody(c: Context<AppEnv>): Promise<unknown> {
  const cache = c.req.bodyCache
  try {
    if (cache.json) return await cache.json
    if (cache.text && /^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
      return JSON.parse(await cache.text)
    }
  } catch {
    // Not JSON after all: the request was refused for it, and used nothing.
  }
  return undefined
}
