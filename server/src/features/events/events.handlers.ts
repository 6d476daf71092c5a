import type { operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function eventsHandlers({ events }: Services) {
  const streamEvents: AppRouteHandler<Routes['streamEvents']> = async (c) => {
    const principal = requireAuth(c, 'read')
    const query = c.req.valid('query')
    const { projectId } = query
    const lastEventId = c.req.valid('header')['Last-Event-ID']
    const since = await events.start(principal, {
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
    })
    const headers = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: proxies must not compress (or otherwise hold back) the stream.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    }
    // HEAD answers as GET would, without a body: Hono drops the body of a HEAD response unread, so a stream
    // opened for it would never learn that nobody reads it.
    if (c.req.method === 'HEAD') return c.body(null, 200, headers)
    return c.body(events.stream(principal, since, projectId), 200, headers)
  }

  return { streamEvents }
}
