import { describe, expect, it } from 'vitest'
import { tinyPng } from '../features/attachments/test-files.js'
import { createTus, upload, uploaded } from '../features/attachments/test-support.js'
import type { Attachment, Comment, Invitation, Project, Task } from '../generated/routes.js'
import { createTestApp, type TestApp } from '../test/app.js'
import { addMember, createComment, createNote, createProject, createTask, jsonRequest } from '../test/projects.js'
import { waitForQueueEmpty } from '../test/queue.js'
import { specOperations } from '../test/spec.js'
import { createApiKeyFor, signUpUser } from '../test/users.js'
import { type Action, can, type Resource, type Role, scopeFor } from './permissions.js'

// Every operation of the projects issue, walked for every kind of caller. The expected status is derived
// from the permission table (role × action × resource), not written per cell, so the table and the
// behaviour cannot disagree unnoticed.

const CALLERS = ['owner', 'editor', 'viewer', 'outsider', 'anonymous', 'readKey', 'writeKey'] as const
type Caller = (typeof CALLERS)[number]
/** API keys belong to the owner: they act as the owner, within their scopes. */
const ROLE_OF: Record<Caller, Role | undefined> = {
  owner: 'owner',
  editor: 'editor',
  viewer: 'viewer',
  outsider: undefined,
  anonymous: undefined,
  readKey: 'owner',
  writeKey: 'owner',
}

interface Cell {
  t: TestApp
  project: Project
  task: Task
  noteId: string
  /** A comment by someone who is none of the callers (an editor), for moderation. */
  othersComment: Comment
  /** A comment written by the caller's user (by the owner for callers who are not members). */
  ownComment: Comment
  invitation: Invitation
  /** A webhook endpoint of the project (pointing at a closed local port) and one delivery of it. */
  webhookId: string
  deliveryId: string
  users: Record<'owner' | 'editor' | 'viewer' | 'outsider' | 'author', { id: string; headers: Record<string, string> }>
  invitationToken: string
  callerUserId: string | undefined
  /** A file uploaded by someone who is none of the callers (an editor). */
  othersAttachment: Attachment
  /** A file uploaded by the caller's user (by the owner for callers who are not members). */
  ownAttachment: Attachment
  /** A resumable upload (5 bytes, none sent) begun by the caller's user (by the owner for non-members). */
  ownUpload: string
}

/** The permission the operation needs, or a rule of its own (with its scope) for operations outside any project. */
type OperationPermission =
  | { permission: { resource: Resource; action: string } }
  | { permission: 'authenticated'; scope: 'read' | 'write' }

type OperationCase = OperationPermission & {
  operationId: string
  success: number
  /** HEAD: answers carry no body, so a 404's code cannot be read. */
  bodiless?: true
  send(cell: Cell, headers: Record<string, string>): Promise<Response>
}

