import { resourceTable } from '../generated/resources.js'
import type { NotModified, RequestOptions } from './resource-types.js'
import { unwrap } from './results.js'

type Call = (method: string, path: string, init: Record<string, unknown>) => Promise<never>

/** What the resource methods need of the client: its paginator. */
export interface ResourceHost {
  paginate(path: string, init: Record<string, unknown>): unknown
  [group: string]: unknown
}

/**
 * Adds `tl.tasks.create(…)` and every other generated method to a client. Arguments follow the table's
 * flags: the path's parameters in order, then the body (`b`), then the query (`q`), then the options.
 */
export function addResources(tl: ResourceHost, call: Call): void {
  for (const [group, methods] of Object.entries(resourceTable)) {
    tl[group] ??= {}
    const target = tl[group] as Record<string, unknown>
    for (const [name, [method, path, flags = '']] of Object.entries(methods)) {
      target[name] = resourceMethod(tl, call, method, path, flags, `${group}.${name}`)
    }
  }
}

const warned = new Set<string>()

/** Warns once per process about a deprecated method, the first time it is called. */
export function warnDeprecated(what: string, detail: string) {
  if (warned.has(what)) return
  warned.add(what)
  console.warn(`[tasklane] ${what} is deprecated${detail ? `: ${detail}` : ''}`)
}

function resourceMethod(tl: ResourceHost, call: Call, method: string, path: string, flags: string, name: string) {
  const names = (path.match(/\{[^}]+\}/g) ?? []).map((p) => p.slice(1, -1))
  return (...args: unknown[]) => {
    if (flags.includes('d')) warnDeprecated(`tl.${name}()`, `${method} ${path} will be removed; see the API changelog`)
    const pathParams: Record<string, unknown> = {}
    let i = 0
    for (const n of names) pathParams[n] = args[i++]
    const body = flags.includes('b') ? args[i++] : undefined
    const query = flags.includes('q') ? args[i++] : undefined
    const options = (args[i] ?? {}) as RequestOptions
    const { ifNoneMatch, headers, ...rest } = options
    const header = ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : undefined
    const init: Record<string, unknown> = {
      ...rest,
      params: { path: pathParams, query, header },
      ...(body === undefined ? {} : { body }),
      ...(headers ? { headers } : {}),
      ...(flags.includes('t') ? { parseAs: 'text' } : {}),
    }
    if (flags.includes('l')) return tl.paginate(path, init)
    const result = unwrap(call(method, path, init) as Promise<{ response: Response }>)
    return flags.includes('n') ? result.then(() => undefined) : (result as Promise<unknown | NotModified>)
  }
}
