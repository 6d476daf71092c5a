// The SDK's paginator over real lists of the live server, more than three pages long.
import { AbortError, unwrap } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { present } from '../../src/test/present.js'
import { startLiveServer } from './support/live.js'

describe('pagination against the live server', () => {
  test('for await walks every API key over five pages of two, in the order of one big page', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    const created = new Set<string>()
    for (let i = 1; i <= 9; i++) {
      created.add((await unwrap(tl.POST('/v1/me/api-keys', { body: { name: `key ${i}`, scopes: ['read'] } }))).id)
    }
    const before = live.count('GET', '/v1/me/api-keys')

    const names: string[] = []
    for await (const key of tl.paginate('/v1/me/api-keys', { params: { query: { limit: 2 } } })) names.push(key.name)
    expect(live.count('GET', '/v1/me/api-keys') - before).toBe(5)

    const all = await unwrap(tl.GET('/v1/me/api-keys', { params: { query: { limit: 100 } } }))
    expect(all.nextCursor).toBeNull()
    expect(names).toEqual(all.data.map((k) => k.name))
    expect(new Set(all.data.map((k) => k.id))).toEqual(created)
  })

  test('pages() yields each page with the cursor that fetched it; toArray stops at maxItems', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    for (let i = 0; i < 3; i++) {
      await unwrap(tl.POST('/v1/auth/login', { body: { email: user.email, password: user.password } }))
    }
    const pages = []
    for await (const page of tl.paginate('/v1/me/sessions', { params: { query: { limit: 1 } } }).pages())
      pages.push(page)
    expect(pages).toHaveLength(4) // the sign-up's session and three log-ins
    expect(pages[0]?.cursor).toBeUndefined()
    for (let i = 1; i < pages.length; i++) expect(pages[i]?.cursor).toBe(pages[i - 1]?.nextCursor)
    expect(pages.at(-1)?.nextCursor).toBeNull()
    expect(new Set(pages.flatMap((p) => p.data.map((s) => s.id))).size).toBe(4)
    for (const page of pages) expect(page.requestId).toBe(page.response.headers.get('x-request-id'))

    const before = live.count('GET', '/v1/me/sessions')
    const first3 = await tl.paginate('/v1/me/sessions', { params: { query: { limit: 2 } } }).toArray({ maxItems: 3 })
    expect(first3.map((s) => s.id)).toEqual(pages.slice(0, 3).map((p) => p.data[0]?.id))
    expect(live.count('GET', '/v1/me/sessions') - before).toBe(2)
  })

  test('a walk stopped part-way resumes from its cursor without skipping an item', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    for (let i = 1; i <= 7; i++) await unwrap(tl.POST('/v1/me/api-keys', { body: { name: `k${i}`, scopes: ['read'] } }))
    const walk = tl.paginate('/v1/me/api-keys', { params: { query: { limit: 2 } } })
    const seen: string[] = []
    for await (const key of walk) {
      seen.push(key.name)
      if (seen.length === 3) break // in the middle of the second page
    }
    expect(typeof walk.cursor).toBe('string')
    const resumed = tl.paginate('/v1/me/api-keys', {
      params: { query: { limit: 2, cursor: present(walk.cursor, 'the cursor') } },
    })
    const rest = await resumed.toArray({ maxItems: 100 })
    expect(resumed.cursor).toBeNull()
    const all = (await unwrap(tl.GET('/v1/me/api-keys', { params: { query: { limit: 100 } } }))).data.map((k) => k.name)
    // It may repeat part of the page it stopped in, never skip one.
    expect([...new Set([...seen, ...rest.map((k) => k.name)])]).toEqual(all)
  })

  test('a signal stops the walk between pages', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    for (let i = 1; i <= 6; i++) await unwrap(tl.POST('/v1/me/api-keys', { body: { name: `k${i}`, scopes: ['read'] } }))
    const controller = new AbortController()
    const before = live.count('GET', '/v1/me/api-keys')
    const names: string[] = []
    const error = await (async () => {
      for await (const key of tl.paginate('/v1/me/api-keys', {
        params: { query: { limit: 2 } },
        signal: controller.signal,
      })) {
        names.push(key.name)
        if (names.length === 2) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    expect(names).toHaveLength(2)
    expect(live.count('GET', '/v1/me/api-keys') - before).toBe(1)
  })
})
