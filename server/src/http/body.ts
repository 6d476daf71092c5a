import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../core/api-error.js'
import type { AppEnv } from './env.js'

/**
 * How deep arrays and objects may nest in a JSON body. No operation's schema comes near it; the bound
 * exists because parsing and validating very deep nesting (800 KB of `[[[…]]]`) blocks the event loop for
 * hundreds of milliseconds, while finding the depth first is one linear pass.
 */
const MAX_JSON_DEPTH = 64

/**
 * The fewest keys per object and items per array a body may have before it is refused unparsed, whatever
 * the schema says: below this, an extra key or item reaches validation and is reported by name.
 */
const MIN_WIDTH_LIMIT = 64

/** What a JSON body may hold before it is refused unparsed; see `jsonBounds`. */
export interface JsonLimits {
  /** The most keys in any one object. */
  keys: number
  /** The most items in any one array. */
  items: number
}

/** The limits for a schema's bounds: its widest object and array, but never below MIN_WIDTH_LIMIT. */
export const jsonLimits = (bounds: { keys: number; items: number }): JsonLimits => ({
  keys: Math.max(MIN_WIDTH_LIMIT, bounds.keys),
  items: Math.max(MIN_WIDTH_LIMIT, bounds.items),
})

const NO_WIDTH_LIMITS: JsonLimits = { keys: Number.POSITIVE_INFINITY, items: Number.POSITIVE_INFINITY }

/**
 * Guards an operation's request body before validation: a media type the operation does not take is a
 * 415, JSON nested deeper than MAX_JSON_DEPTH is a 400 `json_too_deep`, an object with more keys or an
 * array with more items than `limits` is a 400 `json_too_wide` (both found in one pass before parsing,
 * which with validation costs far more per key), and JSON that does not parse is a 400 `malformed_json`
 * (the body text is cached for the validator, so it is read once).
 */
export function bodyGuard(mediaTypes: readonly string[], limits: JsonLimits = NO_WIDTH_LIMITS) {
  const accepted = mediaTypes.map((t) => t.toLowerCase())
  return createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header('content-type')
    const hasBody = contentType !== undefined || (c.req.header('content-length') ?? '0') !== '0'
    if (!hasBody) return next()
    const refuse = (what: string) =>
      new ApiError(415, 'unsupported_media_type', `This operation takes ${accepted.join(' or ')}, not ${what}.`, {
        headers: acceptHeader(c.req.method, accepted),
      })
    if (contentType === undefined) throw refuse('a body without Content-Type')
    const parsed = parseMediaType(contentType)
    if (!parsed || !accepted.includes(parsed.type)) throw refuse(parsed?.type ?? `Content-Type: ${contentType}`)
    const json = isJson(parsed.type)
    if (json) {
      // RFC 8259 §8.1: JSON between systems is UTF-8, and the body is decoded as such.
      const charset = parsed.parameters.find(([name]) => name === 'charset')
      if (charset && charset[1].toLowerCase() !== 'utf-8') throw refuse(`${parsed.type} in ${charset[1]}`)
    }
    // zod-openapi's validator matches Content-Type against a narrower pattern than RFC 9110's (no space
    // before `;`, no empty parameter) and answers 415 to the rest; checked here, it gets the bare type.
    c.req.raw.headers.set('content-type', parsed.type)
    if (json) {
      const text = await c.req.text()
      const shape = jsonShapeFault(text, MAX_JSON_DEPTH, limits)
      if (shape === 'depth') {
        throw new ApiError(
          400,
          'json_too_deep',
          `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH}.`,
        )
      }
      if (shape === 'keys' || shape === 'items') {
        throw new ApiError(
          400,
          'json_too_wide',
          shape === 'keys'
            ? `An object in the request body has more than ${limits.keys} keys.`
            : `An array in the request body has more than ${limits.items} items.`,
        )
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new ApiError(400, 'malformed_json', 'The request body is not valid JSON.')
      }
      // Handed to Hono, whose validator would otherwise rebuild a Response from the text and parse it again.
      c.req.bodyCache.json = Promise.resolve(value)
    }
    return next()
  })
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json')

