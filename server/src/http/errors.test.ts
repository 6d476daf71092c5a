import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { createProject } from '../test/projects.js'
import { appWithTestRoutes } from '../test/routes.js'
import { assertProblem } from '../test/spec.js'
import { signUpUser } from '../test/users.js'
import { PROBLEM_TYPE_BASE } from './problem.js'

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = await res.json()
  assertProblem(body)
  expect(body.status).toBe(res.status)
  expect(body.type).toBe(PROBLEM_TYPE_BASE + body.code)
  expect(body.requestId).toBe(res.headers.get('x-request-id'))
  return body
}

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://tasklane.test/test/items', { method: 'POST', body, headers })

describe('unmatched requests', () => {
  it('answers 404 route_not_found for an unknown path', async () => {
    const t = await createTestApp()
    const res = await t.request('/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(await problem(res)).toMatchObject({ code: 'route_not_found', instance: '/v1/nothing-here' })
  })

  it('keeps every problem field within the length and characters the spec allows, whatever the request', async () => {
    const t = await createTestApp()
    const long = `/v1/${'a%C3%A9'.repeat(600)}`
    const res = await t.request(long)
    expect(res.status).toBe(404)
    const body = await problem(res)
    expect(body.instance.length).toBeLessThanOrEqual(2000)
    expect(long.startsWith(body.instance)).toBe(true)
    expect(body.detail).toMatch(/…$/)

    const { app } = await appWithTestRoutes()
    const key = 'k'.repeat(3000)
    const invalid = await app.fetch(post(JSON.stringify({ title: 'x', [key]: 1 })))
    expect(invalid.status).toBe(400)
    const issue = (await problem(invalid)).errors[0]
    expect(issue.path).toBe(`/body/${'k'.repeat(493)}…`)
    expect(issue.message.length).toBe(1000)

    const control = await app.fetch(post(JSON.stringify({ title: 'x', 'bad\nkey\u0000': 1 })))
    expect(control.status).toBe(400)
    expect((await problem(control)).errors[0]).toMatchObject({
      path: '/body/bad\uFFFDkey\uFFFD',
      message: "Unknown field 'bad\uFFFDkey\uFFFD'",
    })
  })

  it('percent-encodes what in the path is not a URI reference, so instance stays one', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    for (const [path, instance] of [
      ['/v1/projects/prj_%zz', '/v1/projects/prj_%25zz'],
      ['/v1/projects/prj_%', '/v1/projects/prj_%25'],
      ['/v1/projects/prj_%4', '/v1/projects/prj_%254'],
      ['/v1/projects/a|b^c[d]', '/v1/projects/a%7Cb%5Ec%5Bd%5D'],
      ['/v1/projects/prj_%41ok', '/v1/projects/prj_%41ok'],
    ] as const) {
      const res = await t.request(path, { headers: alice.authHeaders })
      // A malformed id is a 400 by the path's pattern, a well-formed unknown one a 404.
      expect([400, 404], path).toContain(res.status)
      // problem() validates the body against the spec, `format: uri-reference` included.
      expect((await problem(res)).instance, path).toBe(instance)
    }
  })

  it('answers 405 with Allow for a known path under another method', async () => {
    const t = await createTestApp()
    const res = await t.request('/healthz', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(await problem(res)).toMatchObject({ code: 'method_not_allowed' })
  })
})

describe('request bodies', () => {
  it('accepts a valid body', async () => {
    const { app } = await appWithTestRoutes()
    const res = await app.fetch(post('{"title":"milk"}'))
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ title: 'milk' })
  })

  it('answers 415 for a media type the operation does not take, saying which it takes', async () => {
    const { app } = await appWithTestRoutes()
    const res = await app.fetch(post('title=milk', { 'content-type': 'application/x-www-form-urlencoded' }))
    expect(res.status).toBe(415)
    expect(res.headers.get('accept-post')).toBe('application/json')
    expect(await problem(res)).toMatchObject({ code: 'unsupported_media_type' })
  })

  it('answers 400 malformed_json for JSON that does not parse', async () => {
    const { app } = await appWithTestRoutes()
    const res = await app.fetch(post('{"title": "milk"'))
    expect(res.status).toBe(400)
    expect(await problem(res)).toMatchObject({ code: 'malformed_json' })
  })

  it('answers 413 for a body over BODY_LIMIT, declared or streamed', async () => {
    const { app } = await appWithTestRoutes({ BODY_LIMIT: '1024' })
    const big = JSON.stringify({ title: 'x'.repeat(2000) })
    const declared = await app.fetch(post(big, { 'content-type': 'application/json', 'content-length': '2014' }))
    expect(declared.status).toBe(413)
    expect(await problem(declared)).toMatchObject({ code: 'content_too_large' })

    const bytes = new TextEncoder().encode(big)
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.slice(i, i + 256))
        controller.close()
      },
    })
    const streamed = await app.fetch(
      new Request('http://tasklane.test/test/items', {
        method: 'POST',
        body: stream,
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit),
    )
    expect(streamed.status).toBe(413)
    expect(await problem(streamed)).toMatchObject({ code: 'content_too_large' })
  })

  it('counts oversized requests against the rate limit and sends the RateLimit headers on 413', async () => {
    const t = await createTestApp({ BODY_LIMIT: '1024', RATE_LIMIT_DEFAULT: '3/60' })
    const alice = await signUpUser(t)
    const big = JSON.stringify({ name: 'x'.repeat(2000) })
    const send = () =>
      t.request('/v1/projects', {
        method: 'POST',
        headers: { ...alice.authHeaders, 'content-type': 'application/json' },
        body: big,
      })
    for (const remaining of [2, 1, 0]) {
      const res = await send()
      expect(res.status).toBe(413)
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"default";r=${remaining};t=\\d+$`))
      expect(res.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60')
      expect(await problem(res)).toMatchObject({ code: 'content_too_large' })
    }
    const limited = await send()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('ignores a body sent to an operation that takes none, whatever its size', async () => {
    const t = await createTestApp({ BODY_LIMIT: '1024', RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const res = await t.request(`/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: { ...alice.authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(5000) }),
    })
    expect(res.status).toBe(204)
  })

  it('answers 400 validation_failed listing each invalid input, unknown fields included', async () => {
    const { app } = await appWithTestRoutes()
    const res = await app.fetch(post(JSON.stringify({ title: 'far too long a title', done: 'yes', colour: 'red' })))
    expect(res.status).toBe(400)
    const body = await problem(res)
    expect(body.code).toBe('validation_failed')
    expect(body.title).toBe('Validation failed')
    const byPath = Object.fromEntries(body.errors.map((e: { path: string }) => [e.path, e]))
    expect(Object.keys(byPath).sort()).toEqual(['/body/colour', '/body/done', '/body/title'])
    expect(byPath['/body/title']).toMatchObject({ code: 'too_big' })
    expect(byPath['/body/done']).toMatchObject({ code: 'invalid_type' })
    expect(byPath['/body/colour']).toEqual({
      path: '/body/colour',
      message: "Unknown field 'colour'",
      code: 'unrecognized_keys',
    })
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String))
  })
})

