// The SDK on projects and tasks of the live server: a create whose answer is lost, replayed by the server
// from its Idempotency-Key; pagination over tasks; conditional updates; the errors only tasks can give.
import {
  etagOf,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  UnprocessableEntityError,
  unwrap,
} from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { present } from '../../src/test/present.js'
import { type LiveServer, startLiveServer } from './support/live.js'

async function projectOf(live: LiveServer) {
  const user = await live.signUp()
  const tl = live.sdk({ accessToken: user.accessToken })
  const project = await unwrap(tl.POST('/v1/projects', { body: { name: 'Live' } }))
  return { user, tl, project, path: { projectId: project.id } }
}

describe('tasks against the live server', () => {
  test('createTask retried after the connection dropped once the server acted creates exactly one task', async () => {
    const live = await startLiveServer()
    const { tl, path } = await projectOf(live)
    live.fault({ drop: 'after' })
    const { data, response } = await tl.POST('/v1/projects/{projectId}/tasks', {
      params: { path },
      body: { title: 'Write the report' },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('idempotent-replayed')).toBe('true')
    const attempts = live.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/tasks'))
    expect(attempts.map((a) => a.reachedServer)).toEqual([true, true])
    expect(attempts[1]?.headers.get('idempotency-key')).toBe(attempts[0]?.headers.get('idempotency-key'))
    const tasks = await unwrap(tl.GET('/v1/projects/{projectId}/tasks', { params: { path } }))
    expect(tasks.data.map((t) => t.id)).toEqual([data?.id])
  })

  test('concurrent creates that all lose their first answer still make one task each', async () => {
    const live = await startLiveServer()
    const { tl, path } = await projectOf(live)
    live.fault({ drop: 'after' }, { drop: 'after' }, { drop: 'after' })
    const titles = ['one', 'two', 'three', 'four']
    const results = await Promise.all(
      titles.map((title) => unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title } }))),
    )
    const listed = await unwrap(tl.GET('/v1/projects/{projectId}/tasks', { params: { path, query: { limit: 100 } } }))
    expect(listed.data.map((t) => t.title).sort()).toEqual([...titles].sort())
    expect(new Set(results.map((t) => t.id))).toEqual(new Set(listed.data.map((t) => t.id)))
  })

  test('paginate walks a project’s tasks over more than three pages', async () => {
    const live = await startLiveServer()
    const { tl, path } = await projectOf(live)
    for (let i = 1; i <= 11; i++) {
      await unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: `Task ${i}` } }))
    }
    const before = live.count('GET', `/v1/projects/${path.projectId}/tasks`)
    const pages = []
    for await (const page of tl
      .paginate('/v1/projects/{projectId}/tasks', {
        params: { path, query: { limit: 3 } },
      })
      .pages()) {
      pages.push(page)
    }
    expect(pages).toHaveLength(4)
    expect(live.count('GET', `/v1/projects/${path.projectId}/tasks`) - before).toBe(4)
    const titles = pages.flatMap((p) => p.data.map((t) => t.title))
    const all = await unwrap(tl.GET('/v1/projects/{projectId}/tasks', { params: { path, query: { limit: 100 } } }))
    expect(titles).toEqual(all.data.map((t) => t.title))
    expect(new Set(titles).size).toBe(11)
    const items = await tl
      .paginate('/v1/projects/{projectId}/tasks', { params: { path, query: { limit: 2 } } })
      .toArray({
        maxItems: 100,
      })
    expect(items.map((t) => t.title)).toEqual(titles)
  })

  test('412 PreconditionFailedError on a stale If-Match, carrying the current ETag; ifMatch: true sends the latest', async () => {
    const live = await startLiveServer()
    const { tl, path } = await projectOf(live)
    const created = await tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'Draft' } })
    const taskId = present(created.data, 'the created task').id
    const stale = etagOf(created)
    expect(stale).toMatch(/\S/)
    // It changes meanwhile (the client now knows the new ETag; `stale` is what another tab still holds).
    const changed = await tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { title: 'Final' } })
    expect(changed.response.status).toBe(200)

    const error = await unwrap(
      tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { title: 'Mine' }, ifMatch: stale }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionFailedError)
    expect((error as PreconditionFailedError).etag).toBe(etagOf(changed))
    expect((error as PreconditionFailedError).requestId).toMatch(/\S/)

    const updated = await unwrap(
      tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { title: 'Mine' }, ifMatch: true }),
    )
    expect(updated.title).toBe('Mine')
  })

  test('403 for a read API key creating a task; 404 for a task in a project the caller cannot see', async () => {
    const live = await startLiveServer()
    const { user, tl, path } = await projectOf(live)
    const { key } = await unwrap(tl.POST('/v1/me/api-keys', { body: { name: 'reader', scopes: ['read'] } }))
    const reader = live.sdk({ apiKey: key })
    expect((await reader.GET('/v1/projects/{projectId}/tasks', { params: { path } })).response.status).toBe(200)
    const denied = await unwrap(
      reader.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'Nope' } }),
    ).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(PermissionDeniedError)
    expect((denied as PermissionDeniedError).code).toBe('insufficient_scope')

    const task = await unwrap(
      tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'Secret' } }),
    )
    const stranger = live.sdk({ accessToken: (await live.signUp()).accessToken })
    const hidden = await unwrap(stranger.GET('/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } })).catch(
      (e: unknown) => e,
    )
    expect(hidden).toBeInstanceOf(NotFoundError)
    expect(user.user.id).not.toBe((await unwrap(stranger.GET('/v1/me'))).id)
  })

  test('422 UnprocessableEntityError for an Idempotency-Key reused with another body', async () => {
    const live = await startLiveServer()
    const { tl, path } = await projectOf(live)
    const header = { 'Idempotency-Key': 'import-row-42' }
    await unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path, header }, body: { title: 'First' } }))
    const again = await tl.POST('/v1/projects/{projectId}/tasks', {
      params: { path, header },
      body: { title: 'First' },
    })
    expect(again.response.headers.get('idempotent-replayed')).toBe('true')
    const error = await unwrap(
      tl.POST('/v1/projects/{projectId}/tasks', { params: { path, header }, body: { title: 'Other' } }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnprocessableEntityError)
    expect((error as UnprocessableEntityError).code).toBe('idempotency_key_reused')
  })
})
