import type { Middleware } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { sdkOn } from './helpers.js'

describe('openapi-fetch middleware', () => {
  test('sees a real Request once per call; retries, replays and idempotency keys still work', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, { apiKey: 'tl_test_key' })
    const seen: string[] = []
    const tag: Middleware = {
      onRequest({ request }) {
        seen.push(`${request instanceof Request} ${request.method} ${new URL(request.url).pathname}`)
        request.headers.set('X-App', 'notes')
        return request
      },
    }
    tl.use(tag)
    s.fault({ status: 503 })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    s.fault({ drop: 'after' })
    const created = await tl.POST('/v1/projects', { body: { name: 'A' } })
    expect(created.response.status).toBe(201)
    expect(s.state.projects.size).toBe(1)
    expect(seen).toEqual(['true GET /v1/me', 'true POST /v1/projects'])
    expect(s.requests.map((r) => r.headers.get('X-App'))).toEqual(['notes', 'notes', 'notes', 'notes'])
    const keys = s.requests.filter((r) => r.method === 'POST').map((r) => r.headers.get('Idempotency-Key'))
    expect(keys[0]).toBeTruthy()
    expect(keys[1]).toBe(keys[0])

    tl.eject(tag)
    await tl.GET('/v1/me')
    expect(seen).toHaveLength(2)
    expect(s.requests.at(-1)?.headers.get('X-App')).toBeNull()
  })
})