describe('database outages', () => {
  it.each([
    [
      'a connection PostgreSQL ended',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a locked SQLite file', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })],
    ['a wrapped lost connection', new Error('loading the task failed', { cause: new Error('Query read timeout') })],
  ])('answers 503 service_unavailable with Retry-After for %s, not 500', async (_, error) => {
    const { app, logs } = await appWithTestRoutes()
    app.get('/test/outage', () => {
      throw error
    })
    const res = await app.fetch(new Request('http://tasklane.test/test/outage'))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await problem(res)).toMatchObject({ code: 'service_unavailable' })
    expect(logs.some((l) => l.msg === 'database unavailable' && l.level === 40)).toBe(true)
    expect(logs.some((l) => l.msg === 'unhandled error')).toBe(false)
  })

  it('still answers 500 for a query that is wrong', async () => {
    const { app } = await appWithTestRoutes()
    app.get('/test/bad-sql', () => {
      throw Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' })
    })
    expect((await app.fetch(new Request('http://tasklane.test/test/bad-sql'))).status).toBe(500)
  })
})

describe('unexpected errors', () => {
  it('answers 500 without stack or SQL, and logs the error in full with the request id', async () => {
    const { app, logs } = await appWithTestRoutes()
    const res = await app.fetch(new Request('http://tasklane.test/test/boom', { headers: { 'X-Request-Id': 'r-500' } }))
    expect(res.status).toBe(500)
    const text = await res.clone().text()
    expect(text).not.toMatch(/secret_table|select|password|at .*\.ts/i)
    expect(await problem(res)).toMatchObject({ code: 'internal_error', requestId: 'r-500' })

    const logged = logs.find((l) => l.msg === 'unhandled error')
    expect(logged).toBeDefined()
    expect(logged?.requestId).toBe('r-500')
    const err = logged?.err as { message: string; stack: string }
    expect(err.message).toContain('secret_table')
    expect(err.stack).toContain('routes.ts')
    expect(logs.find((l) => l.msg === 'request' && l.status === 500)?.requestId).toBe('r-500')
  })
})
