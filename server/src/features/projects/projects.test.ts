import { describe, expect, it } from 'vitest'
import type { Member, MemberList, Project, ProjectList } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { addMember, createProject, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  const [alice, bob, carol] = [await signUpUser(t), await signUpUser(t), await signUpUser(t)]
  return { t, alice, bob, carol }
}

describe('projects', () => {
  it('makes the creator owner, lists only the caller’s projects with their role, and pages them', async () => {
    const { t, alice, bob } = await setup()
    const created = await jsonRequest(t, 'POST', '/v1/projects', alice.authHeaders, {
      name: 'Launch',
      description: 'Q4',
    })
    expect(created.status).toBe(201)
    const project = (await created.json()) as Project
    expect(created.headers.get('location')).toBe(`/v1/projects/${project.id}`)
    expect(created.headers.get('etag')).toBe('"1"')
    expect(project).toMatchObject({ name: 'Launch', description: 'Q4', role: 'owner', version: 1 })
    expect(project.id).toMatch(/^prj_[0-9A-Z]{26}$/)
    const own = [project]
    for (let i = 0; i < 4; i++) own.push(await createProject(t, alice.authHeaders, { name: `P${i}` }))
    const bobs = await createProject(t, bob.authHeaders, { name: 'Bob only' })
    await addMember(t, bobs.id, alice.user.id, 'viewer')

    const seen: Project[] = []
    let path = '/v1/projects?limit=2'
    for (;;) {
      const res = await jsonRequest(t, 'GET', path, alice.authHeaders)
      const page = (await res.json()) as ProjectList
      seen.push(...page.data)
      if (!page.nextCursor) break
      path = `/v1/projects?limit=2&cursor=${page.nextCursor}`
    }
    expect(seen.map((p) => p.id)).toEqual([...own.map((p) => p.id), bobs.id])
    expect(present(seen.at(-1), 'the last project').role).toBe('viewer')
    const bobList = (await (await jsonRequest(t, 'GET', '/v1/projects', bob.authHeaders)).json()) as ProjectList
    expect(bobList.data.map((p) => p.id)).toEqual([bobs.id])
  })

  it('updates with If-Match, clears the description with null, and answers 304 to If-None-Match', async () => {
    const { t, alice } = await setup()
    const project = await createProject(t, alice.authHeaders, { name: 'A', description: 'old' })
    const path = `/v1/projects/${project.id}`
    const updated = await jsonRequest(
      t,
      'PATCH',
      path,
      { ...alice.authHeaders, 'If-Match': '"1"' },
      { description: null },
    )
    expect(updated.status).toBe(200)
    expect(updated.headers.get('etag')).toBe('"2"')
    expect(await updated.json()).toMatchObject({ name: 'A', description: null, version: 2 })
    const stale = await jsonRequest(t, 'PATCH', path, { ...alice.authHeaders, 'If-Match': '"1"' }, { name: 'B' })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe('"2"')
    expect((await jsonRequest(t, 'GET', path, { ...alice.authHeaders, 'If-None-Match': '"2"' })).status).toBe(304)
    expect((await jsonRequest(t, 'DELETE', path, { ...alice.authHeaders, 'If-Match': '"1"' })).status).toBe(412)
    expect((await jsonRequest(t, 'DELETE', path, { ...alice.authHeaders, 'If-Match': '"2"' })).status).toBe(204)
    const gone = await jsonRequest(t, 'GET', path, alice.authHeaders)
    expect(gone.status).toBe(404)
    expect((await gone.json()).code).toBe('not_found')
  })

  it('answers a foreign project exactly like a missing one', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    const foreign = await jsonRequest(t, 'GET', `/v1/projects/${project.id}`, bob.authHeaders)
    const missing = await jsonRequest(t, 'GET', '/v1/projects/prj_01JD8X3Z7Q2W6V5T4R3P1N0M9K', bob.authHeaders)
    expect(foreign.status).toBe(404)
    const strip = ({ instance, requestId, ...rest }: Record<string, unknown>) => rest
    expect(strip(await foreign.json())).toEqual(strip(await missing.json()))
  })

  it('deletes everything in a project with it', async () => {
    const { t, alice } = await setup()
    const project = await createProject(t, alice.authHeaders)
    const task = await (
      await jsonRequest(t, 'POST', `/v1/projects/${project.id}/tasks`, alice.authHeaders, { title: 'x', labels: ['a'] })
    ).json()
    await jsonRequest(t, 'POST', `/v1/tasks/${task.id}/comments`, alice.authHeaders, { body: 'c' })
    await jsonRequest(t, 'POST', `/v1/projects/${project.id}/notes`, alice.authHeaders, { title: 'n' })
    expect((await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}`, alice.authHeaders)).status).toBe(204)
    const db = t.ctx.db.kysely
    for (const table of ['tasks', 'task_labels', 'comments', 'notes', 'project_members'] as const) {
      const rows = await db.selectFrom(table).selectAll().execute()
      expect(rows, table).toHaveLength(0)
    }
    expect((await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, alice.authHeaders)).status).toBe(404)
  })
})

describe('members', () => {
  it('lists members with email and role in joining order', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'viewer')
    const res = await jsonRequest(t, 'GET', `/v1/projects/${project.id}/members?limit=1`, bob.authHeaders)
    const page = (await res.json()) as MemberList
    expect(page.data).toEqual([
      expect.objectContaining({ userId: alice.user.id, email: alice.user.email, role: 'owner' }),
    ])
    const next = (await (
      await jsonRequest(
        t,
        'GET',
        `/v1/projects/${project.id}/members?limit=1&cursor=${page.nextCursor}`,
        bob.authHeaders,
      )
    ).json()) as MemberList
    expect(next.data).toEqual([expect.objectContaining({ userId: bob.user.id, role: 'viewer' })])
    expect(next.nextCursor).toBeNull()
  })

  it('keeps an owner: the last one can neither be demoted nor leave, until another owner exists', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'editor')
    const members = `/v1/projects/${project.id}/members`
    const demote = await jsonRequest(t, 'PATCH', `${members}/${alice.user.id}`, alice.authHeaders, { role: 'editor' })
    expect(demote.status).toBe(409)
    expect((await demote.json()).code).toBe('last_owner')
    expect((await jsonRequest(t, 'DELETE', `${members}/${alice.user.id}`, alice.authHeaders)).status).toBe(409)

    const promote = await jsonRequest(t, 'PATCH', `${members}/${bob.user.id}`, alice.authHeaders, { role: 'owner' })
    expect(promote.status).toBe(200)
    expect(((await promote.json()) as Member).role).toBe('owner')
    expect((await jsonRequest(t, 'DELETE', `${members}/${alice.user.id}`, alice.authHeaders)).status).toBe(204)
    expect((await jsonRequest(t, 'GET', `/v1/projects/${project.id}`, alice.authHeaders)).status).toBe(404)
    const left = (await (await jsonRequest(t, 'GET', members, bob.authHeaders)).json()) as MemberList
    expect(left.data.map((m) => [m.userId, m.role])).toEqual([[bob.user.id, 'owner']])
  })

  it('never leaves a project without an owner when two owners demote each other at once', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'owner')
    const members = `/v1/projects/${project.id}/members`
    const results = await Promise.all([
      jsonRequest(t, 'PATCH', `${members}/${bob.user.id}`, alice.authHeaders, { role: 'viewer' }),
      jsonRequest(t, 'PATCH', `${members}/${alice.user.id}`, bob.authHeaders, { role: 'viewer' }),
    ])
    const owners = await t.ctx.db.kysely
      .selectFrom('project_members')
      .select('user_id')
      .where('project_id', '=', project.id)
      .where('role', '=', 'owner')
      .execute()
    expect(owners.length).toBeGreaterThanOrEqual(1)
    expect(results.map((r) => r.status).sort()).toContain(200)
  })

  it('lets any member leave, and answers 404 for someone who is not a member', async () => {
    const { t, alice, bob, carol } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'viewer')
    const members = `/v1/projects/${project.id}/members`
    expect((await jsonRequest(t, 'DELETE', `${members}/${carol.user.id}`, alice.authHeaders)).status).toBe(404)
    expect(
      (await jsonRequest(t, 'PATCH', `${members}/${carol.user.id}`, alice.authHeaders, { role: 'viewer' })).status,
    ).toBe(404)
    expect((await jsonRequest(t, 'DELETE', `${members}/${bob.user.id}`, bob.authHeaders)).status).toBe(204)
    expect((await jsonRequest(t, 'GET', `/v1/projects/${project.id}`, bob.authHeaders)).status).toBe(404)
  })
  it('counts a role change, a removal and a return at once, right after the role was looked up', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'editor')
    const members = `/v1/projects/${project.id}/members`
    const tasks = `/v1/projects/${project.id}/tasks`
    const create = async () => (await jsonRequest(t, 'POST', tasks, bob.authHeaders, { title: 'x' })).status
    const read = async () => (await jsonRequest(t, 'GET', tasks, bob.authHeaders)).status
    expect([await create(), await create(), await read()]).toEqual([201, 201, 200])
    await jsonRequest(t, 'PATCH', `${members}/${bob.user.id}`, alice.authHeaders, { role: 'viewer' })
    expect([await create(), await read()]).toEqual([403, 200])
    await jsonRequest(t, 'PATCH', `${members}/${bob.user.id}`, alice.authHeaders, { role: 'editor' })
    expect(await create()).toBe(201)
    expect((await jsonRequest(t, 'DELETE', `${members}/${bob.user.id}`, alice.authHeaders)).status).toBe(204)
    expect([await read(), await create()]).toEqual([404, 404])
    await addMember(t, project.id, bob.user.id, 'viewer')
    expect([await read(), await create()]).toEqual([200, 403])
  })
})

describe('deleting an account and project ownership', () => {
  it('refuses to delete the only owner of a shared project, changing nothing, until ownership is handed over', async () => {
    const { t, alice, bob } = await setup()
    const shared = await createProject(t, alice.authHeaders, { name: 'Shared' })
    await addMember(t, shared.id, bob.user.id, 'editor')
    const refused = await jsonRequest(t, 'DELETE', '/v1/me', alice.authHeaders, { password: alice.password })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ code: 'last_owner', detail: expect.stringContaining(shared.id) })
    expect((await jsonRequest(t, 'GET', '/v1/me', alice.authHeaders)).status).toBe(200)
    expect((await jsonRequest(t, 'GET', `/v1/projects/${shared.id}`, bob.authHeaders)).status).toBe(200)

    const promote = await jsonRequest(
      t,
      'PATCH',
      `/v1/projects/${shared.id}/members/${bob.user.id}`,
      alice.authHeaders,
      {
        role: 'owner',
      },
    )
    expect(promote.status).toBe(200)
    const deleted = await jsonRequest(t, 'DELETE', '/v1/me', alice.authHeaders, { password: alice.password })
    expect(deleted.status).toBe(204)
    const members = await jsonRequest(t, 'GET', `/v1/projects/${shared.id}/members`, bob.authHeaders)
    expect(((await members.json()) as MemberList).data.map((m) => m.userId)).toEqual([bob.user.id])
  })

  it('deletes the projects a user has to themselves with the account', async () => {
    const { t, alice } = await setup()
    const solo = await createProject(t, alice.authHeaders, { name: 'Mine' })
    const deleted = await jsonRequest(t, 'DELETE', '/v1/me', alice.authHeaders, { password: alice.password })
    expect(deleted.status).toBe(204)
    const left = await t.ctx.db.kysely.selectFrom('projects').select('id').where('id', '=', solo.id).execute()
    expect(left).toEqual([])
  })
})
