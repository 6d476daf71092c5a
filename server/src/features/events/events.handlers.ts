import type { operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function eventsHandlers({ events }: Services) {
  const streamEvents: AppRouteHandler<Routes['streamEvents']> = async (c) => {
    const principal = requireAuth(c, 'read')
    // requireAuth succeeded, so the header holds a well-formed bearer credential.
    const credential = (c.req.header('authorization') ?? '').replace(/^Bearer +/i, '').trim()
    const { since, projectId } = c.req.valid('query')
    const lastEventId = c.req.valid('header')['Last-Event-ID']
    const body = await events.open(principal, credential, {
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
    })
    return c.body(body, 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: proxies must not compress (or otherwise hold back) the stream.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    })
  }

  return { streamEvents }
}
