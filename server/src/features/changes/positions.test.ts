import { describe, expect, it } from 'vitest'
import type { ChangeList } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { createProject, createTask, jsonRequest } from '../../test/projects.js'
import { assertProblem } from '../../test/spec.js'
import { signUpUser } from '../../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders)
  await createTask(t, alice.authHeaders, project.id)
  const res = await jsonRequest(t, 'GET', '/v1/changes?since=0&limit=100', alice.authHeaders)
  const latest = BigInt(((await res.json()) as ChangeList).syncToken)
  return { t, alice, project, latest }
}

async function sinceAhead(res: Response, path: string) {
  expect(res.status).toBe(400)
  const body = await res.json()
  assertProblem(body)
  expect(body.code).toBe('since_ahead')
  expect(body.errors[0].path).toBe(path)
}

describe('a position past the newest change', () => {
  it('is a 400 since_ahead on listChanges, up to the largest the pattern allows, on either database', async () => {
    const { t, alice, latest } = await setup()
    const list = (since: string) => jsonRequest(t, 'GET', `/v1/changes?since=${since}`, alice.authHeaders)
    for (const since of [String(latest + 1n), '9007199254740993', '9223372036854775807', '9999999999999999999']) {
      await sinceAhead(await list(since), '/query/since')
    }
    // The newest position itself is where an up-to-date client is: an empty page.
    const current = await list(String(latest))
    expect(current.status).toBe(200)
    expect(((await current.json()) as ChangeList).data).toEqual([])
  })

  it('is a 400 since_ahead on streamEvents, from since or Last-Event-ID, before the stream starts', async () => {
    const { t, alice, latest } = await setup()
    for (const since of [String(latest + 1n), '9223372036854775807']) {
      await sinceAhead(await t.request(`/v1/events?since=${since}`, { headers: alice.authHeaders }), '/query/since')
      const byHeader = await t.request('/v1/events', { headers: { ...alice.authHeaders, 'Last-Event-ID': since } })
      await sinceAhead(byHeader, '/header/Last-Event-ID')
    }
    const current = await t.request(`/v1/events?since=${latest}`, { headers: alice.authHeaders })
    expect(current.status).toBe(200)
    await current.body?.cancel()
  })
})
