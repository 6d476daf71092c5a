import { etagOf } from '../../core/etag.js'
import type { Comment, operations } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { setNextLink } from '../../http/pagination.js'
import { answersWith } from '../../idempotency/idempotency.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function commentsHandlers({ comments }: Services) {
  const listComments: AppRouteHandler<Routes['listComments']> = async (c) => {
    const { limit = 20, cursor } = c.req.valid('query')
    const page = await comments.list(requireAuth(c, 'read'), c.req.valid('param').taskId, { limit, cursor })
    setNextLink(c, page.nextCursor)
    return c.json(page, 200)
  }

  const createComment: AppRouteHandler<Routes['createComment']> = async (c) => {
    const respond = answersWith(c, (comment: Comment) =>
      c.json(comment, 201, { Location: `/v1/comments/${comment.id}`, ETag: etagOf(comment.version) }),
    )
    return respond(await comments.create(requireAuth(c, 'write'), c.req.valid('param').taskId, c.req.valid('json')))
  }

  const updateComment: AppRouteHandler<Routes['updateComment']> = async (c) => {
    const ifMatch = c.req.valid('header')['If-Match']
    const comment = await comments.update(
      requireAuth(c, 'write'),
      c.req.valid('param').commentId,
      c.req.valid('json'),
      ifMatch,
    )
    return c.json(comment, 200, { ETag: etagOf(comment.version) })
  }

  const deleteComment: AppRouteHandler<Routes['deleteComment']> = async (c) => {
    await comments.remove(requireAuth(c, 'write'), c.req.valid('param').commentId, c.req.valid('header')['If-Match'])
    return c.body(null, 204)
  }

  return { listComments, createComment, updateComment, deleteComment }
}
