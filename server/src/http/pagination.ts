import type { Context } from 'hono'

/**
 * Sets `Link: <…>; rel="next"` (RFC 8288) to the same request with `cursor` replaced, so a client can
 * follow pages without building URLs; nothing is set on the last page.
 */
export function setNextLink(c: Context, nextCursor: string | null): void {
  if (!nextCursor) return
  const url = new URL(c.req.url)
  url.searchParams.set('cursor', nextCursor)
  c.header('Link', `<${url.pathname}${url.search}>; rel="next"`)
}