const CASES: OperationCase[] = [
  {
    operationId: 'listProjects',
    permission: 'authenticated',
    scope: 'read',
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', '/v1/projects', h),
  },
  {
    operationId: 'createProject',
    permission: 'authenticated',
    scope: 'write',
    success: 201,
    send: (c, h) => jsonRequest(c.t, 'POST', '/v1/projects', h, { name: 'Mine' }),
  },
  {
    operationId: 'getProject',
    permission: { resource: 'project', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}`, h),
  },
  {
    operationId: 'updateProject',
    permission: { resource: 'project', action: 'update' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/projects/${c.project.id}`, h, { name: 'Renamed' }),
  },
  {
    operationId: 'deleteProject',
    permission: { resource: 'project', action: 'delete' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/projects/${c.project.id}`, h),
  },
  {
    operationId: 'listMembers',
    permission: { resource: 'member', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/members`, h),
  },
  {
    operationId: 'updateMember',
    permission: { resource: 'member', action: 'update' },
    success: 200,
    send: (c, h) =>
      jsonRequest(c.t, 'PATCH', `/v1/projects/${c.project.id}/members/${c.users.author.id}`, h, { role: 'viewer' }),
  },
  {
    operationId: 'removeMember',
    permission: { resource: 'member', action: 'remove' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/projects/${c.project.id}/members/${c.users.author.id}`, h),
  },
  {
    operationId: 'createInvitation',
    permission: { resource: 'invitation', action: 'create' },
    success: 201,
    send: (c, h) =>
      jsonRequest(c.t, 'POST', `/v1/projects/${c.project.id}/invitations`, h, {
        email: 'new.person@example.com',
        role: 'viewer',
      }),
  },
  {
    operationId: 'listInvitations',
    permission: { resource: 'invitation', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/invitations`, h),
  },
  {
    operationId: 'revokeInvitation',
    permission: { resource: 'invitation', action: 'revoke' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/projects/${c.project.id}/invitations/${c.invitation.id}`, h),
  },
  {
    operationId: 'acceptInvitation',
    permission: 'authenticated',
    scope: 'write',
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'POST', '/v1/invitations/accept', h, { token: c.invitationToken }),
  },
  {
    operationId: 'listTasks',
    permission: { resource: 'task', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/tasks`, h),
  },
  {
    operationId: 'createTask',
    permission: { resource: 'task', action: 'create' },
    success: 201,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/projects/${c.project.id}/tasks`, h, { title: 'New' }),
  },
  {
    operationId: 'getTask',
    permission: { resource: 'task', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/tasks/${c.task.id}`, h),
  },
  {
    operationId: 'updateTask',
    permission: { resource: 'task', action: 'update' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/tasks/${c.task.id}`, h, { status: 'done' }),
  },
  {
    operationId: 'deleteTask',
    permission: { resource: 'task', action: 'delete' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/tasks/${c.task.id}`, h),
  },
  {
    operationId: 'listNotes',
    permission: { resource: 'note', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/notes`, h),
  },
  {
    operationId: 'createNote',
    permission: { resource: 'note', action: 'create' },
    success: 201,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/projects/${c.project.id}/notes`, h, { title: 'New' }),
  },
  {
    operationId: 'getNote',
    permission: { resource: 'note', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/notes/${c.noteId}`, h),
  },
  {
    operationId: 'updateNote',
    permission: { resource: 'note', action: 'update' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/notes/${c.noteId}`, h, { body: 'Changed' }),
  },
  {
    operationId: 'deleteNote',
    permission: { resource: 'note', action: 'delete' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/notes/${c.noteId}`, h),
  },
  {
    operationId: 'listComments',
    permission: { resource: 'comment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/tasks/${c.task.id}/comments`, h),
  },
  {
    operationId: 'createComment',
    permission: { resource: 'comment', action: 'create' },
    success: 201,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/tasks/${c.task.id}/comments`, h, { body: 'Hi' }),
  },
  {
    operationId: 'updateComment',
    permission: { resource: 'comment', action: 'updateOwn' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/comments/${c.ownComment.id}`, h, { body: 'Edited' }),
  },
  {
    operationId: 'deleteComment',
    permission: { resource: 'comment', action: 'deleteOwn' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/comments/${c.ownComment.id}`, h),
  },
  {
    operationId: 'deleteComment',
    permission: { resource: 'comment', action: 'deleteAny' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/comments/${c.othersComment.id}`, h),
  },
  {
    operationId: 'createAttachment',
    permission: { resource: 'attachment', action: 'create' },
    success: 201,
    send: (c, h) => upload(c.t, h, c.project.id, { name: 'a.txt', bytes: 'hello' }, { taskId: c.task.id }),
  },
  {
    operationId: 'listAttachments',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/attachments`, h),
  },
  {
    operationId: 'getProjectStorage',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/storage`, h),
  },
  {
    operationId: 'getAttachment',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/attachments/${c.othersAttachment.id}`, h),
  },
  {
    operationId: 'downloadAttachment',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/attachments/${c.othersAttachment.id}/content`, h),
  },
  {
    operationId: 'getAttachmentThumbnail',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/attachments/${c.othersAttachment.id}/thumbnails/64`, h),
  },
  {
    operationId: 'createAttachmentLink',
    permission: { resource: 'attachment', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/attachments/${c.othersAttachment.id}/link`, h),
  },
  {
    operationId: 'updateAttachment',
    permission: { resource: 'attachment', action: 'updateOwn' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/attachments/${c.ownAttachment.id}`, h, { filename: 'b.txt' }),
  },
  {
    operationId: 'updateAttachment',
    permission: { resource: 'attachment', action: 'updateAny' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/attachments/${c.othersAttachment.id}`, h, { filename: 'b.txt' }),
  },
  {
    operationId: 'deleteAttachment',
    permission: { resource: 'attachment', action: 'deleteOwn' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/attachments/${c.ownAttachment.id}`, h),
  },
  {
    operationId: 'deleteAttachment',
    permission: { resource: 'attachment', action: 'deleteAny' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/attachments/${c.othersAttachment.id}`, h),
  },
  {
    operationId: 'createUpload',
    permission: { resource: 'attachment', action: 'create' },
    success: 201,
    send: (c, h) => createTus(c.t, h, c.project.id).create(5, { filename: 'a.txt', taskId: c.task.id }),
  },
  {
    operationId: 'getUploadOffset',
    permission: { resource: 'attachment', action: 'create' },
    success: 200,
    bodiless: true,
    send: (c, h) => createTus(c.t, h, c.project.id).head(c.ownUpload),
  },
  {
    operationId: 'appendUploadChunk',
    permission: { resource: 'attachment', action: 'create' },
    success: 200,
    send: (c, h) => createTus(c.t, h, c.project.id).patch(c.ownUpload, 0, Buffer.from('hello')),
  },
  {
    operationId: 'deleteUpload',
    permission: { resource: 'attachment', action: 'create' },
    success: 204,
    send: (c, h) => createTus(c.t, h, c.project.id).delete(c.ownUpload),
  },
  {
    operationId: 'listWebhookEndpoints',
    permission: { resource: 'webhook', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/projects/${c.project.id}/webhooks`, h),
  },
  {
    operationId: 'createWebhookEndpoint',
    permission: { resource: 'webhook', action: 'create' },
    success: 201,
    send: (c, h) =>
      jsonRequest(c.t, 'POST', `/v1/projects/${c.project.id}/webhooks`, h, {
        url: 'http://127.0.0.1:9/other',
        eventTypes: ['task.*'],
      }),
  },
  {
    operationId: 'getWebhookEndpoint',
    permission: { resource: 'webhook', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/webhooks/${c.webhookId}`, h),
  },
  {
    operationId: 'updateWebhookEndpoint',
    permission: { resource: 'webhook', action: 'update' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'PATCH', `/v1/webhooks/${c.webhookId}`, h, { description: 'Renamed' }),
  },
  {
    operationId: 'deleteWebhookEndpoint',
    permission: { resource: 'webhook', action: 'delete' },
    success: 204,
    send: (c, h) => jsonRequest(c.t, 'DELETE', `/v1/webhooks/${c.webhookId}`, h),
  },
  {
    operationId: 'rotateWebhookSecret',
    permission: { resource: 'webhook', action: 'rotate' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/webhooks/${c.webhookId}/secret/rotate`, h),
  },
  {
    operationId: 'pingWebhookEndpoint',
    permission: { resource: 'webhook', action: 'ping' },
    success: 202,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/webhooks/${c.webhookId}/ping`, h),
  },
  {
    operationId: 'listWebhookDeliveries',
    permission: { resource: 'webhook', action: 'read' },
    success: 200,
    send: (c, h) => jsonRequest(c.t, 'GET', `/v1/webhooks/${c.webhookId}/deliveries`, h),
  },
  {
    operationId: 'redeliverWebhookDelivery',
    permission: { resource: 'webhook', action: 'redeliver' },
    success: 202,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/webhooks/${c.webhookId}/deliveries/${c.deliveryId}/redeliver`, h),
  },
  {
    operationId: 'replayWebhookEvents',
    permission: { resource: 'webhook', action: 'replay' },
    success: 202,
    send: (c, h) => jsonRequest(c.t, 'POST', `/v1/webhooks/${c.webhookId}/replay`, h, { since: '0' }),
  },
]

function expectedStatus(op: OperationCase, caller: Caller): number {
  if (caller === 'anonymous') return 401
  const scope = op.permission === 'authenticated' ? op.scope : scopeFor(op.permission.action)
  if (caller === 'readKey' && scope === 'write') return 403
  if (op.permission === 'authenticated') return op.success
  const role = ROLE_OF[caller]
  if (!role) return 404
  const { resource, action } = op.permission
  return can(role, resource, action as Action<typeof resource>) ? op.success : 403
}

async function world() {
  // Webhook endpoints of the cells point at a closed port on this machine.
  const t = await createTestApp({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1' })
  const [owner, editor, viewer, outsider, author] = await Promise.all([
    signUpUser(t),
    signUpUser(t),
    signUpUser(t),
    signUpUser(t),
    signUpUser(t),
  ])
  const readKey = await createApiKeyFor(t, owner.accessToken, ['read'])
  const writeKey = await createApiKeyFor(t, owner.accessToken, ['write'])
  const users = {
    owner: { id: owner.user.id, headers: owner.authHeaders },
    editor: { id: editor.user.id, headers: editor.authHeaders },
    viewer: { id: viewer.user.id, headers: viewer.authHeaders },
    outsider: { id: outsider.user.id, headers: outsider.authHeaders },
    author: { id: author.user.id, headers: author.authHeaders },
  }
  const headersOf: Record<Caller, Record<string, string>> = {
    owner: users.owner.headers,
    editor: users.editor.headers,
    viewer: users.viewer.headers,
    outsider: users.outsider.headers,
    anonymous: {},
    readKey: readKey.authHeaders,
    writeKey: writeKey.authHeaders,
  }
  const userOf: Record<Caller, string | undefined> = {
    owner: users.owner.id,
    editor: users.editor.id,
    viewer: users.viewer.id,
    outsider: users.outsider.id,
    anonymous: undefined,
    readKey: users.owner.id,
    writeKey: users.owner.id,
  }

  /** A fresh project with every kind of resource in it, so destructive cells do not affect each other. */
  async function cell(caller: Caller): Promise<Cell> {
    const o = users.owner.headers
    const project = await createProject(t, o)
    await addMember(t, project.id, users.editor.id, 'editor')
    await addMember(t, project.id, users.viewer.id, 'viewer')
    await addMember(t, project.id, users.author.id, 'editor')
    const task = await createTask(t, o, project.id)
    const note = await createNote(t, o, project.id)
    const othersComment = await createComment(t, users.author.headers, task.id)
    let ownComment = await createComment(t, o, task.id)
    const callerUser = userOf[caller]
    if (callerUser && callerUser !== users.owner.id && ROLE_OF[caller]) {
      // Viewers cannot comment through the API; their "own" comment is written directly, as if they had
      // commented while they were still editors.
      await t.ctx.db.kysely
        .updateTable('comments')
        .set({ author_id: callerUser })
        .where('id', '=', ownComment.id)
        .execute()
      ownComment = { ...ownComment, authorId: callerUser }
    }
    const othersAttachment = await uploaded(
      await upload(t, users.author.headers, project.id, { name: 'theirs.png', bytes: await tinyPng() }),
    )
    let ownAttachment = await uploaded(await upload(t, o, project.id, { bytes: 'mine' }))
    if (callerUser && callerUser !== users.owner.id && ROLE_OF[caller]) {
      // As for comments: a viewer's "own" file is one they uploaded while they were still an editor.
      await t.ctx.db.kysely
        .updateTable('attachments')
        .set({ created_by: callerUser })
        .where('id', '=', ownAttachment.id)
        .execute()
      ownAttachment = { ...ownAttachment, createdBy: callerUser }
    }
    const begun = await createTus(t, o, project.id).create(5, { filename: 'mine.txt' })
    expect(begun.status).toBe(201)
    const ownUpload = begun.headers.get('location') as string
    if (callerUser && callerUser !== users.owner.id && ROLE_OF[caller]) {
      // As for files: a viewer's own upload is one they began while they were still an editor.
      await t.ctx.db.kysely
        .updateTable('uploads')
        .set({ created_by: callerUser })
        .where('id', '=', ownUpload.slice(ownUpload.lastIndexOf('/') + 1))
        .execute()
    }
    const invRes = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, o, {
      email: `invitee-${caller}@example.com`,
      role: 'editor',
    })
    expect(invRes.status).toBe(201)
    const invitation = (await invRes.json()) as Invitation
    await t.ctx.mailer.idle()
    await waitForQueueEmpty(t.ctx, 10_000, 'mail')
    const invitationToken = await tokenFromMail(t, invitation.email)
    const hookRes = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, o, {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['task.*'],
    })
    expect(hookRes.status).toBe(201)
    const webhookId = ((await hookRes.json()) as { id: string }).id
    const pingRes = await jsonRequest(t, 'POST', `/v1/webhooks/${webhookId}/ping`, o)
    expect(pingRes.status).toBe(202)
    const deliveryId = ((await pingRes.json()) as { id: string }).id
    return {
      webhookId,
      deliveryId,
      t,
      project,
      task,
      noteId: note.id,
      othersComment,
      ownComment,
      invitation,
      users,
      invitationToken,
      callerUserId: callerUser,
      othersAttachment,
      ownAttachment,
      ownUpload,
    }
  }
  return { t, headersOf, cell }
}

async function tokenFromMail(t: TestApp, to: string): Promise<string> {
  const { readdir, readFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const dir = join(t.ctx.config.DATA_DIR, 'mail')
  for (const file of (await readdir(dir)).sort().reverse()) {
    const text = await readFile(join(dir, file), 'utf8')
    if (!text.includes(`To: ${to}`)) continue
    // The body is quoted-printable: undo soft line breaks and =XX escapes.
    const decoded = text
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)))
    const match = /token=(inv_[A-Za-z0-9_-]+)/.exec(decoded)
    if (match?.[1]) return match[1]
  }
  throw new Error(`no invitation mail to ${to}`)
}

describe('authorization matrix', () => {
  it('covers every operation of projects, members, invitations, tasks, notes, comments, attachments and webhooks', () => {
    const covered = new Set(CASES.map((c) => c.operationId))
    const inScope = specOperations
      .filter((o) => /^\/v1\/(projects|tasks|notes|comments|invitations|attachments|webhooks)/.test(o.path))
      .map((o) => o.operationId)
    expect(inScope.length).toBe(49)
    expect([...covered].sort()).toEqual([...new Set(inScope)].sort())
  })

  for (const op of CASES) {
    const name =
      op.permission === 'authenticated'
        ? op.operationId
        : `${op.operationId} (${op.permission.resource}.${op.permission.action})`
    it(`${name}: ${CALLERS.map((c) => `${c} → ${expectedStatus(op, c)}`).join(', ')}`, async () => {
      const w = await world()
      const actual: Record<string, number> = {}
      const expected: Record<string, number> = {}
      for (const caller of CALLERS) {
        const cell = await w.cell(caller)
        const res = await op.send(cell, w.headersOf[caller])
        actual[caller] = res.status
        expected[caller] = expectedStatus(op, caller)
        if (res.status === 404 && !op.bodiless) {
          // Indistinguishable from a missing id: the same problem code as for an id that never existed.
          expect((await res.json()).code).toMatch(/^(not_found|invitation_not_found)$/)
        }
      }
      expect(actual).toEqual(expected)
    })
  }
})
