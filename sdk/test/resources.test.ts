// The generated resource methods: one per operation, named by its operationId within its tag's group, and
// doing what the path-string call of the same operation does.
import { readFileSync } from 'node:fs'
import { createTasklane, isNotModified, type Task, type TasklaneClient } from '@tasklane/sdk'
import * as eventsEntry from '@tasklane/sdk/events'
import { tasklaneHandlers, tasklaneHttp } from '@tasklane/sdk/testing'
import * as uploadsEntry from '@tasklane/sdk/uploads'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { parse } from 'yaml'
// @ts-expect-error a plain .mjs script without declarations
import { resourcesModule, STREAM_FUNCTION, UPLOAD_FUNCTION } from '../../scripts/sdk-resources.mjs'
import { operationMethods, resourceTable } from '../src/generated/resources.js'

const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'))
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']
const operationIds: string[] = Object.values(spec.paths as Record<string, Record<string, { operationId?: string }>>)
  .flatMap((item) => METHODS.map((m) => item[m]?.operationId))
  .filter((id): id is string => typeof id === 'string')

const baseUrl = 'http://tasklane.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

describe('every operation has exactly one method', () => {
  const tl = createTasklane({ baseUrl, apiKey: 'tl_test' }) as unknown as Record<string, Record<string, unknown>>

  test('each operationId maps to a method that exists on the client, or to the events entry', () => {
    expect(Object.keys(operationMethods).sort()).toEqual([...operationIds].sort())
    for (const id of operationIds) {
      if (operationMethods[id] === STREAM_FUNCTION) {
        expect(typeof eventsEntry.events, `${id} → events()`).toBe('function')
        continue
      }
      if (operationMethods[id] === UPLOAD_FUNCTION) {
        expect(typeof uploadsEntry.upload, `${id} → upload()`).toBe('function')
        continue
      }
      const [group = '', name = ''] = (operationMethods[id] ?? '').split('.')
      expect(typeof tl[group]?.[name], `${id} → tl.${group}.${name}`).toBe('function')
    }
  })

  test('no two operations share a method, and no method is left without an operation', () => {
    // The entries' functions (events(), upload()) each serve a whole protocol; every other operation is one method.
    const entries = [STREAM_FUNCTION, UPLOAD_FUNCTION]
    const methods = Object.values(operationMethods).filter((m) => !entries.includes(m))
    expect(new Set(methods).size).toBe(methods.length)
    const inTable = Object.entries(resourceTable).flatMap(([group, m]) => Object.keys(m).map((n) => `${group}.${n}`))
    expect(inTable.sort()).toEqual([...methods].sort())
  })

  test('names read as the tag and the verb: tl.tasks.create, tl.apiKeys.list; the stream is events(tl)', () => {
    expect(operationMethods.createTask).toBe('tasks.create')
    expect(operationMethods.listTasks).toBe('tasks.list')
    expect(operationMethods.updateTask).toBe('tasks.update')
    expect(operationMethods.listApiKeys).toBe('apiKeys.list')
    expect(operationMethods.streamEvents).toBe('events (@tasklane/sdk/events)')
    expect(operationMethods.listChanges).toBe('events.listChanges')
    expect(operationMethods.getUnreadNotificationCount).toBe('notifications.getUnreadCount')
  })
})

