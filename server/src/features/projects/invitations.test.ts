import { describe, expect, it } from 'vitest'
import type { Invitation, InvitationList, Member } from '../../generated/routes.js'
import { createTestApp } from '../../test/app.js'
import { present } from '../../test/present.js'
import { addMember, createProject, jsonRequest } from '../../test/projects.js'
import { startTestSmtp } from '../../test/smtp.js'
import { signUpUser } from '../../test/users.js'

const tokenIn = (text: string) => {
  const token = /token=(inv_[A-Za-z0-9_-]+)/.exec(text)?.[1]
  if (!token) throw new Error(`no invitation token in:\n${text}`)
  return token
}

async function setup(env: Record<string, string> = {}) {
  const smtp = await startTestSmtp()
  const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://tasks.example.com', ...env })
  const alice = await signUpUser(t)
  const project = await createProject(t, alice.authHeaders, { name: 'Launch' })
  const invite = (email: string, role = 'editor') =>
    jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, alice.authHeaders, { email, role })
  return { smtp, t, alice, project, invite }
}

describe('invitations', () => {
  it('sends a single-use link over SMTP that a signed-in user accepts to join with the role', async () => {
    const { smtp, t, alice, project, invite } = await setup()
    const bob = await signUpUser(t, { email: 'bob@example.com' })
    const res = await invite('Bob@Example.com', 'editor')
    expect(res.status).toBe(201)
    const invitation = (await res.json()) as Invitation
    expect(invitation).toMatchObject({
      projectId: project.id,
      email: 'bob@example.com',
      role: 'editor',
      invitedBy: alice.user.id,
    })
    expect(res.headers.get('location')).toBe(`/v1/projects/${project.id}/invitations/${invitation.id}`)
    expect(JSON.stringify(invitation)).not.toMatch(/inv_[A-Za-z0-9_-]{40}/)

    const mail = await smtp.waitForMail('bob@example.com', /invited/)
    expect(mail.subject).toContain('Launch')
    expect(mail.text).toContain('https://tasks.example.com/accept-invitation?token=')
    const token = tokenIn(mail.text)

    const pending = (await (
      await jsonRequest(t, 'GET', `/v1/projects/${project.id}/invitations`, alice.authHeaders)
    ).json()) as InvitationList
    expect(pending.data.map((i) => i.id)).toEqual([invitation.id])

    const accepted = await jsonRequest(t, 'POST', '/v1/invitations/accept', bob.authHeaders, { token })
    expect(accepted.status).toBe(200)
    expect((await accepted.json()) as Member).toMatchObject({
      projectId: project.id,
      userId: bob.user.id,
      role: 'editor',
    })
    const project2 = await jsonRequest(t, 'GET', `/v1/projects/${project.id}`, bob.authHeaders)
    expect((await project2.json()).role).toBe('editor')

    // Single use: the token is spent, and the invitation is no longer pending.
    const carol = await signUpUser(t)
    const again = await jsonRequest(t, 'POST', '/v1/invitations/accept', carol.authHeaders, { token })
    expect(again.status).toBe(404)
    expect((await again.json()).code).toBe('invitation_not_found')
    const after = (await (
      await jsonRequest(t, 'GET', `/v1/projects/${project.id}/invitations`, alice.authHeaders)
    ).json()) as InvitationList
    expect(after.data).toEqual([])
    // An existing member is refused an invitation.
    expect((await invite('bob@example.com')).status).toBe(409)
  })

  it('refuses revoked, replaced, expired and unknown tokens', async () => {
    const { smtp, t, alice, project, invite } = await setup()
    const dave = await signUpUser(t)
    const first = (await (await invite('dave@example.com')).json()) as Invitation
    const firstToken = tokenIn((await smtp.waitForMail('dave@example.com', /invited/, 1)).text)
    // Inviting the same address again replaces the pending invitation.
    await invite('dave@example.com', 'viewer')
    const secondToken = tokenIn((await smtp.waitForMail('dave@example.com', /invited/, 2)).text)
    const accept = (token: string) => jsonRequest(t, 'POST', '/v1/invitations/accept', dave.authHeaders, { token })
    expect((await accept(firstToken)).status).toBe(404)
    const list = (await (
      await jsonRequest(t, 'GET', `/v1/projects/${project.id}/invitations`, alice.authHeaders)
    ).json()) as InvitationList
    expect(list.data).toHaveLength(1)
    const second = present(list.data[0], 'the second invitation')
    expect(second.id).not.toBe(first.id)
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/invitations/${second.id}`, alice.authHeaders)).status,
    ).toBe(204)
    expect(
      (await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/invitations/${second.id}`, alice.authHeaders)).status,
    ).toBe(404)
    expect((await accept(secondToken)).status).toBe(404)

    await invite('erin@example.com')
    const erinToken = tokenIn((await smtp.waitForMail('erin@example.com', /invited/)).text)
    await t.ctx.db.kysely
      .updateTable('invitations')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('email', '=', 'erin@example.com')
      .execute()
    expect((await accept(erinToken)).status).toBe(404)
    expect((await accept('inv_not-a-real-token')).status).toBe(404)
    expect((await jsonRequest(t, 'POST', '/v1/invitations/accept', {}, { token: erinToken })).status).toBe(401)
  })

  it('limits invitations per recipient and per project', async () => {
    const { t, invite } = await setup({
      RATE_LIMIT_INVITATIONS_RECIPIENT: '2/3600',
      RATE_LIMIT_INVITATIONS_PROJECT: '4/3600',
    })
    expect((await invite('x@example.com')).status).toBe(201)
    expect((await invite('x@example.com')).status).toBe(201)
    const third = await invite('X@example.com')
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(third.headers.get('ratelimit-policy')).toContain('"invitations-recipient";q=2;w=3600')
    expect((await invite('y@example.com')).status).toBe(201)
    expect((await invite('z@example.com')).status).toBe(429)
    await t.ctx.mailer.idle()
  })

  it('limits invitations per inviting user, so new projects do not bring a new quota', async () => {
    const { t, alice, invite } = await setup({ RATE_LIMIT_INVITATIONS_USER: '2/3600' })
    expect((await invite('a@example.com')).status).toBe(201)
    const other = await createProject(t, alice.authHeaders, { name: 'Another' })
    const inOther = (email: string) =>
      jsonRequest(t, 'POST', `/v1/projects/${other.id}/invitations`, alice.authHeaders, { email, role: 'viewer' })
    expect((await inOther('b@example.com')).status).toBe(201)
    const third = await createProject(t, alice.authHeaders, { name: 'Third' })
    const res = await jsonRequest(t, 'POST', `/v1/projects/${third.id}/invitations`, alice.authHeaders, {
      email: 'c@example.com',
      role: 'viewer',
    })
    expect(res.status).toBe(429)
    expect(res.headers.get('ratelimit')).toMatch(/^"invitations-user";r=0;t=\d+$/)
    await t.ctx.mailer.idle()
  })

  it('revokes the pending invitations of an owner who is removed or stops being owner', async () => {
    const { smtp, t, alice, project } = await setup()
    const bob = await signUpUser(t)
    const carol = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'owner')
    await addMember(t, project.id, carol.user.id, 'owner')
    const inviteAs = (headers: Record<string, string>, email: string) =>
      jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, headers, { email, role: 'owner' })
    expect((await inviteAs(bob.authHeaders, 'bob-alt@example.com')).status).toBe(201)
    expect((await inviteAs(carol.authHeaders, 'carol-alt@example.com')).status).toBe(201)
    expect((await inviteAs(alice.authHeaders, 'dave@example.com')).status).toBe(201)
    const bobToken = tokenIn((await smtp.waitForMail('bob-alt@example.com', /invited/)).text)
    const carolToken = tokenIn((await smtp.waitForMail('carol-alt@example.com', /invited/)).text)

    const removed = await jsonRequest(
      t,
      'DELETE',
      `/v1/projects/${project.id}/members/${bob.user.id}`,
      alice.authHeaders,
    )
    expect(removed.status).toBe(204)
    const demoted = await jsonRequest(
      t,
      'PATCH',
      `/v1/projects/${project.id}/members/${carol.user.id}`,
      alice.authHeaders,
      {
        role: 'viewer',
      },
    )
    expect(demoted.status).toBe(200)

    const pending = (await (
      await jsonRequest(t, 'GET', `/v1/projects/${project.id}/invitations`, alice.authHeaders)
    ).json()) as InvitationList
    expect(pending.data.map((i) => i.email)).toEqual(['dave@example.com'])
    // Clients following the change log are told both invitations ended, like any other revocation.
    const changes = (await (
      await jsonRequest(t, 'GET', `/v1/changes?projectId=${project.id}&limit=100`, alice.authHeaders)
    ).json()) as { data: { type: string; resourceId: string; data: unknown }[] }
    const invited = changes.data.filter((c) => c.type === 'invitation.created').map((c) => c.resourceId)
    const revoked = changes.data.filter((c) => c.type === 'invitation.revoked')
    expect(revoked).toHaveLength(2)
    expect(revoked.map((c) => c.resourceId).sort()).toEqual(invited.slice(0, 2).sort())
    for (const change of revoked) expect(change.data).toEqual({ id: change.resourceId, deleted: true })
    const bobAlt = await signUpUser(t, { email: 'bob-alt@example.com' })
    const carolAlt = await signUpUser(t, { email: 'carol-alt@example.com' })
    const accept = (headers: Record<string, string>, token: string) =>
      jsonRequest(t, 'POST', '/v1/invitations/accept', headers, { token })
    expect((await accept(bobAlt.authHeaders, bobToken)).status).toBe(404)
    expect((await accept(carolAlt.authHeaders, carolToken)).status).toBe(404)
    expect((await jsonRequest(t, 'GET', `/v1/projects/${project.id}`, bobAlt.authHeaders)).status).toBe(404)
  })
})
