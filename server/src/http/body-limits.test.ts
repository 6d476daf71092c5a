import { describe, expect, it } from 'vitest'
import { createTestApp } from '../test/app.js'
import { createProject } from '../test/projects.js'
import { assertProblem } from '../test/spec.js'
import { signUpUser } from '../test/users.js'
import { jsonBounds, requestBodySchema } from './body-bounds.js'

async function problemCode(res: Response): Promise<string> {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = await res.json()
  assertProblem(body)
  return body.code
}

/** `{"key0":null,"key1":null,…}`: an object with `count` keys. */
const wideObject = (count: number, extra = '') =>
  `{${extra}${Array.from({ length: count }, (_, i) => `"key${i}":null`).join(',')}}`

describe('per-operation body limits', () => {
  it('derives each operation’s limit from its schema: a sign-in takes a few kilobytes', async () => {
    const t = await createTestApp()
    const bounds = (method: string, path: string) =>
      jsonBounds(requestBodySchema(t.ctx.document.json, method, path), t.ctx.document.json)
    const logIn = bounds('post', '/v1/auth/login')
    expect(logIn.keys).toBe(2)
    expect(logIn.bytes).toBeGreaterThan(1000)
    expect(logIn.bytes).toBeLessThan(5000)
    expect(bounds('post', '/v1/projects/{projectId}/tasks').items).toBe(20)
    // Every body-taking operation in the contract is bounded.
    for (const [path, item] of Object.entries(t.ctx.document.json.paths as Record<string, object>)) {
      for (const method of Object.keys(item)) {
        const schema = requestBodySchema(t.ctx.document.json, method, path)
        if (schema)
          expect(Number.isFinite(jsonBounds(schema, t.ctx.document.json).bytes), `${method} ${path}`).toBe(true)
      }
    }
  })

  it('refuses an anonymous sign-in body wider than it could be, 857 KB of keys, with 413 and Connection: close', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const body = wideObject(60_000, '"email":"ada@example.com","password":"correct horse battery",')
    expect(body.length).toBeGreaterThan(850_000)
    for (const path of ['/v1/auth/login', '/v1/auth/signup']) {
      const res = await t.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(res.status, path).toBe(413)
      expect(res.headers.get('connection')).toBe('close')
      expect(await problemCode(res)).toBe('content_too_large')
    }
  })

  it('refuses an object with more keys than the schema has anywhere before parsing: 400 json_too_wide', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const send = (body: string) =>
      t.request('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    // 300 keys fit in the few kilobytes a sign-in may take.
    const wide = await send(wideObject(300, '"email":"ada@example.com",'))
    expect(wide.status).toBe(400)
    expect(await problemCode(wide)).toBe('json_too_wide')
    // A few unknown keys still reach validation and are named one by one.
    const few = await send(wideObject(3, '"email":"ada@example.com","password":"correct horse battery",'))
    expect(few.status).toBe(400)
    expect(await problemCode(few)).toBe('validation_failed')
  })

  it('refuses an array with more items than the schema allows anywhere,', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const create = (body: string) =>
      t.request(`/v1/projects/${project.id}/tasks`, {
        method: 'POST',
        headers: { ...alice.authHeaders, 'content-type': 'application/json' },
        body,
      })
    const items = (n: number) => `[${Array.from({ length: n }, () => '"a"').join(',')}]`
    const long = await create(`{"title":"Wide","labels":${items(5000)}}`)
    expect(long.status).toBe(400)
    expect(await problemCode(long)).toBe('json_too_wide')
    // A few items too many still reach validation, which says which field is too long.
    const labels = Array.from({ length: 21 }, (_, i) => `l${i}`)
    const few = await create(JSON.stringify({ title: 'Few', labels }))
    expect(few.status).toBe(400)
    expect(await problemCode(few)).toBe('validation_failed')
    const ok = await create(JSON.stringify({ title: 'Fine', labels: ['a', 'b', 'c'] }))
    expect(ok.status).toBe(201)
    const tasks = await t.ctx.db.kysely.selectFrom('tasks').select('title').execute()
    expect(tasks.map((r) => r.title)).toEqual(['Fine'])
  })

  it('still takes the longest valid body, pretty-printed', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const note = { title: 'é'.repeat(200), body: '"\n'.repeat(50_000) }
    const res = await t.request(`/v1/projects/${project.id}/notes`, {
      method: 'POST',
      headers: { ...alice.authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify(note, null, 8),
    })
    expect(res.status).toBe(201)
  })
})
