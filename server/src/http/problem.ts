import type { Context } from 'hono'
import type { ApiError } from '../core/api-error.js'
import type { Problem } from '../generated/routes.js'

export const PROBLEM_TYPE_BASE = 'https://tasklane.dev/problems/'

/** Renders an ApiError as the problem+json response for this request. */
export function problemResponse(c: Context, error: ApiError): Response {
  // Details quote the request (paths, field names, header values), which may be of any length; the
  // body keeps within the maxLength limits the spec gives each field.
  const body: Problem = {
    type: PROBLEM_TYPE_BASE + error.code,
    title: clip(error.title, 200),
    status: error.status,
    detail: clip(error.detail, 2000),
    instance: clipUri(new URL(c.req.url).pathname, 2000),
    code: error.code,
    requestId: c.get('requestId') ?? '',
    ...(error.errors
      ? {
          errors: error.errors.slice(0, 100).map((e) => ({
            path: clip(e.path, 500),
            message: clip(e.message, 1000),
            code: clip(e.code, 100),
          })),
        }
      : {}),
  }
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/problem+json' },
  })
}

/**
 * `text` as the spec allows it in a problem: control characters (which a quoted field name may hold) shown
 * as U+FFFD, and cut to at most `max` characters, ending in `…` when cut, never inside a surrogate pair.
 */
function clip(raw: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const text = raw.replace(/[\u0000-\u001F\u007F]/g, '\uFFFD')
  if (text.length <= max) return text
  const cut = /[\uD800-\uDBFF]$/.test(text.slice(0, max - 1)) ? max - 2 : max - 1
  return `${text.slice(0, cut)}…`
}

/**
 * A request path as an RFC 3986 URI reference cut to at most `max` characters (never inside an escape).
 * The URL parser leaves a malformed escape (`/prj_%zz`) and some characters RFC 3986 does not allow in a
 * path (`|`, `^`, `[`) as they came, so those are percent-encoded here: `%zz` becomes `%25zz`.
 */
function clipUri(path: string, max: number): string {
  const encoded = path.replace(NOT_IN_URI_PATH, (char) => (char === '%' ? '%25' : percentEncode(char)))
  return encoded.length <= max ? encoded : encoded.slice(0, max).replace(/%[0-9A-Fa-f]?$/, '')
}

// A `%` that does not start an escape, or a character outside RFC 3986's pchar and `/`.
const NOT_IN_URI_PATH = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g

// A lone surrogate has no UTF-8 form; it stands for U+FFFD, as the URL parser would have made it.
const percentEncode = (char: string) => {
  try {
    return encodeURIComponent(char)
  } catch {
    return '%EF%BF%BD'
  }
}
