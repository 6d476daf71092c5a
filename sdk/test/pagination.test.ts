import { AbortError, BadRequestError } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { rejection, sdkOn } from './helpers.js'

const auth = { apiKey: 'tl_test_key' }
const names = (items: { name: string }[]) => items.map((p) => p.name)

describe('pagination', () => {
  test('for await walks every item across more than three pages, one request per page', async () => {
    const s = createFakeServer()
    s.seedProjects(11)
    const tl = sdkOn(s, auth)
    const seen: string[] = []
    for await (const project of tl.paginate('/v1/projects', { params: { query: { limit: 3 } } })) {
      seen.push(project.name)
    }
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => `Project ${i + 1}`))
    expect(s.count('GET', '/v1/projects')).toBe(4)
  })

  test('.pages() yields pages with their cursors and request ids', async () => {
    const s = createFakeServer()
    s.seedProjects(7)
    const tl = sdkOn(s, auth)
    const pages = []
    for await (const page of tl.paginate('/v1/projects', { params: { query: { limit: 3 } } }).pages()) pages.push(page)
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1])
    expect(pages[0]?.cursor).toBeUndefined()
    expect(pages[1]?.cursor).toBe(pages[0]?.nextCursor)
    expect(pages[2]?.nextCursor).toBeNull()
    expect(pages.every((p) => p.requestId?.startsWith('req_'))).toBe(true)
  })

  test('.toArray({ maxItems }) stops early and fetches no more pages than needed', async () => {
    const s = createFakeServer()
    s.seedProjects(20)
    const tl = sdkOn(s, auth)
    const items = await tl.paginate('/v1/projects', { params: { query: { limit: 5 } } }).toArray({ maxItems: 7 })
    expect(names(items)).toEqual(Array.from({ length: 7 }, (_, i) => `Project ${i + 1}`))
    expect(s.count('GET', '/v1/projects')).toBe(2)
  })

  test('the cursor can be saved and resumed without losing an item', async () => {
    const s = createFakeServer()
    s.seedProjects(10)
    const tl = sdkOn(s, auth)
    const first = tl.paginate('/v1/projects', { params: { query: { limit: 4 } } })
    const seen: string[] = []
    for await (const project of first) {
      seen.push(project.name)
      if (seen.length === 6) break // mid-way through the second page
    }
    const saved = first.cursor
    expect(typeof saved).toBe('string')
    const resumed = tl.paginate('/v1/projects', { params: { query: { limit: 4, cursor: saved ?? undefined } } })
    const rest = names(await resumed.toArray({ maxItems: 100 }))
    expect(new Set([...seen, ...rest]).size).toBe(10)
    expect(rest[0]).toBe('Project 5') // resumes at the page it was in, never after it
    expect(resumed.cursor).toBeNull()
  })

  test('an AbortSignal stops the iteration', async () => {
    const s = createFakeServer()
    s.seedProjects(10)
    const tl = sdkOn(s, auth)
    const controller = new AbortController()
    const seen: string[] = []
    const error = await rejection(
      (async () => {
        for await (const p of tl.paginate('/v1/projects', {
          params: { query: { limit: 2 } },
          signal: controller.signal,
        })) {
          seen.push(p.name)
          if (seen.length === 3) controller.abort()
        }
      })(),
    )
    expect(error).toBeInstanceOf(AbortError)
    expect(seen).toHaveLength(3)
  })

  test('an error response is thrown as its error class', async () => {
    const s = createFakeServer()
    s.seedProjects(2)
    const tl = sdkOn(s, auth)
    const error = await rejection(
      tl.paginate('/v1/projects', { params: { query: { cursor: 'bm9wZQ' } } }).toArray({ maxItems: 5 }),
    )
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).code).toBe('invalid_cursor')
  })

  test('pages are retried like any GET', async () => {
    const s = createFakeServer()
    s.seedProjects(4)
    const tl = sdkOn(s, auth)
    const paginator = tl.paginate('/v1/projects', { params: { query: { limit: 2 } } })
    const iterator = paginator[Symbol.asyncIterator]()
    await iterator.next()
    s.fault({ status: 503 })
    expect(names(await paginator.toArray({ maxItems: 10 })).length).toBeGreaterThan(0)
  })
})
