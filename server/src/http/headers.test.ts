import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'

describe('request ids', () => {
  it('puts the echoed or generated id in problem bodies too', async () => {
    const t = await createTestApp()
    const echoed = await t.request('/nowhere', { headers: { 'X-Request-Id': 'client-chosen.id:1' } })
    expect(echoed.headers.get('x-request-id')).toBe('client-chosen.id:1')
    expect((await echoed.json()).requestId).toBe('client-chosen.id:1')

    const generated = await t.request('/nowhere', { headers: { 'X-Request-Id': 'x'.repeat(201) } })
    const id = generated.headers.get('x-request-id')
    expect(id).toMatch(/^req_[0-9a-f]{32}$/)
    expect((await generated.json()).requestId).toBe(id)
  })
})

describe('CORS', () => {
  const ORIGIN = 'https://app.example.com'

  it('allows the origins in CORS_ORIGINS and exposes the documented headers', async () => {
    const t = await createTestApp({ CORS_ORIGINS: `${ORIGIN}, https://other.example.com` })
    const res = await t.request('/healthz', { headers: { Origin: ORIGIN } })
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('vary')).toMatch(/origin/i)
    const exposed = res.headers.get('access-control-expose-headers')?.split(/,\s*/) ?? []
    expect(exposed).toEqual(expect.arrayContaining(['X-Request-Id', 'ETag', 'Link', 'RateLimit', 'Retry-After']))
  })

  it('gives an origin not in CORS_ORIGINS no CORS headers', async () => {
    const t = await createTestApp({ CORS_ORIGINS: ORIGIN })
    const res = await t.request('/healthz', { headers: { Origin: 'https://evil.example.net' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows no cross-origin calls by default', async () => {
    const t = await createTestApp()
    const res = await t.request('/healthz', { headers: { Origin: ORIGIN } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers a preflight from an allowed origin with methods, headers and max age', async () => {
    const t = await createTestApp({ CORS_ORIGINS: ORIGIN })
    // A preflight is not an API operation, so it goes to the app directly rather than through the spec check.
    const res = await t.app.fetch(
      new Request('http://tasklane.test/healthz', {
        method: 'OPTIONS',
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'PATCH',
          'Access-Control-Request-Headers': 'authorization, if-match',
        },
      }),
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH')
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? ''
    expect(allowed).toContain('authorization')
    expect(allowed).toContain('if-match')
    expect(res.headers.get('access-control-max-age')).toBe('600')

    const refused = await t.app.fetch(
      new Request('http://tasklane.test/healthz', {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example.net', 'Access-Control-Request-Method': 'PATCH' },
      }),
    )
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('secure headers', () => {
  it('are on successful and problem responses alike', async () => {
    const t = await createTestApp()
    for (const path of ['/healthz', '/nowhere']) {
      const res = await t.request(path)
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN')
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/)
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer')
      expect(res.headers.get('x-powered-by'), path).toBeNull()
    }
  })
})
