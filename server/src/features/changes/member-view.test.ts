import { describe, expect, it } from 'vitest'
import type { Change, ChangeList } from '../../generated/routes.js'
import { createTestApp, type TestApp } from '../../test/app.js'
import { openStream } from '../../test/events.js'
import { createNote, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { startTestSmtp } from '../../test/smtp.js'
import { signUpUser } from '../../test/users.js'

async function readAll(t: TestApp, headers: Record<string, string>, since = '0') {
  const res = await jsonRequest(t, 'GET', `/v1/changes?since=${since}&limit=100`, headers)
  expect(res.status).toBe(200)
  return (await res.json()) as ChangeList
}

const summary = (changes: Pick<Change, 'type' | 'resourceId'>[]) => changes.map((c) => `${c.type} ${c.resourceId}`)

describe('a member added to a project', () => {
  it('reads its changes from the write that added them on: nothing deleted or edited before, through listChanges or the stream', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', SMTP_URL: smtp.url })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t, { email: 'bob@example.com' })
    const project = await createProject(t, alice.authHeaders)
    const note = await createNote(t, alice.authHeaders, project.id, { title: 'Plan', body: 'the secret plan' })
    expect((await jsonRequest(t, 'DELETE', `/v1/notes/${note.id}`, alice.authHeaders)).status).toBe(204)
    const task = await createTask(t, alice.authHeaders, project.id, {
      title: 'Spec',
      description: 'the old description',
    })
    const edited = await jsonRequest(t, 'PATCH', `/v1/tasks/${task.id}`, alice.authHeaders, { description: 'public' })
    expect(edited.status).toBe(200)

    const invited = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, alice.authHeaders, {
      email: 'bob@example.com',
      role: 'viewer',
    })
    expect(invited.status).toBe(201)
    const token = /token=(inv_[A-Za-z0-9_-]+)/.exec((await smtp.waitForMail('bob@example.com', /invited/)).text)?.[1]
    const accepted = await jsonRequest(t, 'POST', '/v1/invitations/accept', bob.authHeaders, { token })
    expect(accepted.status).toBe(200)
    expect((await jsonRequest(t, 'GET', `/v1/notes/${note.id}`, bob.authHeaders)).status).toBe(404)

    // From the start of the log, bob reads the write that added him and what followed, no earlier version.
    const joined = await readAll(t, bob.authHeaders)
    // His invitation's notification (his own), and the write that added him.
    expect(joined.data.map((c) => c.type)).toEqual(['notification.created', 'member.added'])
    expect(joined.data[1]?.resourceId).toBe(bob.user.id)
    const text = JSON.stringify(joined)
    expect(text).not.toContain('the secret plan')
    expect(text).not.toContain('the old description')
    expect(text).not.toContain(note.id)
    // The project's current state is what getTask and getProject answer; later changes arrive as usual.
    const later = await createTask(t, alice.authHeaders, project.id, { title: 'After bob joined' })
    expect(summary((await readAll(t, bob.authHeaders, joined.syncToken)).data)).toEqual([`task.created ${later.id}`])

    const stream = await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders, since: '0' })
    await stream.waitFor((b) => b.event?.data?.resourceId === later.id)
    const streamed = stream.events().map((e) => e.data as Change)
    expect(summary(streamed)).toEqual(
      summary([...joined.data, ...(await readAll(t, bob.authHeaders, joined.syncToken)).data]),
    )
    expect(JSON.stringify(streamed)).not.toContain('the secret plan')

    // Alice, who was there all along, still reads everything from her project's creation on.
    expect(summary((await readAll(t, alice.authHeaders)).data).slice(0, 4)).toEqual([
      `project.created ${project.id}`,
      `member.added ${alice.user.id}`,
      `note.created ${note.id}`,
      `note.deleted ${note.id}`,
    ])
  })

  it('reads nothing of what was written while they were away after being removed and added again', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', SMTP_URL: smtp.url })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t, { email: 'bob@example.com' })
    const project = await createProject(t, alice.authHeaders)
    let mails = 0
    const invite = async () => {
      const invited = await jsonRequest(t, 'POST', `/v1/projects/${project.id}/invitations`, alice.authHeaders, {
        email: 'bob@example.com',
        role: 'editor',
      })
      expect(invited.status).toBe(201)
      const mail = await smtp.waitForMail('bob@example.com', /invited/, ++mails)
      const token = /token=(inv_[A-Za-z0-9_-]+)/.exec(mail.text)?.[1]
      expect((await jsonRequest(t, 'POST', '/v1/invitations/accept', bob.authHeaders, { token })).status).toBe(200)
    }
    await invite()
    await createTask(t, alice.authHeaders, project.id, { title: 'Seen while a member' })
    const removed = await jsonRequest(
      t,
      'DELETE',
      `/v1/projects/${project.id}/members/${bob.user.id}`,
      alice.authHeaders,
    )
    expect(removed.status).toBe(204)
    const away = await createNote(t, alice.authHeaders, project.id, {
      title: 'Away',
      body: 'written while bob was away',
    })
    await invite()

    const back = await readAll(t, bob.authHeaders)
    expect(summary(back.data)).toContain(`member.added ${bob.user.id}`)
    const text = JSON.stringify(back)
    expect(text).not.toContain(away.id)
    expect(text).not.toContain('written while bob was away')
  })
})
