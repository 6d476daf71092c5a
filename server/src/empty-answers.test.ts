import { describe, expect, it } from 'vitest'
import { tinyPng } from './features/attachments/test-files.js'
import { createTus, upload, uploaded } from './features/attachments/test-support.js'
import type { AttachmentLink, Identity, Invitation, SessionList } from './generated/routes.js'
import type { TestApp } from './test/app.js'
import { APP_REDIRECT, signInWith } from './test/identities.js'
import { startOAuth2Stub } from './test/oauth2-stub.js'
import { addMember, createComment, createNote, createProject, createTask, jsonRequest } from './test/projects.js'
import { post, tokenIn } from './test/requests.js'
import { serveMigratedApp } from './test/serve.js'
import { startTestSmtp } from './test/smtp.js'
import { assertMatchesSpec, findOperation, specOperations } from './test/spec.js'
import { createApiKeyFor, signUpUser } from './test/users.js'

// An answer without a body has nothing whose type could be named: it carries no Content-Type. Checked over
// real connections, as clients get them: the Node adapter, not the app, is where a type could be added.

interface EmptyAnswer {
  operationId: string
  status: number
  contentType: string | null
}

/** Every operation that documents an answer without a body (a 201, 202, 204, 302, 304 or a HEAD's 200). */
const bodylessOperations = specOperations
  .filter((o) =>
    Object.entries(o.operation.responses as Record<string, { content?: unknown }>).some(
      ([status, response]) => /^[23]\d\d$/.test(status) && response.content === undefined,
    ),
  )
  .map((o) => o.operationId)
  .sort()

/**
 * The app served on 127.0.0.1 over a fresh database, as a TestApp whose requests go over HTTP (so the
 * fixture helpers work unchanged); every answer is checked against openapi.yaml, and those the contract
 * documents without a body are noted with their Content-Type.
 */
async function servedApp(env: Record<string, string>) {
  const { url: served, ctx, database } = await serveMigratedApp({ SIGNUP_FLOW: 'immediate', ...env })
  const empty: EmptyAnswer[] = []
  const fetchOver = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const target = new URL(input instanceof Request ? input.url : String(input), 'http://tasklane.test')
    const url = `${served}${target.pathname}${target.search}`
    const response = await fetch(url, { redirect: 'manual', ...init })
    const method = (init?.method ?? 'GET').toUpperCase()
    await assertMatchesSpec(method, url, response)
    const op =
      findOperation(method, target.pathname) ?? (method === 'HEAD' ? findOperation('get', target.pathname) : undefined)
    const documented = op?.operation.responses[String(response.status)]
    if (op && documented && documented.content === undefined) {
      empty.push({
        operationId: op.operationId,
        status: response.status,
        contentType: response.headers.get('content-type'),
      })
    }
    return response
  }
  const t = {
    ctx,
    fetch: fetchOver,
    request: (path: string, init?: RequestInit) => fetchOver(path, init),
    baseUrl: 'http://tasklane.test',
    database,
  } as unknown as TestApp
  return { t, empty }
}

/** `GET path` and then the same with its ETag in `If-None-Match`: the second is the 304. */
async function notModified(t: TestApp, path: string, headers: Record<string, string> = {}) {
  const first = await t.request(path, { headers })
  expect(first.status).toBe(200)
  await first.arrayBuffer()
  const etag = first.headers.get('etag') ?? ''
  const again = await t.request(path, { headers: { ...headers, 'If-None-Match': etag } })
  expect(again.status).toBe(304)
}

const del = (t: TestApp, path: string, headers: Record<string, string>, body?: unknown) =>
  jsonRequest(t, 'DELETE', path, headers, body)

