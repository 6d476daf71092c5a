import { operations } from '../../generated/routes.js'
import { createRouter } from '../../http/router.js'
import type { Services } from '../services.js'
import { commentsHandlers } from './comments.handlers.js'

export function createCommentsRouter(services: Services) {
  const h = commentsHandlers(services)
  return createRouter()
    .openapi(operations.listComments, h.listComments)
    .openapi(operations.createComment, h.createComment)
    .openapi(operations.updateComment, h.updateComment)
    .openapi(operations.deleteComment, h.deleteComment)
}
