import { type HttpHandler, HttpResponse, http } from 'msw'
import { resolveRef, sample } from './fixtures.js'
import type { MediaObject, OpenApiDocument, OperationObject, ResponseObject } from './spec-types.js'

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

/**
 * Options of the mock handlers.
 *
 * @example
 * const handlers = tasklaneHandlers({ baseUrl: 'http://tasklane.test' } satisfies MockHandlerOptions)
 */
export interface MockHandlerOptions {
  /** The `baseUrl` the app's client uses; `*` (the default) matches any origin. */
  baseUrl?: string
}

/**
 * msw handlers for every operation of any OpenAPI document: each answers with its first 2xx response (or 3xx,
 * for an operation that only redirects),
 * body from the spec's example (or built from the schema), documented headers from their examples.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createMockHandlers } from '@tasklane/sdk/testing'
 *
 * const server = setupServer(...createMockHandlers(myOpenApiDocument, { baseUrl: 'http://api.test' }))
 */
export function createMockHandlers(doc: OpenApiDocument, options: MockHandlerOptions = {}): HttpHandler[] {
  const baseUrl = (options.baseUrl ?? '*').replace(/\/+$/, '')
  const handlers: HttpHandler[] = []
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const url = baseUrl + path.replace(/\{([^}]+)\}/g, ':$1')
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined
      if (!operation) continue
      const answer = mockResponse(doc, operation)
      handlers.push(http[method](url, () => answer()))
    }
  }
  return handlers
}

function mockResponse(doc: OpenApiDocument, operation: OperationObject): () => Response {
  const documented = Object.keys(operation.responses ?? {}).sort()
  // An operation that only redirects (a provider's callback) answers its redirect, Location and all.
  const status = documented.find((s) => /^2\d\d$/.test(s)) ?? documented.find((s) => /^3\d\d$/.test(s)) ?? '200'
  const response = resolveRef<ResponseObject | undefined>(doc, operation.responses?.[status]) ?? {}
  const headers: Record<string, string> = {}
  for (const [name, raw] of Object.entries(response.headers ?? {})) {
    const header = resolveRef(doc, raw)
    const value = header?.example ?? (header?.schema ? sample(doc, header.schema) : undefined)
    if (value !== undefined && value !== null) headers[name] = String(value)
  }
  const [contentType, media] = Object.entries(response.content ?? {})[0] ?? []
  const init = { status: Number(status), headers }
  if (!contentType || !media || status === '204') return () => new HttpResponse(null, init)
  const body = exampleOf(doc, media)
  if (/json/.test(contentType)) {
    return () => HttpResponse.json(body as never, { ...init, headers: { 'Content-Type': contentType, ...headers } })
  }
  if (/^text\/event-stream/.test(contentType)) {
    const frames = serverSentEvents(body)
    return () => new HttpResponse(openStream(frames), { ...init, headers: { 'Content-Type': contentType, ...headers } })
  }
  return () => HttpResponse.text(String(body), { ...init, headers: { 'Content-Type': contentType, ...headers } })
}

/**
 * An event-stream example (one event, or a list, each as an `EventSource` parses it: `id`, `event`, `data`)
 * on the wire: `id:`, `event:` and `data:` lines, `data` as JSON unless it is a string.
 */
function serverSentEvents(example: unknown): string {
  if (typeof example === 'string') return example
  const events = Array.isArray(example) ? example : [example]
  return events
    .map((event: { id?: unknown; event?: unknown; data?: unknown }) => {
      const data = typeof event?.data === 'string' ? event.data : JSON.stringify(event?.data ?? {})
      const id = event?.id === undefined ? '' : `id: ${String(event.id)}\n`
      const name = event?.event === undefined ? '' : `event: ${String(event.event)}\n`
      return `${id}${name}${data
        .split('\n')
        .map((line) => `data: ${line}`)
        .join('\n')}\n\n`
    })
    .join('')
}

/** Sends `text`, then stays open as a quiet live stream does, until the client closes it. */
function openStream(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text))
    },
  })
}

function exampleOf(doc: OpenApiDocument, media: MediaObject): unknown {
  if (media.example !== undefined) return media.example
  const first = Object.values(media.examples ?? {})[0]
  if (first) return resolveRef(doc, first)?.value
  return sample(doc, media.schema)
}
