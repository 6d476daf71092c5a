import { etagOf, PreconditionFailedError, TasklaneError, unwrap } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { rejection, sdkOn } from './helpers.js'

const auth = { apiKey: 'tl_test_key' }

describe('conditional requests', () => {
  test('etagOf keeps the version that was read; ifMatch sends it', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    const created = await unwrap(tl.POST('/v1/projects', { body: { name: 'A' } }))
    const path = { projectId: created.id }
    const read = await tl.GET('/v1/projects/{projectId}', { params: { path } })
    expect(etagOf(read)).toBe('"1"')
    const updated = await tl.PATCH('/v1/projects/{projectId}', {
      params: { path },
      body: { name: 'B' },
      ifMatch: etagOf(read),
    })
    expect(updated.data?.name).toBe('B')
    expect(s.requests.at(-1)?.headers.get('If-Match')).toBe('"1"')
  })

  test('a stale version fails with PreconditionFailedError carrying the current ETag', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    const created = await tl.POST('/v1/projects', { body: { name: 'A' } })
    const path = { projectId: created.data?.id ?? '' }
    await tl.PATCH('/v1/projects/{projectId}', { params: { path }, body: { name: 'by someone else' } })
    const error = await rejection(
      unwrap(tl.PATCH('/v1/projects/{projectId}', { params: { path }, body: { name: 'B' }, ifMatch: etagOf(created) })),
    )
    expect(error).toBeInstanceOf(PreconditionFailedError)
    expect((error as PreconditionFailedError).etag).toBe('"2"')
    expect((error as PreconditionFailedError).code).toBe('precondition_failed')
  })

  test('ifMatch: true sends the ETag this client last saw for the URL (read, create or update)', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    const created = await unwrap(tl.POST('/v1/projects', { body: { name: 'A' } }))
    const path = { projectId: created.id }
    // Remembered from the create's Location.
    await unwrap(tl.PATCH('/v1/projects/{projectId}', { params: { path }, body: { name: 'B' }, ifMatch: true }))
    await unwrap(tl.PATCH('/v1/projects/{projectId}', { params: { path }, body: { name: 'C' }, ifMatch: true }))
    const sent = s.requests.filter((r) => r.method === 'PATCH').map((r) => r.headers.get('If-Match'))
    expect(sent).toEqual(['"1"', '"2"'])
  })

  test('ifMatch with no known ETag fails before sending instead of updating unconditionally', async () => {
    const s = createFakeServer()
    s.seedProjects(1)
    const tl = sdkOn(s, auth)
    const params = { path: { projectId: 'prj_1' } }
    const error = await rejection(tl.PATCH('/v1/projects/{projectId}', { params, body: { name: 'B' }, ifMatch: true }))
    expect(error).toBeInstanceOf(TasklaneError)
    expect((error as TasklaneError).code).toBe('no_etag')
    expect(
      await rejection(tl.PATCH('/v1/projects/{projectId}', { params, body: { name: 'B' }, ifMatch: null })),
    ).toBeInstanceOf(TasklaneError)
    expect(s.requests).toHaveLength(0)
  })
})
