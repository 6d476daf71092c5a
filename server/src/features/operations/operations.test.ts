import { describe, expect, it } from 'vitest'
import { createTestApp } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'

describe('operations endpoints', () => {
  it('answers /healthz and echoes a request id', async () => {
    const t = await createTestApp()
    const res = await t.request('/healthz', { headers: { 'X-Request-Id': 'trace-123' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe('trace-123')
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('generates a request id when the client sends none or an unusable one', async () => {
    const t = await createTestApp()
    const a = await t.request('/healthz')
    const b = await t.request('/healthz', { headers: { 'X-Request-Id': 'has spaces and\u00e9' } })
    expect(a.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(b.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'))
  })

  it('reports readiness with the database it runs on', async () => {
    const t = await createTestApp()
    const res = await t.request('/readyz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', database: TEST_DATABASE })
  })

  it('answers 503 problem+json on /readyz when the database is gone', async () => {
    const t = await createTestApp()
    await t.ctx.db.close()
    const res = await t.request('/readyz')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    const body = await res.json()
    expect(body).toMatchObject({ status: 503, code: 'service_unavailable', requestId: res.headers.get('x-request-id') })
  })

  it('exposes request counts and latency histograms by route template and status', async () => {
    const t = await createTestApp()
    await t.request('/healthz')
    await t.request('/healthz')
    await t.request('/no/such/route')
    const res = await t.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('http_requests_total{method="GET",route="/healthz",status="200"} 2')
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1')
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status="200"\} \d+/,
    )
    expect(text).toContain('process_cpu_user_seconds_total')
  })

  it('serves the reviewed openapi.yaml byte for byte, and as JSON', async () => {
    const t = await createTestApp()
    const yamlRes = await t.request('/openapi.yaml')
    expect(yamlRes.headers.get('content-type')).toMatch(/^application\/yaml/)
    expect(await yamlRes.text()).toBe(t.ctx.document.yaml)
    const json = await (await t.request('/openapi.json')).json()
    expect(json).toEqual(t.ctx.document.json)
    expect(json.openapi).toBe('3.1.0')
  })

  it('serves /metrics only with the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-scraper-secret-123'
    const t = await createTestApp({ METRICS_TOKEN: token })
    const anonymous = await t.request('/metrics')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
    expect(await anonymous.json()).toMatchObject({ status: 401, code: 'metrics_token_required' })
    const wrong = await t.request('/metrics', { headers: { Authorization: `Bearer ${token}x` } })
    expect(wrong.status).toBe(401)
    const right = await t.request('/metrics', { headers: { Authorization: `Bearer ${token}` } })
    expect(right.status).toBe(200)
    expect(await right.text()).toContain('http_requests_total')
  })

  it('serves /docs with a Content-Security-Policy that allows only its own assets', async () => {
    const t = await createTestApp()
    const res = await t.request('/docs')
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/)
  })
})
