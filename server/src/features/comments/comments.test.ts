import { describe, expect, it } from 'vitest'
import type { CommentList } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { addMember, createComment, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { signUpUser } from '../../test/users.js'

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
})
