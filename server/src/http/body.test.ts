import { createRoute, z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import type { Project } from '../generated/routes.js'
import { createTestApp } from '../test/app.js'
import { appWithTestRoutes } from '../test/routes.js'
import { assertProblem } from '../test/spec.js'
import { signUpUser } from '../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const alice = await signUpUser(t)
  const createProject = (contentType: string, body: string) =>
    t.request('/v1/projects', { method: 'POST', headers: { ...alice.authHeaders, 'content-type': contentType }, body })
  return { t, createProject }
}

async function problemCode(res: Response): Promise<string> {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = await res.json()
  assertProblem(body)
  return body.code
}

/** `depth` arrays inside each other: `[[[…]]]`. */
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

describe('request body media types', () => {
  // RFC 9110 §8.3.1: type and subtype are case-insensitive, OWS may surround `;`, a parameter may be empty,
  // and a parameter value may be a quoted string.
  const accepted = [
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON;charset=UTF-8',
    'Application/Json; Charset=Utf-8',
    'application/json ; charset="utf-8"',
    'application/json\t;\tcharset="UTF-8"',
    'application/json;',
    'application/json ;',
    'application/json;;charset=utf-8',
    'application/json; profile="https://example.com/a;b \\"c\\""',
  ]
  it('takes a JSON body sent as any of them', async () => {
    const { createProject } = await setup()
    for (const [i, contentType] of accepted.entries()) {
      const res = await createProject(contentType, JSON.stringify({ name: `Project ${i}` }))
      expect(res.status, contentType).toBe(201)
      expect(((await res.json()) as Project).name).toBe(`Project ${i}`)
    }
  })

  const refused = [
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/jsonp',
    // JSON between systems is UTF-8 (RFC 8259 §8.1); a body in another charset would be read wrongly.
    'application/json; charset=latin1',
    'application/json; charset="ISO-8859-1"',
    'application/json; charset=utf-16',
    // Not media types by RFC 9110's grammar.
    'application / json',
    'application/json; charset',
    'application/json; charset = utf-8',
    'application/json; charset="utf-8',
    'application/json x',
  ]
  it('answers 415 unsupported_media_type to any other, naming the type it takes', async () => {
    const { t, createProject } = await setup()
    for (const contentType of refused) {
      const res = await createProject(contentType, JSON.stringify({ name: 'Launch' }))
      expect(res.status, contentType).toBe(415)
      expect(res.headers.get('accept-post'), contentType).toBe('application/json')
      expect(await problemCode(res), contentType).toBe('unsupported_media_type')
    }
    expect(await t.ctx.db.kysely.selectFrom('projects').select('id').execute()).toEqual([])
  })

  it('gives a 415 from the route validator itself the documented code too', async () => {
    const { app } = await appWithTestRoutes()
    const route = createRoute({
      method: 'post',
      path: '/test/unguarded',
      request: { body: { required: true, content: { 'application/json': { schema: z.object({}) } } } },
      responses: { 204: { description: 'Taken' } },
    })
    app.openapi(route, (c) => c.body(null, 204))
    const res = await app.fetch(
      new Request('http://tasklane.test/test/unguarded', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      }),
    )
    expect(res.status).toBe(415)
    expect(await problemCode(res)).toBe('unsupported_media_type')
  })
})

describe('deeply nested JSON', () => {
  it('refuses nesting deeper than 64 before parsing it, and quickly', async () => {
    const { t, createProject } = await setup()
    // 30 KB, under the most a project's schema can take; 800 KB would be a 413 unread.
    const body = nestedArrays(15_000)
    const timings: number[] = []
    for (let i = 0; i < 3; i++) {
      const start = performance.now()
      const res = await createProject('application/json', body)
      timings.push(performance.now() - start)
      expect(res.status).toBe(400)
      expect(await problemCode(res)).toBe('json_too_deep')
    }
    // Parsing and validating 800 KB of it took 370–610 ms; one pass that stops at depth 65 takes a few. The
    // best of three keeps a busy machine's pauses out of the measure.
    expect(Math.min(...timings)).toBeLessThan(100)
    const large = await createProject('application/json', nestedArrays(400_000))
    expect(large.status).toBe(413)
    expect(await problemCode(large)).toBe('content_too_large')
    expect(await t.ctx.db.kysely.selectFrom('projects').select('id').execute()).toEqual([])
  })

  it('counts depth at 64 exactly, and not inside strings', async () => {
    const { createProject } = await setup()
    // The object is level 1, so 63 arrays inside it reach 64: past the guard, refused by the schema.
    const at64 = await createProject('application/json', `{"name":"Deep","extra":${nestedArrays(63)}}`)
    expect(at64.status).toBe(400)
    expect(await problemCode(at64)).toBe('validation_failed')
    const at65 = await createProject('application/json', `{"name":"Deep","extra":${nestedArrays(64)}}`)
    expect(at65.status).toBe(400)
    expect(await problemCode(at65)).toBe('json_too_deep')

    // Brackets and escaped quotes inside strings are text, not nesting.
    const name = `[{"\\"${'['.repeat(195)}`
    const res = await createProject('application/json', JSON.stringify({ name }))
    expect(res.status).toBe(201)
    expect(((await res.json()) as Project).name).toBe(name)
  })

  it('still answers malformed JSON with 400 malformed_json', async () => {
    const { createProject } = await setup()
    const res = await createProject('application/json', '{"name": "Launch"')
    expect(res.status).toBe(400)
    expect(await problemCode(res)).toBe('malformed_json')
  })
})
