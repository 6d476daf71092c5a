import { Hono } from 'hono'
import pino from 'pino'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { loadApiDocument } from '../openapi/document.js'
import { createTestApp } from '../test/app.js'
import type { AppEnv } from './env.js'
import { apiVersioning, clientLabel, deprecationsOf } from './versioning.js'

const version = String((loadApiDocument().json.info as { version: string }).version)

describe('API version and client version', () => {
  it('answers the contract version on every response, errors included', async () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/)
    const t = await createTestApp()
    expect((await t.request('/healthz')).headers.get('tasklane-api-version')).toBe(version)
    expect((await t.request('/v1/nowhere')).headers.get('tasklane-api-version')).toBe(version)
  })

  it('counts and logs requests by the client version they name', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const t = await createTestApp({}, { logger })
    await t.request('/healthz', { headers: { 'Tasklane-Client': 'tasklane-sdk-js/0.2.0' } })
    await t.request('/healthz', { headers: { 'Tasklane-Client': 'tasklane-sdk-js/0.2.0 (node 24)' } })
    await t.request('/healthz', { headers: { 'Tasklane-Client': 'x'.repeat(500) } })
    await t.request('/healthz')
    const metrics = await (await t.request('/metrics')).text()
    expect(metrics).toContain('http_requests_by_client_total{client="tasklane-sdk-js/0.2.0"} 2')
    expect(metrics).toContain('http_requests_by_client_total{client="other"} 1')
    expect(metrics).toMatch(/http_requests_by_client_total\{client="unknown"\} [1-9]/)
    const requests = lines.filter((l) => l.msg === 'request')
    expect(requests[0]?.client).toBe('tasklane-sdk-js/0.2.0')
  })

  it('allows browsers to send Tasklane-Client and read the version headers', async () => {
    const origin = 'https://app.example.com'
    const t = await createTestApp({ CORS_ORIGINS: origin })
    // A preflight is answered outside the contract, so through the app itself rather than the checked fetch.
    const preflight = await t.app.request('/v1/projects', {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'tasklane-client',
      },
    })
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('tasklane-client')
    const res = await t.request('/healthz', { headers: { Origin: origin } })
    const exposed = res.headers.get('access-control-expose-headers')?.split(/,\s*/) ?? []
    expect(exposed).toEqual(expect.arrayContaining(['Tasklane-Api-Version', 'Deprecation', 'Sunset']))
  })

  it('names clients only as name/semver', () => {
    expect(clientLabel('tasklane-sdk-js/1.2.3')).toBe('tasklane-sdk-js/1.2.3')
    expect(clientLabel('curl/8.5.0')).toBe('curl/8.5.0')
    expect(clientLabel('Mozilla/5.0')).toBe('other')
    expect(clientLabel(undefined)).toBe('unknown')
  })

  it('sends people who open the server root to the docs', async () => {
    const t = await createTestApp()
    // Like /docs itself, the root is not an API operation.
    const res = await t.app.request('/')
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/docs')
  })
})

