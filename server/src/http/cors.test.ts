import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'

describe('CORS only for browsers', () => {
  it('answers a request with Origin with CORS headers, and one without with none but Vary: Origin', async () => {
    const t = await createTestApp({ CORS_ORIGINS: 'https://app.example.com' })
    const browser = await t.request('/healthz', { headers: { Origin: 'https://app.example.com' } })
    expect(browser.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(browser.headers.get('access-control-expose-headers')).toContain('ETag')
    const script = await t.request('/healthz')
    expect(script.status).toBe(200)
    expect(script.headers.get('access-control-allow-origin')).toBeNull()
    expect(script.headers.get('vary')).toContain('Origin')
    // Preflights are not API operations (not in openapi.yaml), so they bypass the spec check.
    const preflight = await t.app.request('/v1/projects', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key')
  })
})
