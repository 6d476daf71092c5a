import type { Context, TypedResponse } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { JSONParsed } from 'hono/utils/types'

/** What `c.json(value, status)` answers, typed as it types it. */
type JsonAnswer = <T extends object, S extends ContentfulStatusCode>(
  c: Context,
  value: T,
  status: S,
) => Response & TypedResponse<JSONParsed<T>, S, 'json'>

/**
 * `c.json(value, status)` that serialises a frozen value once, on its first answer, and sends the same
 * text after: what a kept page of a list is (see `stampedCache`), answered again while nothing changed.
 * A value that is not frozen may change between answers, so it is serialised every time, as `c.json` does.
 *
 * @example
 * const json = jsonOnce()
 * return json(c, page, 200)
 */
export function jsonOnce(): JsonAnswer {
  const texts = new WeakMap<object, string>()
  return <T extends object, S extends ContentfulStatusCode>(c: Context, value: T, status: S) => {
    if (!Object.isFrozen(value)) return c.json(value, status)
    let text = texts.get(value)
    if (text === undefined) {
      text = JSON.stringify(value)
      texts.set(value, text)
    }
    // The answer c.json would make of it: the same body, status and Content-Type.
    return c.body(text, status, { 'Content-Type': 'application/json' }) as unknown as Response &
      TypedResponse<JSONParsed<T>, S, 'json'>
  }
}