describe('deprecation headers', () => {
  const doc = {
    paths: {
      '/v1/old/{id}': {
        get: {
          operationId: 'getOld',
          tags: ['Old things'],
          deprecated: true,
          'x-deprecated-at': '2026-11-01T00:00:00Z',
          'x-sunset': '2027-05-01T00:00:00Z',
        },
      },
      '/v1/things': {
        get: {
          operationId: 'listThings',
          tags: ['Things'],
          parameters: [{ in: 'query', name: 'sort' }, { $ref: '#/components/parameters/Legacy' }],
        },
      },
      '/v1/fine': { get: { operationId: 'getFine' } },
    },
    components: {
      parameters: {
        Legacy: { in: 'query', name: 'legacy', deprecated: true, 'x-deprecated-at': '2026-12-01T00:00:00Z' },
      },
    },
  }

  function appOn(document: Record<string, unknown>) {
    const app = new Hono<AppEnv>()
    app.use(apiVersioning({ version: '1.2.0', document, registry: new Registry() }))
    app.get('/v1/old/:id', (c) => c.json({}))
    app.get('/v1/things', (c) => c.json({}))
    app.get('/v1/fine', (c) => c.json({}))
    return app
  }

  it('marks a deprecated operation with Deprecation, Sunset and a Link to its docs', async () => {
    const res = await appOn(doc).request('/v1/old/abc')
    expect(res.headers.get('deprecation')).toBe(`@${Date.parse('2026-11-01T00:00:00Z') / 1000}`)
    expect(res.headers.get('sunset')).toBe('Sat, 01 May 2027 00:00:00 GMT')
    expect(res.headers.get('link')).toBe('</docs#/Old%20things/getOld>; rel="deprecation"; type="text/html"')
    expect(res.headers.get('tasklane-api-version')).toBe('1.2.0')
  })

  it('marks a request that uses a deprecated parameter, and only such a request', async () => {
    const app = appOn(doc)
    const used = await app.request('/v1/things?legacy=1')
    expect(used.headers.get('deprecation')).toBe(`@${Date.parse('2026-12-01T00:00:00Z') / 1000}`)
    expect(used.headers.get('sunset')).toBeNull()
    expect((await app.request('/v1/things?sort=x')).headers.get('deprecation')).toBeNull()
    expect((await app.request('/v1/fine')).headers.get('deprecation')).toBeNull()
  })

  it('marks a request whose JSON body sends a deprecated property, at any depth, and only such a request', async () => {
    const at = (date: string) => `@${Date.parse(date) / 1000}`
    const withBody = {
      paths: {
        '/v1/things': {
          post: {
            operationId: 'createThing',
            tags: ['Things'],
            requestBody: { $ref: '#/components/requestBodies/ThingCreate' },
          },
        },
      },
      components: {
        requestBodies: {
          ThingCreate: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingCreate' } } } },
        },
        schemas: {
          ThingCreate: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              colour: {
                type: 'string',
                deprecated: true,
                'x-deprecated-at': '2026-10-01T00:00:00Z',
                'x-sunset': '2027-04-01T00:00:00Z',
              },
              // Deprecated beside a $ref (OpenAPI 3.1), and inside array items.
              owner: {
                $ref: '#/components/schemas/Owner',
                deprecated: true,
                'x-deprecated-at': '2026-09-01T00:00:00Z',
              },
              parts: { type: 'array', items: { $ref: '#/components/schemas/Part' } },
            },
          },
          Owner: { type: 'object', properties: { id: { type: 'string' } } },
          Part: {
            allOf: [
              { type: 'object', properties: { label: { type: 'string' } } },
              {
                type: 'object',
                properties: { weight: { type: 'number', deprecated: true, 'x-deprecated-at': '2026-08-01T00:00:00Z' } },
              },
            ],
          },
        },
      },
    }
    const app = new Hono<AppEnv>()
    app.use(apiVersioning({ version: '1.2.0', document: withBody, registry: new Registry() }))
    // As the route's validator does: the parsed body is kept on the request.
    app.post('/v1/things', async (c) => c.json(await c.req.json(), 201))
    const post = (body: unknown) =>
      app.request('/v1/things', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })

    const colour = await post({ name: 'Lamp', colour: 'red' })
    expect(colour.headers.get('deprecation')).toBe(at('2026-10-01T00:00:00Z'))
    expect(colour.headers.get('sunset')).toBe('Thu, 01 Apr 2027 00:00:00 GMT')
    expect(colour.headers.get('link')).toBe('</docs#/Things/createThing>; rel="deprecation"; type="text/html"')
    // Sent as null is still sent.
    expect((await post({ name: 'Lamp', colour: null })).headers.get('deprecation')).toBe(at('2026-10-01T00:00:00Z'))
    expect((await post({ name: 'Lamp', owner: { id: 'u1' } })).headers.get('deprecation')).toBe(
      at('2026-09-01T00:00:00Z'),
    )
    const weight = await post({ name: 'Lamp', parts: [{ label: 'a' }, { label: 'b', weight: 2 }] })
    expect(weight.headers.get('deprecation')).toBe(at('2026-08-01T00:00:00Z'))
    expect(weight.headers.get('sunset')).toBeNull()

    // The same operation without the deprecated properties is not marked.
    for (const body of [{ name: 'Lamp' }, { name: 'Lamp', parts: [{ label: 'a' }] }, { name: 'colour' }]) {
      const res = await post(body)
      expect(res.status).toBe(201)
      expect(res.headers.get('deprecation')).toBeNull()
      expect(res.headers.get('link')).toBeNull()
    }
  })

  it('finds deprecated body properties in the spec, refusing one without a date', () => {
    const body = (colour: Record<string, unknown>) => ({
      paths: {
        '/v1/things': {
          patch: {
            requestBody: {
              content: { 'application/json': { schema: { type: 'object', properties: { colour } } } },
            },
          },
        },
      },
    })
    const found = deprecationsOf(body({ type: 'string', deprecated: true, 'x-deprecated-at': '2026-10-01' }))
    expect(found.get('PATCH /v1/things')?.parts).toEqual([
      { in: 'body', path: ['colour'], deprecation: `@${Date.parse('2026-10-01') / 1000}`, sunset: undefined },
    ])
    expect(found.get('PATCH /v1/things')?.operation).toBeNull()
    expect(() => deprecationsOf(body({ type: 'string', deprecated: true }))).toThrow(
      /PATCH \/v1\/things body colour: deprecated without a date in x-deprecated-at/,
    )
  })

  it('refuses a deprecation without a date, which RFC 9745 cannot express', () => {
    const undated = { paths: { '/x': { get: { deprecated: true } } } }
    expect(() => deprecationsOf(undated)).toThrow(/x-deprecated-at/)
  })
})
