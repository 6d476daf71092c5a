import { type HttpHandler, HttpResponse, http } from 'msw'
import { resolveRef, sample } from './fixtures.js'
import type { MediaObject, OpenApiDocument, OperationObject, ResponseObject, SchemaObject } from './spec-types.js'

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
  /**
   * How many items every list holds (default: as many as the spec's example shows). Lists answer pages of
   * `limit` items (default 20) and the last page has `nextCursor: null`, so `paginate` over a mock ends.
   */
  listItems?: number
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
      const answer = mockResponse(doc, operation, options, /\{([^}]+)\}$/.exec(path)?.[1])
      handlers.push(http[method](url, ({ request, params }) => answer(request, params)))
    }
  }
  return handlers
}

type Answer = (request: Request, params: Record<string, unknown>) => Response | Promise<Response>

function mockResponse(
  doc: OpenApiDocument,
  operation: OperationObject,
  options: MockHandlerOptions,
  idParam: string | undefined,
): Answer {
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
    const json = { ...init, headers: { 'Content-Type': contentType, ...headers } }
    if (isList(body)) {
      const items = listItems(doc, media.schema, body.data, options.listItems)
      return (request) => HttpResponse.json(listPage(body, items, new URL(request.url)) as never, json)
    }
    const writes = hasRequestBody(operation)
    return async (request, params) => {
      const sent = writes ? await request.json().catch(() => undefined) : undefined
      return HttpResponse.json(echo(doc, media.schema, body, sent, params, idParam) as never, json)
    }
  }
  if (/^text\/event-stream/.test(contentType)) {
    const frames = serverSentEvents(body)
    return () => new HttpResponse(openStream(frames), { ...init, headers: { 'Content-Type': contentType, ...headers } })
  }
  if (isBinary(contentType, resolveRef(doc, media.schema))) {
    const { type, bytes } = mockFile(contentType)
    // The examples' Content-Length describes some other file; a wrong one would cut or stall the body.
    const fileHeaders = { ...headers, 'Content-Type': type, 'Content-Length': String(bytes.byteLength) }
    return () => new HttpResponse(bytes.slice(), { ...init, headers: fileHeaders })
  }
  return () => HttpResponse.text(String(body), { ...init, headers: { 'Content-Type': contentType, ...headers } })
}

/** Whether a response carries a file's bytes (as the SDK's generator decides it too). */
function isBinary(contentType: string, schema: SchemaObject | undefined) {
  return /^(application\/octet-stream|image\/|audio\/|video\/|\*\/\*)/.test(contentType) || schema?.format === 'binary'
}

// One-pixel images: real files (an app may decode or display them), and not valid UTF-8, so a client that
// reads them as text fails its tests as it would fail its users.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const WEBP = 'UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=='

/** The file a binary mock answers: a WebP for `image/webp`, else a PNG (as `image/png` when any type may come). */
function mockFile(contentType: string): { type: string; bytes: Uint8Array } {
  const webp = contentType === 'image/webp'
  const bytes = Uint8Array.from(atob(webp ? WEBP : PNG), (c) => c.charCodeAt(0))
  return { type: webp || !contentType.includes('*') ? contentType : 'image/png', bytes }
}

type ListBody = { data: unknown[]; nextCursor: string | null; [key: string]: unknown }

function isList(body: unknown): body is ListBody {
  return typeof body === 'object' && body !== null && Array.isArray((body as ListBody).data) && 'nextCursor' in body
}

/** Every item of a mocked list: the example's, then copies of its first item with ids of their own. */
function listItems(doc: OpenApiDocument, schema: SchemaObject | undefined, example: unknown[], count?: number) {
  const template = example[0] ?? sample(doc, itemSchema(doc, schema))
  return Array.from({ length: count ?? example.length }, (_, i) =>
    i < example.length ? example[i] : numbered(template, i),
  )
}

function itemSchema(doc: OpenApiDocument, schema: SchemaObject | undefined): SchemaObject | undefined {
  const list = resolveRef(doc, schema)
  const data = propertiesOf(doc, list).data
  return resolveRef(doc, data)?.items
}