describe('answers without a body', () => {
  it('carry no Content-Type, for every operation that answers without one', async () => {
    const smtp = await startTestSmtp()
    const gh = await startOAuth2Stub()
    const { t, empty } = await servedApp({
      RATE_LIMITS_ENABLED: 'false',
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://app.example.com',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
      AUTH_PROVIDERS: 'github',
      ...gh.settings('github'),
      SERVER_URL: 'http://tasklane.test',
      AUTH_REDIRECT_URLS: APP_REDIRECT,
    })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const bob = await signUpUser(t, { email: 'bob@example.com' })
    const carol = await signUpUser(t, { email: 'carol@example.com' })

    // Accounts and their emailed links.
    expect((await t.request('/v1/auth/signup-request', post({ email: 'dan@example.com' }))).status).toBe(202)
    // Signing up mailed the first verification link; the one asked for here ends it.
    await smtp.waitForMail('alice@example.com', /verify/i)
    expect(
      (await t.request('/v1/auth/email-verification', { method: 'POST', headers: alice.authHeaders })).status,
    ).toBe(202)
    const verify = tokenIn((await smtp.waitForMail('alice@example.com', /verify/i, 2)).text, '/verify-email')
    expect((await t.request('/v1/auth/email-verification/confirm', post({ token: verify }))).status).toBe(204)
    const change = await jsonRequest(t, 'PATCH', '/v1/me', alice.authHeaders, {
      email: 'alice@new.example.com',
      currentPassword: alice.password,
    })
    expect(change.status).toBe(200)
    const confirm = tokenIn((await smtp.waitForMail('alice@new.example.com', /confirm/i)).text, '/confirm-email-change')
    expect((await t.request('/v1/auth/email-change/confirm', post({ token: confirm }))).status).toBe(204)
    expect((await t.request('/v1/auth/password-reset', post({ email: 'bob@example.com' }))).status).toBe(202)
    const reset = tokenIn((await smtp.waitForMail('bob@example.com', /reset/i)).text, '/reset-password')
    const newPassword = 'a fresh reset passphrase'
    expect((await t.request('/v1/auth/password-reset/confirm', post({ token: reset, newPassword }))).status).toBe(204)
    const changed = await jsonRequest(t, 'POST', '/v1/me/password', carol.authHeaders, {
      currentPassword: carol.password,
      newPassword: 'another long passphrase',
    })
    expect(changed.status).toBe(204)
    expect((await del(t, '/v1/me', carol.authHeaders, { password: 'another long passphrase' })).status).toBe(204)

    // Sessions, API keys, a provider's identity.
    const logIn = async () => {
      const res = await t.request('/v1/auth/login', post({ email: 'alice@new.example.com', password: alice.password }))
      expect(res.status).toBe(200)
      return { Authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` }
    }
    await logIn()
    const sessions = (await (await t.request('/v1/me/sessions', { headers: alice.authHeaders })).json()) as SessionList
    const newest = sessions.data[0]?.id ?? ''
    expect((await del(t, `/v1/me/sessions/${newest}`, alice.authHeaders)).status).toBe(204)
    expect((await t.request('/v1/auth/logout', { method: 'POST', headers: await logIn() })).status).toBe(204)
    const { apiKey } = await createApiKeyFor(t, alice.accessToken, ['read'])
    expect((await del(t, `/v1/me/api-keys/${apiKey.id}`, alice.authHeaders)).status).toBe(204)
    gh.users.set('alice-gh', {
      id: 4242,
      login: 'alice-gh',
      emails: [{ email: 'alice@new.example.com', primary: true, verified: true }],
    })
    const linked = await (
      await signInWith(t, 'github', (url) => gh.authorize(url, 'alice-gh'), alice.authHeaders)
    ).response()
    expect(linked.status).toBe(201)
    const identity = (await linked.json()) as Identity
    expect((await del(t, `/v1/me/identities/${identity.id}`, alice.authHeaders)).status).toBe(204)

    // A project and what is in it.
    const auth = alice.authHeaders
    const project = await createProject(t, auth)
    await notModified(t, `/v1/projects/${project.id}`, auth)
    await addMember(t, project.id, bob.user.id, 'viewer')
    expect((await del(t, `/v1/projects/${project.id}/members/${bob.user.id}`, auth)).status).toBe(204)
    const invited = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, auth, {
      email: 'erin@example.com',
      role: 'viewer',
    })
    expect(invited.status).toBe(201)
    const invitation = (await invited.json()) as Invitation
    expect((await del(t, `/v1/projects/${project.id}/invitations/${invitation.id}`, auth)).status).toBe(204)
    const hook = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/webhooks`, auth, {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['task.created'],
    })
    expect(hook.status).toBe(201)
    const { id: hookId } = (await hook.json()) as { id: string }
    expect((await del(t, `/v1/webhooks/${hookId}`, auth)).status).toBe(204)
    const task = await createTask(t, auth, project.id)
    await notModified(t, `/v1/tasks/${task.id}`, auth)
    const comment = await createComment(t, auth, task.id)
    expect((await del(t, `/v1/comments/${comment.id}`, auth)).status).toBe(204)
    const note = await createNote(t, auth, project.id)
    await notModified(t, `/v1/notes/${note.id}`, auth)
    expect((await del(t, `/v1/notes/${note.id}`, auth)).status).toBe(204)

    // Files, whole and resumable.
    const image = await uploaded(
      await upload(t, auth, project.id, { name: 'a.png', type: 'image/png', bytes: await tinyPng(300, 300) }),
    )
    await notModified(t, `/v1/attachments/${image.id}`, auth)
    await notModified(t, `/v1/attachments/${image.id}/content`, auth)
    await notModified(t, `/v1/attachments/${image.id}/thumbnails/64`, auth)
    const link = (await (
      await t.request(`/v1/attachments/${image.id}/link`, { headers: auth })
    ).json()) as AttachmentLink
    const signed = new URL(link.url, 'http://tasklane.test')
    await notModified(t, `${signed.pathname}${signed.search}`)
    expect((await del(t, `/v1/attachments/${image.id}`, auth)).status).toBe(204)
    const tus = createTus(t, auth, project.id)
    const created = await tus.create(1000, { filename: 'big.png' })
    expect(created.status).toBe(201)
    const location = created.headers.get('location') ?? ''
    expect((await tus.head(location)).status).toBe(200)
    expect((await tus.patch(location, 0, (await tinyPng()).subarray(0, 10))).status).toBe(204)
    expect((await tus.delete(location)).status).toBe(204)

    expect((await del(t, `/v1/tasks/${task.id}`, auth)).status).toBe(204)
    expect((await del(t, `/v1/projects/${project.id}`, auth)).status).toBe(204)

    expect([...new Set(empty.map((a) => a.operationId))].sort()).toEqual(bodylessOperations)
    expect(empty.filter((a) => a.contentType !== null)).toEqual([])
  })
})
