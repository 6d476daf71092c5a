import type { operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function changesHandlers({ changes }: Services) {
  const listChanges: AppRouteHandler<Routes['listChanges']> = async (c) => {
    const { limit = 20, ...query } = c.req.valid('query')
    const page = await changes.list(requireAuth(c, 'read'), { limit, ...query })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }
  return { listChanges }
}
