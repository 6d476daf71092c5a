import { describe, expect, it } from 'vitest'
import type { Change, ChangeList, CommentList } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { addMember, createComment, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

/** Every change `headers`' user may read, from the start of the log, page by page as a syncing client reads them. */
async function allChanges(t: TestApp, headers: Record<string, string>): Promise<Change[]> {
  const changes: Change[] = []
  let path = '/v1/changes?since=0&limit=5'
  for (;;) {
    const res = await jsonRequest(t, 'GET', path, headers)
    expect(res.status).toBe(200)
    const page = (await res.json()) as ChangeList
    changes.push(...page.data)
    if (!page.nextCursor) return changes
    path = `/v1/changes?limit=5&cursor=${page.nextCursor}`
  }
}

/** The comments a client that applied `changes` in order still holds. */
function syncedComments(changes: Change[]): string[] {
  const held = new Set<string>()
  for (const c of changes) {
    if (c.resourceType !== 'comment') continue
    if (c.type === 'comment.deleted') held.delete(c.resourceId)
    else held.add(c.resourceId)
  }
  return [...held].sort()
}

const existingComments = async (t: TestApp) =>
  (await t.ctx.db.kysely.selectFrom('comments').select('id').orderBy('id').execute()).map((r) => r.id)

describe('comments', () => {
  it('lists oldest first across pages; authors edit their own, owners delete anyone’s', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const [owner, editor, other] = [await signUpUser(t), await signUpUser(t), await signUpUser(t)]
    const project = await createProject(t, owner.authHeaders)
    await addMember(t, project.id, editor.user.id, 'editor')
    await addMember(t, project.id, other.user.id, 'editor')
    const task = await createTask(t, owner.authHeaders, project.id)
    const mine = await createComment(t, editor.authHeaders, task.id, { body: 'first' })
    const theirs = await createComment(t, other.authHeaders, task.id, { body: 'second' })
    expect(mine).toMatchObject({ taskId: task.id, authorId: editor.user.id, body: 'first', version: 1 })

    const page = (await (
      await jsonRequest(t, 'GET', `/v1/tasks/${task.id}/comments?limit=1`, owner.authHeaders)
    ).json()) as CommentList
    expect(page.data.map((c) => c.body)).toEqual(['first'])
    const rest = (await (
      await jsonRequest(t, 'GET', `/v1/tasks/${task.id}/comments?limit=1&cursor=${page.nextCursor}`, owner.authHeaders)
    ).json()) as CommentList
    expect(rest.data.map((c) => c.body)).toEqual(['second'])

    const edit = await jsonRequest(
      t,
      'PATCH',
      `/v1/comments/${mine.id}`,
      { ...editor.authHeaders, 'If-Match': '"1"' },
      { body: 'edited' },
    )
    expect(edit.status).toBe(200)
    expect(edit.headers.get('etag')).toBe('"2"')
    expect(
      (await jsonRequest(t, 'PATCH', `/v1/comments/${theirs.id}`, editor.authHeaders, { body: 'hijack' })).status,
    ).toBe(403)
    expect(
      (await jsonRequest(t, 'PATCH', `/v1/comments/${theirs.id}`, owner.authHeaders, { body: 'owner edit' })).status,
    ).toBe(403)
    expect((await jsonRequest(t, 'DELETE', `/v1/comments/${theirs.id}`, editor.authHeaders)).status).toBe(403)
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/comments/${mine.id}`, { ...editor.authHeaders, 'If-Match': '"1"' })).status,
    ).toBe(412)
    expect((await jsonRequest(t, 'DELETE', `/v1/comments/${mine.id}`, editor.authHeaders)).status).toBe(204)
    expect((await jsonRequest(t, 'DELETE', `/v1/comments/${theirs.id}`, owner.authHeaders)).status).toBe(204)
    expect((await jsonRequest(t, 'PATCH', `/v1/comments/${theirs.id}`, other.authHeaders, { body: 'x' })).status).toBe(
      404,
    )
  })

  it('goes with its task', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const owner = await signUpUser(t)
    const project = await createProject(t, owner.authHeaders)
    const task = await createTask(t, owner.authHeaders, project.id)
    const comment = await createComment(t, owner.authHeaders, task.id)
    expect((await jsonRequest(t, 'DELETE', `/v1/tasks/${task.id}`, owner.authHeaders)).status).toBe(204)
    expect((await jsonRequest(t, 'PATCH', `/v1/comments/${comment.id}`, owner.authHeaders, { body: 'x' })).status).toBe(
      404,
    )
    expect((await jsonRequest(t, 'GET', `/v1/tasks/${task.id}/comments`, owner.authHeaders)).status).toBe(404)
  })
  it('tells members which comments went with a deleted task', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const [owner, editor] = [await signUpUser(t), await signUpUser(t)]
    const project = await createProject(t, owner.authHeaders)
    await addMember(t, project.id, editor.user.id, 'editor')
    const task = await createTask(t, owner.authHeaders, project.id)
    const kept = await createTask(t, owner.authHeaders, project.id)
    const first = await createComment(t, editor.authHeaders, task.id, { body: 'first' })
    const second = await createComment(t, owner.authHeaders, task.id, { body: 'second' })
    const other = await createComment(t, editor.authHeaders, kept.id, { body: 'stays' })
    expect((await jsonRequest(t, 'DELETE', `/v1/tasks/${task.id}`, owner.authHeaders)).status).toBe(204)

    const changes = await allChanges(t, editor.authHeaders)
    const afterDeletion = changes.slice(changes.findIndex((c) => c.type === 'task.deleted'))
    expect(afterDeletion.map((c) => `${c.type} ${c.resourceId}`)).toEqual([
      `task.deleted ${task.id}`,
      `comment.deleted ${first.id}`,
      `comment.deleted ${second.id}`,
    ])
    for (const change of afterDeletion.slice(1)) {
      expect(change).toMatchObject({
        projectId: project.id,
        resourceType: 'comment',
        actorId: owner.user.id,
        version: null,
        data: { id: change.resourceId, deleted: true },
      })
    }
    expect(await existingComments(t)).toEqual([other.id])
    expect(syncedComments(changes)).toEqual(await existingComments(t))
  })

  it('tells the remaining members which comments went with a deleted account', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const [alice, bob] = [await signUpUser(t), await signUpUser(t)]
    const shared = await createProject(t, bob.authHeaders)
    await addMember(t, shared.id, alice.user.id, 'editor')
    const task = await createTask(t, bob.authHeaders, shared.id)
    const first = await createComment(t, alice.authHeaders, task.id, { body: 'first' })
    const bobs = await createComment(t, bob.authHeaders, task.id, { body: 'reply' })
    const second = await createComment(t, alice.authHeaders, task.id, { body: 'second' })
    // Alice's own project goes with her account; its project.deleted covers what was in it.
    const solo = await createProject(t, alice.authHeaders)
    await createComment(t, alice.authHeaders, (await createTask(t, alice.authHeaders, solo.id)).id)

    const deleted = await jsonRequest(t, 'DELETE', '/v1/me', alice.authHeaders, { password: alice.password })
    expect(deleted.status).toBe(204)

    const changes = await allChanges(t, bob.authHeaders)
    const removals = changes.filter((c) => c.type === 'comment.deleted')
    expect(removals.map((c) => c.resourceId).sort()).toEqual([first.id, second.id].sort())
    for (const change of removals) {
      expect(change).toMatchObject({
        projectId: shared.id,
        resourceType: 'comment',
        actorId: alice.user.id,
        version: null,
        data: { id: change.resourceId, deleted: true },
      })
    }
    expect(await existingComments(t)).toEqual([bobs.id])
    expect(syncedComments(changes)).toEqual(await existingComments(t))
  })
})