// RFC 9110 §8.3.1 and §5.6: media-type = type "/" subtype *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] )
const TOKEN = String.raw`[!#$%&'*+.^_\x60|~0-9A-Za-z-]+`
const QUOTED_STRING = String.raw`"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"`
const TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})`)
const PARAMETER = new RegExp(String.raw`[ \t]*;[ \t]*(?:(${TOKEN})=(${TOKEN}|${QUOTED_STRING}))?`, 'y')

/**
 * A Content-Type value as RFC 9110 reads it: the media type in lower case (type and subtype are
 * case-insensitive) and its parameters, names in lower case and quoted values unquoted; undefined when the
 * value is not a media type.
 *
 * @example
 * parseMediaType('Application/JSON ; charset="UTF-8"') // { type: 'application/json', parameters: [['charset', 'UTF-8']] }
 */
function parseMediaType(value: string): { type: string; parameters: [string, string][] } | undefined {
  const head = TYPE.exec(value)
  if (!head) return undefined
  const parameters: [string, string][] = []
  PARAMETER.lastIndex = head[0].length
  while (PARAMETER.lastIndex < value.length) {
    const match = PARAMETER.exec(value)
    if (!match) return undefined
    const [, name, raw] = match
    if (name !== undefined && raw !== undefined) {
      const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/gs, '$1') : raw
      parameters.push([name.toLowerCase(), unquoted])
    }
  }
  return { type: `${head[1]}/${head[2]}`.toLowerCase(), parameters }
}

/**
 * The first way JSON text exceeds the limits, found in one pass that skips strings and stops there:
 * nesting deeper than `maxDepth`, an object with more than `limits.keys` keys or an array with more than
 * `limits.items` items. Text that is not JSON gets some answer; JSON.parse refuses it next.
 */
function jsonShapeFault(text: string, maxDepth: number, limits: JsonLimits): 'depth' | 'keys' | 'items' | undefined {
  // Per open container: how many members it has so far, and whether it is an object.
  const counts: number[] = []
  const objects: boolean[] = []
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c)
        i++ // a backslash escapes the next character, a quote included
      else if (char === 0x22) inString = false
      continue
    }
    if (char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09) continue
    if (char === 0x5d || char === 0x7d) {
      depth--
      continue
    }
    // Anything else inside an empty container is its first member; each comma starts another.
    if (depth > 0) {
      const top = depth - 1
      if (char === 0x2c || counts[top] === 0) {
        const count = (counts[top] ?? 0) + 1
        counts[top] = count
        if (objects[top] ? count > limits.keys : count > limits.items) return objects[top] ? 'keys' : 'items'
      }
    }
    if (char === 0x22) {
      inString = true
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > maxDepth) return 'depth'
      counts[depth - 1] = 0
      objects[depth - 1] = char === 0x7b
    }
  }
  return undefined
}

// RFC 9110 §15.5.16: a 415 says which media types would have been taken.
function acceptHeader(method: string, accepted: string[]): Record<string, string> {
  if (method === 'POST') return { 'Accept-Post': accepted.join(', ') }
  if (method === 'PATCH') return { 'Accept-Patch': accepted.join(', ') }
  return {}
}

/**
 * 413 `content_too_large` for a body over `maxBytes`, declared or streamed. Only operations that take a
 * body get it (others never read one), and it runs after the rate limit, so an oversized request is
 * counted and its 413 carries the RateLimit headers like any other answer. The rest of the body is not
 * read, so the connection cannot carry another request: the 413 says `Connection: close` (and Node closes
 * it after the answer), rather than a keep-alive client sending its next request into a closing socket.
 *
 * A JSON body sent to Node's HTTP server is read here straight from Node's request, and its text handed to
 * the checks after (`c.req.text()`, the validator): reading it through the web `Request` the adapter would
 * build for it (an AbortController, a web stream over the Node stream, the body limit's own reader) cost
 * about a tenth of a create's CPU. Other bodies, and requests not from Node's server (`app.request()` in
 * tests), take Hono's body limit over the web `Request`.
 */
export function bodySizeLimit(maxBytes: number) {
  const tooLarge = () =>
    new ApiError(413, 'content_too_large', `The request body is larger than ${maxBytes} bytes.`, {
      headers: { Connection: 'close' },
    })
  const overWeb = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge()
    },
  })
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = unreadIncoming(c)
    const type = parseMediaType(c.req.header('content-type') ?? '')?.type
    if (!incoming || type === undefined || !isJson(type)) return overWeb(c, next)
    const declared = c.req.header('content-length')
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && Number(declared) > maxBytes) {
      throw tooLarge()
    }
    const bytes = await readIncoming(incoming, maxBytes, tooLarge)
    // As the web Request's text() decodes: UTF-8, invalid sequences replaced, a leading BOM dropped.
    // (Hono's cache holds each body form's promise, though its type names the value.)
    c.req.bodyCache.text = Promise.resolve(utf8.decode(bytes)) as never
    return next()
  })
}

const utf8 = new TextDecoder()

/** Node's request behind `c`, when the app runs on Node's HTTP/1 server and nothing has read its body yet. */
function unreadIncoming(c: Context<AppEnv>): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
  return incoming instanceof IncomingMessage && !incoming.readableDidRead && incoming.readableFlowing === null
    ? incoming
    : undefined
}

/**
 * The whole body of `incoming`; refused with `tooLarge()` as soon as it passes `maxBytes`, and then no more
 * is read. A client that goes away mid-body rejects it with the stream's error.
 */
function readIncoming(incoming: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (error: Error | undefined) => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
      if (error) {
        incoming.pause()
        reject(error)
      } else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) settle(tooLarge())
      else chunks.push(chunk)
    }
    const onEnd = () => settle(undefined)
    const onError = (error: Error) => settle(error)
    const onClose = () => settle(new Error('The client closed the connection before the request body ended.'))
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}
