import { describe, expect, it } from 'vitest'
import type { Change, ChangeList, Task } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { addMember, createNote, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

async function setup() {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
  return { t, alice: await signUpUser(t), bob: await signUpUser(t) }
}

/** Follows the log from `since` as a polling client does, page by page; answers every change and the token. */
async function poll(t: TestApp, headers: Record<string, string>, since: string, query = '') {
  const changes: Change[] = []
  let path = `/v1/changes?since=${since}&limit=3${query}`
  let syncToken = since
  for (;;) {
    const res = await jsonRequest(t, 'GET', path, headers)
    expect(res.status).toBe(200)
    const page = (await res.json()) as ChangeList
    changes.push(...page.data)
    syncToken = page.syncToken
    if (!page.nextCursor) return { changes, syncToken }
    expect(res.headers.get('link')).toContain(`cursor=${page.nextCursor}`)
    path = `/v1/changes?limit=3&cursor=${page.nextCursor}${query}`
  }
}

const summary = (changes: Change[]) => changes.map((c) => `${c.type} ${c.resourceId}`)

describe('listChanges', () => {
  it('delivers every write in order, each with the resource as getTask answers it or a tombstone', async () => {
    const { t, alice } = await setup()
    const h = alice.authHeaders
    const project = await createProject(t, h)
    const task = await createTask(t, h, project.id, { title: 'Draft' })
    const note = await createNote(t, h, project.id)
    const patched = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { status: 'done' })
    expect(patched.status).toBe(200)
    expect((await jsonRequest(t, 'DELETE', `/v1/notes/${note.id}`, h)).status).toBe(204)

    const { changes, syncToken } = await poll(t, h, '0')
    expect(summary(changes)).toEqual([
      `project.created ${project.id}`,
      `member.added ${alice.user.id}`,
      `task.created ${task.id}`,
      `note.created ${note.id}`,
      `task.updated ${task.id}`,
      `note.deleted ${note.id}`,
    ])
    const seqs = changes.map((c) => BigInt(c.seq))
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs)
    expect(syncToken).toBe(present(changes.at(-1)).seq)
    const current = (await (await jsonRequest(t, 'GET', `/v1/tasks/${task.id}`, h)).json()) as Task
    expect(changes[4]).toMatchObject({
      projectId: project.id,
      resourceType: 'task',
      version: 2,
      actorId: alice.user.id,
    })
    expect(present(changes[4]).data).toEqual(current)
    expect(present(changes[0]).data).toMatchObject({ id: project.id, role: 'owner' })
    expect(changes[5]).toMatchObject({ version: null, data: { id: note.id, deleted: true } })

    // Nothing new: the same token comes back.
    expect(await poll(t, h, syncToken)).toEqual({ changes: [], syncToken })
    await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, h, { title: 'Final' })
    const next = await poll(t, h, syncToken)
    expect(summary(next.changes)).toEqual([`task.updated ${task.id}`])
    expect(present(next.changes[0]).data).toMatchObject({ title: 'Final', version: 3 })
  })

  it("shows a member their projects' changes and nothing of other projects", async () => {
    const { t, alice, bob } = await setup()
    const shared = await createProject(t, alice.authHeaders, { name: 'Shared' })
    const alone = await createProject(t, alice.authHeaders, { name: 'Alice only' })
    await addMember(t, shared.id, bob.user.id, 'viewer')
    const inShared = await createTask(t, alice.authHeaders, shared.id)
    const inAlone = await createTask(t, alice.authHeaders, alone.id)
    // Invitations are for owners only, so a viewer does not see them.
    const invited = await jsonRequest(t, 'POST', `/v1/projects/${shared.id}/invitations`, alice.authHeaders, {
      email: 'someone@example.com',
      role: 'viewer',
    })
    expect(invited.status).toBe(201)

    const bobs = summary((await poll(t, bob.authHeaders, '0')).changes)
    expect(bobs).toContain(`task.created ${inShared.id}`)
    expect(bobs).toContain(`project.created ${shared.id}`)
    expect(bobs.join()).not.toContain(inAlone.id)
    expect(bobs.join()).not.toContain(alone.id)
    expect(bobs.join()).not.toContain('invitation.')
    const alices = summary((await poll(t, alice.authHeaders, '0')).changes)
    expect(alices).toContain(`task.created ${inAlone.id}`)
    expect(alices.some((c) => c.startsWith('invitation.created'))).toBe(true)

    const onlyAlone = (await poll(t, alice.authHeaders, '0', `&projectId=${alone.id}`)).changes
    expect(onlyAlone.every((c) => c.projectId === alone.id)).toBe(true)
    expect(summary(onlyAlone)).toContain(`task.created ${inAlone.id}`)
    // The project role in a project change is the reader's.
    const sharedCreated = (await poll(t, bob.authHeaders, '0')).changes.find((c) => c.type === 'project.created')
    expect(sharedCreated?.data).toMatchObject({ id: shared.id, role: 'viewer' })
  })

  it('stops showing a removed member the project, and tells them and the others they left', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'editor')
    const assigned = await createTask(t, alice.authHeaders, project.id, { title: 'Bob’s', assigneeId: bob.user.id })
    const { syncToken } = await poll(t, bob.authHeaders, '0')
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${bob.user.id}`, alice.authHeaders)).status,
    ).toBe(204)
    const later = await createTask(t, alice.authHeaders, project.id, { title: 'After Bob left' })

    const bobs = await poll(t, bob.authHeaders, syncToken)
    expect(summary(bobs.changes)).toEqual([`member.removed ${bob.user.id}`])
    expect(bobs.changes[0]).toMatchObject({ projectId: project.id, data: { id: bob.user.id, deleted: true } })
    const alices = summary((await poll(t, alice.authHeaders, syncToken)).changes)
    // In the same write: the removal, then the task it unassigned; then the later task.
    expect(alices).toEqual([`member.removed ${bob.user.id}`, `task.updated ${assigned.id}`, `task.created ${later.id}`])
  })

  it('records what goes with a deleted account: its own project, its memberships and its assignments', async () => {
    const { t, alice, bob } = await setup()
    const shared = await createProject(t, alice.authHeaders)
    await addMember(t, shared.id, bob.user.id, 'editor')
    const assigned = await createTask(t, alice.authHeaders, shared.id, { title: 'Bob’s', assigneeId: bob.user.id })
    const bobsOwn = await createProject(t, bob.authHeaders, { name: 'Bob only' })
    const { syncToken } = await poll(t, alice.authHeaders, '0')
    const before = await t.ctx.changeLog.latestSeq()
    expect((await jsonRequest(t, 'DELETE', '/v1/me', bob.authHeaders, { password: bob.password })).status).toBe(204)

    expect(summary((await poll(t, alice.authHeaders, syncToken)).changes)).toEqual([
      `member.removed ${bob.user.id}`,
      `task.updated ${assigned.id}`,
    ])
    const all = await t.ctx.db.kysely
      .selectFrom('changes')
      .selectAll()
      .where('seq', '>', String(before))
      .orderBy('seq')
      .execute()
    expect(all.map((c) => `${c.type} ${c.resource_id} ${c.user_id ?? 'members'}`)).toEqual([
      `project.deleted ${bobsOwn.id} ${bob.user.id}`,
      `member.removed ${bob.user.id} members`,
      `task.updated ${assigned.id} members`,
      `member.removed ${bob.user.id} ${bob.user.id}`,
    ])
  })

  it('tells every former member when a project is deleted', async () => {
    const { t, alice, bob } = await setup()
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'viewer')
    const { syncToken } = await poll(t, bob.authHeaders, '0')
    expect((await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}`, alice.authHeaders)).status).toBe(204)
    for (const user of [alice, bob]) {
      const { changes } = await poll(t, user.authHeaders, syncToken)
      expect(changes).toEqual([
        expect.objectContaining({
          type: 'project.deleted',
          projectId: project.id,
          resourceId: project.id,
          actorId: alice.user.id,
          data: { id: project.id, deleted: true },
        }),
      ])
    }
  })

  it('answers 410 cursor_expired for a since older than retention, and 400 for bad input', async () => {
    const { t, alice } = await setup()
    const h = alice.authHeaders
    const project = await createProject(t, h)
    const first = (await poll(t, h, '0')).syncToken
    await createTask(t, h, project.id)
    // Age every change past the retention, then prune.
    await t.ctx.db.kysely.updateTable('changes').set({ created_at: '2000-01-01T00:00:00.000Z' }).execute()
    await createTask(t, h, project.id)
    await t.ctx.changeLog.prune()

    const expired = await jsonRequest(t, 'GET', '/v1/changes?since=1', h)
    expect(expired.status).toBe(410)
    expect(await expired.json()).toMatchObject({ code: 'cursor_expired', status: 410, title: 'Gone' })
    // A client that had seen everything pruned continues; one starting over gets what is kept.
    const pruned = await t.ctx.changeLog.oldestRetainedSeq()
    expect((await jsonRequest(t, 'GET', `/v1/changes?since=${pruned - 1n}`, h)).status).toBe(200)
    expect(summary((await poll(t, h, '0')).changes)).toHaveLength(1)
    expect(BigInt(first)).toBeLessThan(pruned)

    expect((await jsonRequest(t, 'GET', '/v1/changes?since=-1', h)).status).toBe(400)
    expect((await jsonRequest(t, 'GET', '/v1/changes?limit=101', h)).status).toBe(400)
    expect((await jsonRequest(t, 'GET', '/v1/changes?cursor=forged', h)).status).toBe(400)
    expect((await jsonRequest(t, 'GET', '/v1/changes', {})).status).toBe(401)
  })
})