describe('resource methods against the mocks', () => {
  const projectId = 'prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
  const client = (): TasklaneClient => createTasklane({ baseUrl, apiKey: 'tl_test' })

  test('create, list with a filter, and update with ifMatch send what the path-string calls send', async () => {
    const seen: Request[] = []
    server.events.on('request:start', ({ request }) => {
      seen.push(request.clone())
    })
    server.use(...tasklaneHandlers({ baseUrl, listItems: 3 }))
    const tl = client()
    const task: Task = await tl.tasks.create(projectId, { title: 'Buy milk' })
    expect(task.title).toBe('Buy milk')
    const post = seen.at(-1)
    expect(post?.method).toBe('POST')
    expect(new URL(post?.url ?? '').pathname).toBe(`/v1/projects/${projectId}/tasks`)
    expect(post?.headers.get('idempotency-key')).toBeTruthy()

    const titles: string[] = []
    for await (const t of tl.tasks.list(projectId, { status: 'todo', limit: 2 })) titles.push(t.title)
    expect(titles).toHaveLength(3)
    const list = new URL(seen.at(-1)?.url ?? '')
    expect(list.searchParams.get('status')).toBe('todo')

    const updated = await tl.tasks.update(task.id, { status: 'done' }, { ifMatch: '"3"' })
    expect(updated.status).toBe('done')
    expect(seen.at(-1)?.headers.get('if-match')).toBe('"3"')
    server.events.removeAllListeners()
  })

  test('a read with ifNoneMatch resolves to NotModified on 304, in the throwing and the result style', async () => {
    const api = tasklaneHttp(baseUrl)
    server.use(
      api.get('/v1/tasks/{taskId}', ({ request, response }) =>
        request.headers.get('if-none-match') === '"2"'
          ? response(304).empty({ headers: { ETag: '"2"' } })
          : response.untyped(new Response(null, { status: 500 })),
      ),
    )
    const tl = client()
    const taskId = 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
    const read = await tl.tasks.get(taskId, { ifNoneMatch: '"2"' })
    expect(isNotModified(read)).toBe(true)
    if (isNotModified(read)) expect(read.etag).toBe('"2"')

    const result = await tl.GET('/v1/tasks/{taskId}', {
      params: { path: { taskId }, header: { 'If-None-Match': '"2"' } },
    })
    expect(result.notModified).toBe(true)
    expect(result.data).toBeUndefined()
    expect(result.error).toBeUndefined()
  })

  test('delete resolves to nothing; text operations resolve to the text', async () => {
    server.use(...tasklaneHandlers({ baseUrl }))
    const tl = client()
    expect(await tl.tasks.delete('tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K')).toBeUndefined()
    expect(await tl.operations.getMetrics()).toContain('http_requests_total')
  })
})

describe('versions and deprecations', () => {
  test('every request names the SDK and its version in Tasklane-Client', async () => {
    let header: string | null = null
    const api = tasklaneHttp(baseUrl)
    server.use(
      api.get('/healthz', ({ request, response }) => {
        header = request.headers.get('tasklane-client')
        return response(200).json({ status: 'ok' })
      }),
    )
    await createTasklane({ baseUrl }).operations.getHealth()
    expect(header).toMatch(/^tasklane-sdk-js\/\d+\.\d+\.\d+$/)
  })

  test('a response marked Deprecation warns once per operation, with the sunset date', async () => {
    const api = tasklaneHttp(baseUrl)
    server.use(
      api.get('/v1/me', ({ response }) =>
        response.untyped(
          Response.json(
            { id: 'usr_1', email: 'a@b.c', name: 'A', emailVerified: true, createdAt: '', updatedAt: '' },
            { headers: { Deprecation: '@1790000000', Sunset: 'Sat, 01 May 2027 00:00:00 GMT' } },
          ),
        ),
      ),
    )
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const tl = createTasklane({ baseUrl, apiKey: 'tl_test' })
    await tl.account.getMe()
    await tl.GET('/v1/me')
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]?.[0])).toBe(
      '[tasklane] GET /v1/me is deprecated: it is removed after Sat, 01 May 2027 00:00:00 GMT',
    )
    warn.mockRestore()
  })

  test('an operation deprecated in the spec is @deprecated in the generated types; its Deprecation header warns when called', () => {
    const doc = {
      tags: [{ name: 'Things', description: 'Things.' }],
      paths: {
        '/v1/things/{thingId}': {
          get: {
            operationId: 'getThing',
            tags: ['Things'],
            summary: 'Get a thing',
            deprecated: true,
            'x-deprecated-at': '2026-11-01',
            'x-sunset': '2027-05-01',
            parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 204: { description: 'Nothing.' } },
          },
        },
      },
    }
    const module: string = resourcesModule(doc, '')
    expect(module).toContain('@deprecated This operation is deprecated. It is removed after 2027-05-01.')
    expect(module).toContain("get: ['GET', '/v1/things/{thingId}', 'n'],")
  })

  test('a second Server-Sent Events operation fails the generation, since only streamEvents has a client', () => {
    const stream = (operationId: string) => ({
      get: {
        operationId,
        tags: ['Events'],
        responses: {
          200: { description: 'A stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        },
      },
    })
    const doc = { paths: { '/v1/events': stream('streamEvents'), '/v1/other-events': stream('streamOtherEvents') } }
    expect(() => resourcesModule(doc, '')).toThrow(/streamOtherEvents streams Server-Sent Events/)
    const one = resourcesModule({ paths: { '/v1/events': stream('streamEvents') } }, '')
    expect(one).toContain(`streamEvents: '${STREAM_FUNCTION}',`)
    expect(one).not.toContain("'/v1/events'")
  })
})
