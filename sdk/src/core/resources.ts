import { resourceTable } from '../generated/resources.js'
import { isNotModified, type NotModified, type RequestOptions } from './resource-types.js'
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
 *
 * Answers how the path methods (`tl.GET(…)`) read an answer when the call names no `parseAs`, by
 * "METHOD /path": bytes (`r`) as a Blob and text (`t`) as a string, as their types say; any other as JSON,
 * openapi-fetch's default, which would fail on the bytes of a download.
 */
export function addResources(tl: ResourceHost, call: Call): Record<string, 'blob' | 'text' | undefined> {
  const parsing: Record<string, 'blob' | 'text' | undefined> = {}
  for (const [group, methods] of Object.entries(resourceTable)) {
    tl[group] ??= {}
    const target = tl[group] as Record<string, unknown>
    for (const [name, [method, path, flags = '']] of Object.entries(methods)) {
      target[name] = resourceMethod(tl, call, method, path, flags)
      parsing[`${method} ${path}`] = flags.includes('r') ? 'blob' : flags.includes('t') ? 'text' : undefined
    }
  }
  return parsing
}

const warned = new Set<string>()

/** Warns once per process about a deprecated method, the first time it is called. */
export function warnDeprecated(what: string, detail: string) {
  if (warned.has(what)) return
  warned.add(what)
  console.warn(`[tasklane] ${what} is deprecated${detail ? `: ${detail}` : ''}`)
}

function resourceMethod(tl: ResourceHost, call: Call, method: string, path: string, flags: string) {
  const names = (path.match(/\{[^}]+\}/g) ?? []).map((p) => p.slice(1, -1))
  return (...args: unknown[]) => {
    const pathParams: Record<string, unknown> = {}
    let i = 0
    for (const n of names) pathParams[n] = args[i++]
    let body = flags.includes('b') ? args[i++] : undefined
    let query = (flags.includes('q') ? args[i++] : undefined) as Record<string, unknown> | undefined
    const options = (args[i] ?? {}) as RequestOptions
    const { ifNoneMatch, headers, ...rest } = options
    const header = ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : undefined
    let sendHeaders = headers
    let raw = false
    if (flags.includes('f') && body instanceof Blob) {
      // The raw form: the bytes as they are, named by `filename` in the query (a File's own name by default).
      raw = true
      const name = (body as Blob & { name?: string }).name
      if (name && query?.filename === undefined) query = { ...query, filename: name }
      sendHeaders = { 'Content-Type': body.type || 'application/octet-stream', ...headers }
    } else if (flags.includes('f') && body !== undefined) {
      body = formData(body as Record<string, unknown>)
    }
    const init: Record<string, unknown> = {
      ...rest,
      params: { path: pathParams, query, header },
      ...(body === undefined ? {} : { body }),
      ...(sendHeaders ? { headers: sendHeaders } : {}),
      ...(raw ? { bodySerializer: (bytes: Blob) => bytes } : {}),
      // Bytes stay bytes: the caller gets the Response, to read as a stream, Blob or ArrayBuffer with its headers.
      // (Text is read as text by the client, as for the path methods.)
      ...(flags.includes('r') ? { parseAs: 'stream' } : {}),
    }
    if (flags.includes('l')) return tl.paginate(path, init)
    const pending = call(method, path, init) as Promise<{ response: Response }>
    if (flags.includes('r')) {
      return pending.then(async (result) => {
        const value = await unwrap(result as { response: Response; data?: unknown; error?: unknown })
        return isNotModified(value) ? value : result.response
      })
    }
    const result = unwrap(pending)
    return flags.includes('n') ? result.then(() => undefined) : (result as Promise<unknown | NotModified>)
  }
}

/** A multipart form of `body`: its fields first, as the server reads them as they arrive, then its files. */
function formData(body: Record<string, unknown>): FormData {
  const form = new FormData()
  const { filename, ...fields } = body
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)
  for (const [key, value] of entries) if (!(value instanceof Blob)) form.append(key, String(value))
  for (const [key, value] of entries) {
    if (!(value instanceof Blob)) continue
    const name = (filename as string | undefined) ?? (value as Blob & { name?: string }).name ?? key
    form.append(key, value, name)
  }
  return form
}
