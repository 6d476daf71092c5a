import { etagOf, isNotModified } from '../../core/etag.js'
import type { operations, Task } from '../../generated/routes.js'
import { requireAuth } from '../../http/auth.js'
import type { AppRouteHandler } from '../../http/env.js'
import { jsonOnce } from '../../http/json-once.js'
import { setNextLink } from '../../http/pagination.js'
import { answersWith } from '../../idempotency/idempotency.js'
import type { Services } from '../services.js'

type Routes = typeof operations

export function tasksHandlers({ tasks }: Services) {
  // Pages the service kept come back frozen and are serialised once.
  const json = jsonOnce()
  const listTasks: AppRouteHandler<Routes['listTasks']> = async (c) => {
    const { limit = 20, ...query } = c.req.valid('query')
    const page = await tasks.list(requireAuth(c, 'read'), c.req.valid('param').projectId, { limit, ...query })
    setNextLink(c, page.nextCursor)
    return json(c, page, 200)
  }

  const createTask: AppRouteHandler<Routes['createTask']> = async (c) => {
    const respond = answersWith(c, (task: Task) =>
      c.json(task, 201, { Location: `/v1/tasks/${task.id}`, ETag: etagOf(task.version) }),
    )
    return respond(await tasks.create(requireAuth(c, 'write'), c.req.valid('param').projectId, c.req.valid('json')))
  }

  const getTask: AppRouteHandler<Routes['getTask']> = async (c) => {
    const task = await tasks.get(requireAuth(c, 'read'), c.req.valid('param').taskId)
    const etag = etagOf(task.version)
    if (isNotModified(c.req.valid('header')['If-None-Match'], task.version)) return c.body(null, 304, { ETag: etag })
    return c.json(task, 200, { ETag: etag })
  }

  const updateTask: AppRouteHandler<Routes['updateTask']> = async (c) => {
    const ifMatch = c.req.valid('header')['If-Match']
    const task = await tasks.update(requireAuth(c, 'write'), c.req.valid('param').taskId, c.req.valid('json'), ifMatch)
    return c.json(task, 200, { ETag: etagOf(task.version) })
  }

  const deleteTask: AppRouteHandler<Routes['deleteTask']> = async (c) => {
    await tasks.remove(requireAuth(c, 'write'), c.req.valid('param').taskId, c.req.valid('header')['If-Match'])
    return c.body(null, 204)
  }

  return { listTasks, createTask, getTask, updateTask, deleteTask }
}
