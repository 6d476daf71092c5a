// What an app's own test suite meets when it runs against @tasklane/sdk/testing, as the README shows it:
// default retries, lists walked with `for await`, creates and updates read back. None of it may hang.
import { AbortError, createTasklane, type Problem, TasklaneError, unwrap } from '@tasklane/sdk'
import { fixture, tasklaneHandlers, tasklaneHttp } from '@tasklane/sdk/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'

const baseUrl = 'http://tasklane.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const projectId = 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K'

describe('list mocks end', () => {
  test('paginate over every list mock ends, with one page by default', async () => {
    server.use(...tasklaneHandlers({ baseUrl }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const tasks = []
    for await (const task of tl.paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId } } })) {
      tasks.push(task)
    }
    expect(tasks.length).toBeGreaterThan(0)
    const pages = []
    for await (const page of tl.paginate('/v1/changes').pages()) pages.push(page)
    expect(pages.at(-1)?.nextCursor).toBeNull()
  })

  test('listItems sets how many items every list holds, paged by `limit`, with distinct ids', async () => {
    server.use(...tasklaneHandlers({ baseUrl, listItems: 45 }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const pages = []
    const list = tl.paginate('/v1/projects/{projectId}/tasks', {
      params: { path: { projectId }, query: { limit: 20 } },
    })
    for await (const page of list.pages()) pages.push(page)
    expect(pages.map((p) => p.data.length)).toEqual([20, 20, 5])
    expect(pages.at(-1)?.nextCursor).toBeNull()
    const ids = pages.flatMap((p) => p.data.map((t) => t.id))
    expect(new Set(ids).size).toBe(45)
    for (const id of ids) expect(id).toMatch(/^tsk_[0-9A-Z]{26}$/)
  })

  test('listItems: 0 answers empty lists', async () => {
    server.use(...tasklaneHandlers({ baseUrl, listItems: 0 }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    expect(await tl.paginate('/v1/projects').toArray({ maxItems: 10 })).toEqual([])
  })
})

describe('paginate never starves the event loop', () => {
  test('a server that always answers another cursor is still stopped by a timeout signal', async () => {
    let pages = 0
    server.use(
      http.get(`${baseUrl}/v1/projects`, () => {
        pages++
        // Bounded, so that a paginate that never lets timers run ends the test with a failure, not a hang.
        return HttpResponse.json({ data: [], nextCursor: pages < 200_000 ? `c${pages}` : null })
      }),
    )
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const error = await tl
      .paginate('/v1/projects', { signal: AbortSignal.timeout(50) })
      .toArray({ maxItems: 10 })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(AbortError)
    expect(pages).toBeLessThan(200_000)
  })

  test('a server that answers the cursor it was sent is reported, not followed forever', async () => {
    server.use(http.get(`${baseUrl}/v1/projects`, () => HttpResponse.json({ data: [], nextCursor: 'same' })))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const error = await tl
      .paginate('/v1/projects')
      .toArray({ maxItems: 10 })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(TasklaneError)
    expect((error as TasklaneError).code).toBe('pagination_loop')
  })
})

describe('retries against mocks behave as against a server', () => {
  test('a mocked 503 with a JSON problem body is retried, then the next answer is used', async () => {
    let calls = 0
    const api = tasklaneHttp(baseUrl)
    server.use(...tasklaneHandlers({ baseUrl }))
    server.use(
      api.get('/readyz', ({ response }) => {
        calls++
        if (calls === 1) {
          return response(503).json(fixture('Problem', { status: 503, code: 'service_unavailable' }), {
            headers: { 'Retry-After': '0' },
          })
        }
        return response(200).json({ status: 'ok', database: 'sqlite' })
      }),
    )
    const tl = createTasklane({ baseUrl })
    const ready = await unwrap(tl.GET('/readyz', { signal: AbortSignal.timeout(5000) }))
    expect(ready.status).toBe('ok')
    expect(calls).toBe(2)
  })

  test('a mocked 503 with a JSON body and no Retry-After is retried with the default backoff', async () => {
    let calls = 0
    server.use(
      http.get(`${baseUrl}/readyz`, () => {
        calls++
        return calls === 1
          ? HttpResponse.json({ status: 503, code: 'service_unavailable', title: 'x' }, { status: 503 })
          : HttpResponse.json({ status: 'ok', database: 'sqlite' })
      }),
    )
    const tl = createTasklane({ baseUrl, backoff: { initialMs: 1, maxMs: 5 } })
    expect((await unwrap(tl.GET('/readyz', { signal: AbortSignal.timeout(5000) }))).status).toBe('ok')
    expect(calls).toBe(2)
  })
})

describe('writes echo what was sent', () => {
  test('a create answers the sent fields merged into a valid resource', async () => {
    server.use(...tasklaneHandlers({ baseUrl }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const task = await unwrap(
      tl.POST('/v1/projects/{projectId}/tasks', {
        params: { path: { projectId } },
        body: { title: 'Buy milk', priority: 3 },
      }),
    )
    expect(task).toMatchObject({ title: 'Buy milk', priority: 3, projectId })
    expect(task.id).toMatch(/^tsk_/)
  })

  test('an update answers the patch merged into the resource, with the path id', async () => {
    server.use(...tasklaneHandlers({ baseUrl }))
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    const taskId = 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M00'
    const task = await unwrap(
      tl.PATCH('/v1/tasks/{taskId}', { params: { path: { taskId } }, body: { title: 'Write the launch post' } }),
    )
    expect(task.title).toBe('Write the launch post')
    expect(task.id).toBe(taskId)
  })
})

test('a validation problem fixture with errors type-checks as a documented 400 and reaches the app', async () => {
  const api = tasklaneHttp(baseUrl)
  server.use(
    api.post('/v1/projects/{projectId}/tasks', ({ response }) =>
      response(400).json(
        fixture('Problem', {
          status: 400,
          code: 'validation_failed',
          errors: [{ path: '/body/title', message: 'Required', code: 'invalid_type' }],
        }),
      ),
    ),
  )
  const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
  const { error } = await tl.POST('/v1/projects/{projectId}/tasks', {
    params: { path: { projectId } },
    body: { title: '' },
  })
  expect(error?.errors?.[0]?.path).toBe('/body/title')

  const problem: Problem = fixture('Problem', {
    status: 400,
    code: 'validation_failed',
    errors: [{ path: '/body/title', message: 'Required', code: 'invalid_type' }],
  })
  expect(problem.errors?.[0]?.path).toBe('/body/title')
})
