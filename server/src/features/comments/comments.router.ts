import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { commentsHandlers } from './comments.handlers.js'

export function createCommentsRouter(services: Services) {
  const h = commentsHandlers(services)
  return createRouter()
    .operation('listComments', h.listComments)
    .operation('createComment', h.createComment)
    .operation('updateComment', h.updateComment)
    .operation('deleteComment', h.deleteComment)
}
