import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.js'
import { ApiError } from './problem.js'

/**
 * Guards an operation's request body before validation: a media type the operation does not take is a
 * 415, and JSON that does not parse is a 400 `malformed_json` (the parsed body is cached for the
 * validator, so it is read once).
 */
export function bodyGuard(mediaTypes: string[]) {
  const accepted = mediaTypes.map((t) => t.toLowerCase())
  return createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header('content-type')
    const hasBody = contentType !== undefined || (c.req.header('content-length') ?? '0') !== '0'
    if (!hasBody) return next()
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (!accepted.includes(mediaType)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `This operation takes ${accepted.join(' or ')}, not ${mediaType || 'a body without Content-Type'}.`,
        { headers: acceptHeader(c.req.method, accepted) },
      )
    }
    if (mediaType === 'application/json') {
      try {
        await c.req.json()
      } catch {
        throw new ApiError(400, 'malformed_json', 'The request body is not valid JSON.')
      }
    }
    return next()
  })
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