/** A copy of `item` whose `id` (or change `seq`) is the `n`th, keeping the id's prefix and length. */
function numbered(item: unknown, n: number): unknown {
  if (typeof item !== 'object' || item === null) return item
  const copy = { ...(item as Record<string, unknown>) }
  if (typeof copy.id === 'string') {
    const id = copy.id
    const digits = String(n)
    copy.id = id.length > digits.length + 4 ? id.slice(0, id.length - digits.length) + digits : `${id}${n}`
  }
  if (typeof copy.seq === 'string' && /^\d+$/.test(copy.seq)) copy.seq = String(BigInt(copy.seq) + BigInt(n))
  return copy
}

const MOCK_CURSOR = /^mock_(\d+)$/

/** One page of `items`: from the offset in `cursor`, `limit` long, the cursor of the next page or null. */
function listPage(example: ListBody, items: unknown[], url: URL): ListBody {
  const offset = Number(MOCK_CURSOR.exec(url.searchParams.get('cursor') ?? '')?.[1] ?? 0)
  const limit = Math.max(1, Number(url.searchParams.get('limit')) || 20)
  const end = offset + limit
  return { ...example, data: items.slice(offset, end), nextCursor: end < items.length ? `mock_${end}` : null }
}

function hasRequestBody(operation: OperationObject): boolean {
  return operation.requestBody !== undefined
}

/** The properties a schema (with its `allOf` parts) declares. */
function propertiesOf(doc: OpenApiDocument, input: SchemaObject | undefined): Record<string, SchemaObject> {
  const schema = resolveRef(doc, input)
  if (!schema) return {}
  return Object.assign({}, ...(schema.allOf ?? []).map((part) => propertiesOf(doc, part)), schema.properties ?? {})
}

/**
 * The answer to a create or update, as a server would give it: the example resource with the fields that
 * were sent (those the resource has) and the ids of the path on top, so what an app sends is what it reads.
 */
function echo(
  doc: OpenApiDocument,
  schema: SchemaObject | undefined,
  example: unknown,
  sent: unknown,
  params: Record<string, unknown>,
  idParam: string | undefined,
): unknown {
  if (typeof example !== 'object' || example === null || Array.isArray(example)) return example
  const properties = propertiesOf(doc, schema)
  const out: Record<string, unknown> = { ...(example as Record<string, unknown>) }
  const put = (name: string, value: unknown) => {
    if (name in properties && fits(doc, properties[name], value)) out[name] = value
  }
  for (const [name, value] of Object.entries(params)) put(name, value)
  // `PATCH /v1/tasks/{taskId}` answers the task whose id is in the path.
  if (idParam !== undefined) put('id', params[idParam])
  if (typeof sent === 'object' && sent !== null && !Array.isArray(sent)) {
    for (const [name, value] of Object.entries(sent)) if (name !== 'id') put(name, value)
  }
  return out
}

/**
 * Whether `value` may stand in the resource where `input` is its schema, as far as a mock can tell cheaply:
 * the type, `enum`, and a string's `pattern` and length. What a real server would refuse (an id of the
 * wrong shape in the path, a title too long) keeps the example's value instead.
 */
function fits(doc: OpenApiDocument, input: SchemaObject | undefined, value: unknown): boolean {
  const schema = resolveRef(doc, input)
  if (!schema) return false
  if (schema.allOf) return schema.allOf.every((part) => fits(doc, part, value))
  const alternatives = schema.oneOf ?? schema.anyOf
  if (alternatives) return alternatives.some((part) => fits(doc, part, value))
  if (schema.enum && !schema.enum.includes(value)) return false
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  if (types.length === 0) return true
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  const ok = types.some(
    (t) => t === kind || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && kind === 'number'),
  )
  if (!ok) return false
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(String(schema.pattern), 'u').test(value)) return false
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return false
    if (schema.minLength !== undefined && value.length < schema.minLength) return false
  }
  return true
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
