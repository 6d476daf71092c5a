import { describe, expect, it } from 'vitest'
import type { Notification, NotificationList, NotificationPreferences } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { addMember, createComment, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { type SignedUpUser, signUpUser } from '../../test/users.js'

const quiet = { RATE_LIMITS_ENABLED: 'false' }

async function notificationsOf(t: TestApp, user: SignedUpUser, query = ''): Promise<Notification[]> {
  const res = await jsonRequest(t, 'GET', `/v1/notifications${query}`, user.authHeaders)
  expect(res.status).toBe(200)
  return ((await res.json()) as NotificationList).data
}

async function unreadCount(t: TestApp, user: SignedUpUser): Promise<number> {
  const res = await jsonRequest(t, 'GET', '/v1/notifications/unread-count', user.authHeaders)
  expect(res.status).toBe(200)
  return ((await res.json()) as { count: number }).count
}

/** A project owned by `owner` with an editor and a viewer, and a user who is not a member. */
async function team(t: TestApp) {
  const [owner, editor, viewer, outsider] = [
    await signUpUser(t),
    await signUpUser(t),
    await signUpUser(t),
    await signUpUser(t),
  ] as [SignedUpUser, SignedUpUser, SignedUpUser, SignedUpUser]
  const project = await createProject(t, owner.authHeaders, { name: 'Launch' })
  await addMember(t, project.id, editor.user.id, 'editor')
  await addMember(t, project.id, viewer.user.id, 'viewer')
  return { owner, editor, viewer, outsider, project }
}

describe('notifications', () => {
  it('tells the new assignee, never the actor, and not again while the assignee stays the same', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, project } = await team(t)
    const task = await createTask(t, owner.authHeaders, project.id, { title: 'Draft', assigneeId: editor.user.id })
    const mine = await createTask(t, owner.authHeaders, project.id, { title: 'Mine', assigneeId: owner.user.id })

    const [assigned, ...others] = await notificationsOf(t, editor)
    expect(others).toEqual([])
    expect(assigned).toMatchObject({
      reason: 'assigned',
      projectId: project.id,
      taskId: task.id,
      commentId: null,
      invitationId: null,
      actorId: owner.user.id,
      title: 'Draft',
      count: 1,
      readAt: null,
    })
    expect(await notificationsOf(t, owner)).toEqual([])

    // An edit that leaves the assignee alone notifies nobody; a new assignee is told.
    expect(
      (await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, owner.authHeaders, { title: 'Draft v2' })).status,
    ).toBe(200)
    expect(await notificationsOf(t, editor)).toHaveLength(1)
    expect(
      (await jsonRequest(t, 'PATCH', `/v1/tasks/${mine.id}`, editor.authHeaders, { assigneeId: viewer.user.id }))
        .status,
    ).toBe(200)
    expect(await notificationsOf(t, viewer)).toMatchObject([
      { reason: 'assigned', taskId: mine.id, actorId: editor.user.id, title: 'Mine' },
    ])
  })

  it('tells members @mentioned in a description or comment, only newly mentioned ones, never outsiders', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, outsider, project } = await team(t)
    const task = await createTask(t, owner.authHeaders, project.id, {
      title: 'Release notes',
      description: `Ask @${editor.user.email.toUpperCase()} and @${outsider.user.email}; cc @${owner.user.id}.`,
    })
    expect(await notificationsOf(t, editor)).toMatchObject([
      { reason: 'mentioned', taskId: task.id, actorId: owner.user.id, commentId: null, count: 1 },
    ])
    // Not a member: not told, even though the address is an account's. The actor mentioned themself.
    expect(await notificationsOf(t, outsider)).toEqual([])
    expect(await notificationsOf(t, owner)).toEqual([])

    // Editing the description notifies only names that were not there before.
    const edit = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, owner.authHeaders, {
      description: `Ask @${editor.user.email} and @${viewer.user.id}.`,
    })
    expect(edit.status).toBe(200)
    expect((await notificationsOf(t, editor))[0]).toMatchObject({ count: 1 })
    expect(await notificationsOf(t, viewer)).toMatchObject([{ reason: 'mentioned', taskId: task.id }])

    // In a comment: the mention carries the comment; the commenter is not told of their own words.
    const comment = await createComment(t, editor.authHeaders, task.id, {
      body: `@${viewer.user.email} can you check? (@${editor.user.email})`,
    })
    const [mention] = await notificationsOf(t, viewer)
    expect(mention).toMatchObject({ reason: 'mentioned', commentId: comment.id, actorId: editor.user.id, count: 2 })
    expect(await notificationsOf(t, editor)).toHaveLength(1)

    // Editing the comment to name someone new tells them, and nobody named before.
    const edited = await jsonRequest(t, 'PATCH', `/v1/comments/${comment.id}`, editor.authHeaders, {
      body: `@${viewer.user.email} can you check? @${owner.user.id} too`,
    })
    expect(edited.status).toBe(200)
    // (The owner created the task, so the comment itself told them already.)
    expect((await notificationsOf(t, owner)).map((n) => [n.reason, n.commentId])).toEqual([
      ['mentioned', comment.id],
      ['commented', comment.id],
    ])
    expect((await notificationsOf(t, viewer))[0]).toMatchObject({ count: 2 })
  })

  it('tells the task’s creator and assignee of comments, bumping one unread thread per task', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, project } = await team(t)
    const task = await createTask(t, owner.authHeaders, project.id, { title: 'Pricing', assigneeId: viewer.user.id })
    const another = await signUpUser(t)
    await addMember(t, project.id, another.user.id, 'editor')
    const first = await createComment(t, editor.authHeaders, task.id, { body: 'First thoughts' })

    const ownerThread = present((await notificationsOf(t, owner))[0], 'the owner’s notification')
    expect(ownerThread).toMatchObject({ reason: 'commented', taskId: task.id, commentId: first.id, count: 1 })
    expect((await notificationsOf(t, viewer)).map((n) => n.reason).sort()).toEqual(['assigned', 'commented'])
    expect(await notificationsOf(t, editor)).toEqual([])

    // A second comment bumps the owner's unread thread instead of adding another.
    const second = await createComment(t, another.authHeaders, task.id, { body: 'Agreed' })
    const [latest, ...rest] = await notificationsOf(t, owner)
    const bumped = present(latest, 'the bumped notification')
    expect(rest).toEqual([])
    expect(bumped).toMatchObject({
      id: ownerThread.id,
      count: 2,
      commentId: second.id,
      actorId: another.user.id,
      createdAt: ownerThread.createdAt,
    })
    expect(bumped.updatedAt >= ownerThread.updatedAt).toBe(true)

    // Once read, the next comment starts a new thread.
    expect((await jsonRequest(t, 'POST', `/v1/notifications/${bumped.id}/read`, owner.authHeaders)).status).toBe(200)
    await createComment(t, editor.authHeaders, task.id, { body: 'One more' })
    const threads = await notificationsOf(t, owner)
    expect(threads.map((n) => [n.count, n.readAt === null])).toEqual([
      [1, true],
      [2, false],
    ])
  })

  it('gathers concurrent comments into one thread', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, project } = await team(t)
    const task = await createTask(t, owner.authHeaders, project.id, { title: 'Busy' })
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => createComment(t, editor.authHeaders, task.id, { body: `Note ${i}` })),
    )
    expect(await notificationsOf(t, owner)).toMatchObject([{ reason: 'commented', taskId: task.id, count: 5 }])
  })

  it('tells an existing user they were invited, though not a member; nobody for an unknown address', async () => {
    const t = await createTestApp(quiet)
    const { owner, outsider, project } = await team(t)
    const invite = async (email: string) => {
      const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, owner.authHeaders, {
        email,
        role: 'editor',
      })
      expect(res.status).toBe(201)
      return (await res.json()) as { id: string }
    }
    const invitation = await invite(outsider.user.email.toUpperCase())
    await invite('nobody-here@example.com')
    expect(await notificationsOf(t, outsider)).toMatchObject([
      {
        reason: 'invited',
        projectId: project.id,
        taskId: null,
        invitationId: invitation.id,
        actorId: owner.user.id,
        title: 'Launch',
      },
    ])
    expect(await unreadCount(t, outsider)).toBe(1)
  })

  it('deletes the invited notification when its invitation is revoked, and tells the invitee’s devices', async () => {
    const t = await createTestApp(quiet)
    const { owner, outsider, project } = await team(t)
    const res = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, owner.authHeaders, {
      email: outsider.user.email,
      role: 'editor',
    })
    const invitation = (await res.json()) as { id: string }
    const [notification] = await notificationsOf(t, outsider)
    expect(notification).toMatchObject({ reason: 'invited', invitationId: invitation.id })
    const revoked = await jsonRequest(
      t,
      'DELETE',
      `/v1/projects/${project.id}/invitations/${invitation.id}`,
      owner.authHeaders,
    )
    expect(revoked.status).toBe(204)
    expect(await notificationsOf(t, outsider)).toEqual([])
    expect(await unreadCount(t, outsider)).toBe(0)
    const changes = await (await jsonRequest(t, 'GET', '/v1/changes?since=0&limit=100', outsider.authHeaders)).json()
    expect(changes.data.map((c: { type: string; resourceId: string }) => `${c.type} ${c.resourceId}`)).toEqual([
      `notification.created ${notification?.id}`,
      `notification.deleted ${notification?.id}`,
    ])
    expect(changes.data[1].data).toEqual({ id: notification?.id, deleted: true })
  })

  it('counts unread, marks one read, and marks all up to a time, leaving later ones unread', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, project } = await team(t)
    for (const title of ['One', 'Two', 'Three']) {
      await createTask(t, owner.authHeaders, project.id, { title, assigneeId: editor.user.id })
    }
    expect(await unreadCount(t, editor)).toBe(3)
    const [three, two] = (await notificationsOf(t, editor)) as [Notification, Notification, Notification]
    expect(three.title).toBe('Three')

    const read = await jsonRequest(t, 'POST', `/v1/notifications/${three.id}/read`, editor.authHeaders)
    expect(read.status).toBe(200)
    const readAt = ((await read.json()) as Notification).readAt
    expect(readAt).not.toBeNull()
    // Again: nothing changes.
    const again = await jsonRequest(t, 'POST', `/v1/notifications/${three.id}/read`, editor.authHeaders)
    expect(((await again.json()) as Notification).readAt).toBe(readAt)
    expect(await unreadCount(t, editor)).toBe(2)
    // Someone else's notification is not there for them.
    expect((await jsonRequest(t, 'POST', `/v1/notifications/${three.id}/read`, viewer.authHeaders)).status).toBe(404)
    expect(
      (await jsonRequest(t, 'POST', '/v1/notifications/ntf_01JD8X3Z7Q2W6V5T4R3P1N0M9K/read', editor.authHeaders))
        .status,
    ).toBe(404)

    // Marking up to "two" leaves a notification that arrives afterwards unread.
    const before = two.updatedAt
    await new Promise((r) => setTimeout(r, 5))
    await createTask(t, owner.authHeaders, project.id, { title: 'Four', assigneeId: editor.user.id })
    const all = await jsonRequest(t, 'POST', '/v1/notifications/read', editor.authHeaders, { before })
    expect(all.status).toBe(200)
    expect(await all.json()).toEqual({ marked: 2 })
    expect((await notificationsOf(t, editor, '?unread=true')).map((n) => n.title)).toEqual(['Four'])
    expect((await notificationsOf(t, editor, '?unread=false')).map((n) => n.title)).toEqual(['Three', 'Two', 'One'])
    expect(await unreadCount(t, editor)).toBe(1)

    const bad = await jsonRequest(t, 'POST', '/v1/notifications/read', editor.authHeaders, { before: 'yesterday' })
    expect(bad.status).toBe(400)
    expect(await unreadCount(t, editor)).toBe(1)
  })

  it('pages newest first with signed cursors tied to the filter', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, project } = await team(t)
    for (const title of ['A', 'B', 'C']) {
      await createTask(t, owner.authHeaders, project.id, { title, assigneeId: editor.user.id })
    }
    const first = await jsonRequest(t, 'GET', '/v1/notifications?limit=2', editor.authHeaders)
    const page = (await first.json()) as NotificationList
    expect(page.data.map((n) => n.title)).toEqual(['C', 'B'])
    expect(first.headers.get('link')).toContain(`cursor=${page.nextCursor}`)
    const rest = (await (
      await jsonRequest(t, 'GET', `/v1/notifications?limit=2&cursor=${page.nextCursor}`, editor.authHeaders)
    ).json()) as NotificationList
    expect(rest).toMatchObject({ data: [{ title: 'A' }], nextCursor: null })
    const other = await jsonRequest(
      t,
      'GET',
      `/v1/notifications?unread=true&limit=2&cursor=${page.nextCursor}`,
      editor.authHeaders,
    )
    expect(other.status).toBe(400)
    expect((await jsonRequest(t, 'GET', '/v1/notifications?unread=yes', editor.authHeaders)).status).toBe(400)
    expect((await jsonRequest(t, 'GET', '/v1/notifications', {})).status).toBe(401)
  })

  it('hides notifications of a project the recipient has left', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, project } = await team(t)
    await createTask(t, owner.authHeaders, project.id, { title: 'Secret plan', assigneeId: editor.user.id })
    expect(await unreadCount(t, editor)).toBe(1)
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${editor.user.id}`, owner.authHeaders))
        .status,
    ).toBe(204)
    expect(await notificationsOf(t, editor)).toEqual([])
    expect(await unreadCount(t, editor)).toBe(0)
  })

  it('go with their task, comment, project and recipient; outlive their actor', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, outsider, project } = await team(t)
    const kept = await createTask(t, editor.authHeaders, project.id, { title: 'Kept', assigneeId: viewer.user.id })
    const gone = await createTask(t, owner.authHeaders, project.id, { title: 'Gone', assigneeId: editor.user.id })
    const comment = await createComment(t, owner.authHeaders, kept.id, { body: 'On it' })
    expect((await notificationsOf(t, editor)).map((n) => n.title)).toEqual(['Kept', 'Gone'])

    expect((await jsonRequest(t, 'DELETE', `/v1/comments/${comment.id}`, owner.authHeaders)).status).toBe(204)
    expect((await notificationsOf(t, editor))[0]).toMatchObject({ reason: 'commented', commentId: null })
    expect((await jsonRequest(t, 'DELETE', `/v1/tasks/${gone.id}`, owner.authHeaders)).status).toBe(204)
    expect((await notificationsOf(t, editor)).map((n) => n.title)).toEqual(['Kept'])

    // The actor's account goes; the notification stays, without them. The recipient's goes with theirs.
    const remove = (user: SignedUpUser) =>
      jsonRequest(t, 'DELETE', '/v1/me', user.authHeaders, { password: user.password })
    expect((await remove(editor)).status).toBe(204)
    expect((await notificationsOf(t, viewer)).map((n) => [n.reason, n.actorId])).toEqual([
      ['commented', owner.user.id],
      ['assigned', null],
    ])
    const stored = (userId: string) =>
      t.ctx.db.kysely.selectFrom('notifications').select('id').where('user_id', '=', userId).execute()
    expect((await remove(viewer)).status).toBe(204)
    expect(await stored(viewer.user.id)).toEqual([])

    await addMember(t, project.id, outsider.user.id, 'editor')
    await createTask(t, owner.authHeaders, project.id, { title: 'Last', assigneeId: outsider.user.id })
    expect(await stored(outsider.user.id)).toHaveLength(1)
    expect((await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}`, owner.authHeaders)).status).toBe(204)
    expect(await stored(outsider.user.id)).toEqual([])
  })

  it('keeps preferences per reason and channel; in-app off makes no notification', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, project } = await team(t)
    const prefs = await jsonRequest(t, 'GET', '/v1/notifications/preferences', editor.authHeaders)
    const all = { inApp: true, email: true }
    expect(await prefs.json()).toEqual({ assigned: all, mentioned: all, commented: all, invited: all })

    const patch = await jsonRequest(t, 'PATCH', '/v1/notifications/preferences', editor.authHeaders, {
      assigned: { inApp: false },
      commented: { email: false },
    })
    expect(patch.status).toBe(200)
    const expected: NotificationPreferences = {
      assigned: { inApp: false, email: true },
      mentioned: all,
      commented: { inApp: true, email: false },
      invited: all,
    }
    expect(await patch.json()).toEqual(expected)
    const next = await jsonRequest(t, 'PATCH', '/v1/notifications/preferences', editor.authHeaders, {
      assigned: { email: false },
    })
    expect(await next.json()).toEqual({ ...expected, assigned: { inApp: false, email: false } })
    for (const body of [{ assigned: {} }, { assigned: { push: true } }, { sometimes: { email: true } }]) {
      expect((await jsonRequest(t, 'PATCH', '/v1/notifications/preferences', editor.authHeaders, body)).status).toBe(
        400,
      )
    }
    // Another user's preferences are their own.
    expect(await (await jsonRequest(t, 'GET', '/v1/notifications/preferences', owner.authHeaders)).json()).toEqual({
      assigned: all,
      mentioned: all,
      commented: all,
      invited: all,
    })

    // Assignment notifications are off; mentions still arrive.
    await createTask(t, owner.authHeaders, project.id, {
      title: 'Quiet',
      assigneeId: editor.user.id,
      description: `@${editor.user.email}`,
    })
    expect((await notificationsOf(t, editor)).map((n) => n.reason)).toEqual(['mentioned'])
  })

  it('records each notification as a change only its recipient reads', async () => {
    const t = await createTestApp(quiet)
    const { owner, editor, viewer, project } = await team(t)
    const task = await createTask(t, owner.authHeaders, project.id, { title: 'Watch', assigneeId: editor.user.id })
    const notification = present((await notificationsOf(t, editor))[0], 'the assignee’s notification')

    const ofType = async (user: SignedUpUser) =>
      (await t.ctx.changeLog.readVisible({ userId: user.user.id }, { since: 0n, limit: 100 })).filter(
        (c) => c.type === 'notification.created',
      )
    expect(await ofType(editor)).toMatchObject([
      {
        type: 'notification.created',
        resourceType: 'notification',
        resourceId: notification.id,
        projectId: project.id,
        actorId: owner.user.id,
        data: notification,
      },
    ])
    expect(await ofType(owner)).toEqual([])
    expect(await ofType(viewer)).toEqual([])
    // The same through the API.
    const listed = async (user: SignedUpUser) => {
      const res = await jsonRequest(t, 'GET', '/v1/changes?since=0&limit=100', user.authHeaders)
      expect(res.status).toBe(200)
      const page = (await res.json()) as { data: { type: string; resourceId: string }[] }
      return page.data.filter((c) => c.type === 'notification.created').map((c) => c.resourceId)
    }
    expect(await listed(editor)).toEqual([notification.id])
    expect(await listed(owner)).toEqual([])

    // A bump is delivered too, as the thread now is.
    const another = await signUpUser(t)
    await addMember(t, project.id, another.user.id, 'editor')
    await createComment(t, another.authHeaders, task.id, { body: 'Hi' })
    await createComment(t, owner.authHeaders, task.id, { body: 'Hello' })
    const [, , commented] = await ofType(editor)
    expect(commented).toMatchObject({ data: { reason: 'commented', count: 2, actorId: owner.user.id } })

    // Marking read is recorded for the recipient's other devices: once per notification that changed.
    const updates = async (user: SignedUpUser) =>
      (await t.ctx.changeLog.readVisible({ userId: user.user.id }, { since: 0n, limit: 100 })).filter(
        (c) => c.type === 'notification.updated',
      )
    expect((await jsonRequest(t, 'POST', `/v1/notifications/${notification.id}/read`, editor.authHeaders)).status).toBe(
      200,
    )
    expect((await jsonRequest(t, 'POST', `/v1/notifications/${notification.id}/read`, editor.authHeaders)).status).toBe(
      200,
    )
    const all = await jsonRequest(t, 'POST', '/v1/notifications/read', editor.authHeaders, {
      before: new Date().toISOString(),
    })
    expect(await all.json()).toEqual({ marked: 1 })
    const marked = await updates(editor)
    expect(marked.map((c) => [c.resourceId, c.actorId, (c.data as Notification).readAt !== null])).toEqual([
      [notification.id, editor.user.id, true],
      [commented?.resourceId, editor.user.id, true],
    ])
    expect(await updates(owner)).toEqual([])
  })
})
