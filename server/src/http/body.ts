import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.js'
import { ApiError } from './problem.js'

/**
 * How deep arrays and objects may nest in a JSON body. No operation's schema comes near it; the bound
 * exists because parsing and validating very deep nesting (800 KB of `[[[…]]]`) blocks the event loop for
 * hundreds of milliseconds, while finding the depth first is one linear pass.
 */
const MAX_JSON_DEPTH = 64

/**
 * Guards an operation's request body before validation: a media type the operation does not take is a
 * 415, JSON nested deeper than MAX_JSON_DEPTH is a 400 `json_too_deep`, and JSON that does not parse is
 * a 400 `malformed_json` (the body text is cached for the validator, so it is read once).
 */
export function bodyGuard(mediaTypes: string[]) {
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
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
        throw new ApiError(
          400,
          'json_too_deep',
          `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH}.`,
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
 * Whether JSON text nests arrays and objects deeper than `limit`, found in one pass that skips strings and
 * stops at the first level too deep. Text that is not JSON gets some answer; JSON.parse refuses it next.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c)
        i++ // a backslash escapes the next character, a quote included
      else if (char === 0x22) inString = false
    } else if (char === 0x22) {
      inString = true
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true
    } else if (char === 0x5d || char === 0x7d) {
      depth--
    }
  }
  return false
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
 * counted and its 413 carries the RateLimit headers like any other answer.
 */
export function bodySizeLimit(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'content_too_large', `The request body is larger than ${maxBytes} bytes.`)
    },
  })
}
