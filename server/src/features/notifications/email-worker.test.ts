import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createContext } from '../../context.js'
import type { Notification, NotificationList } from '../../generated/routes.js'
import { createTestApp, testContextOverrides } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'
import { addMember, createProject, createTask, jsonRequest } from '../../test/projects.js'
import { startTestSmtp, type TestSmtp } from '../../test/smtp.js'
import { type SignedUpUser, signUpUser } from '../../test/users.js'

const DELAY_S = 1

async function setup(smtp: TestSmtp, env: Record<string, string> = {}) {
  const t = await createTestApp({
    RATE_LIMITS_ENABLED: 'false',
    SMTP_URL: smtp.url,
    NOTIFICATION_EMAIL_DELAY_S: String(DELAY_S),
    NOTIFICATION_EMAIL_INTERVAL_MS: '100',
    ...env,
  })
  const [owner, ada, bob] = [await signUpUser(t), await signUpUser(t), await signUpUser(t)] as [
    SignedUpUser,
    SignedUpUser,
    SignedUpUser,
  ]
  const project = await createProject(t, owner.authHeaders, { name: 'Launch' })
  await addMember(t, project.id, ada.user.id, 'editor')
  await addMember(t, project.id, bob.user.id, 'editor')
  const assign = async (user: SignedUpUser, title: string) => {
    await createTask(t, owner.authHeaders, project.id, { title, assigneeId: user.user.id })
    const list = (await (await jsonRequest(t, 'GET', '/v1/notifications', user.authHeaders)).json()) as NotificationList
    return list.data[0] as Notification
  }
  return { t, owner, ada, bob, assign }
}

/** The notification emails `user` received (sign-up also sends them a verification email). */
const mailsTo = (smtp: TestSmtp, user: SignedUpUser) =>
  smtp.messages.filter((m) => m.to.includes(user.user.email) && !/^Verify/.test(m.subject))

describe('notification emails', () => {
  it('emails a notification once when it is still unread after the delay', async () => {
    const smtp = await startTestSmtp()
    const { t, owner, ada, assign } = await setup(smtp)
    const created = Date.now()
    await assign(ada, 'Write the launch post')
    const mail = await smtp.waitForMail(ada.user.email, /assigned you/)
    expect(Date.now() - created).toBeGreaterThanOrEqual(DELAY_S * 1000 - 50)
    expect(mail.subject).toBe(`${owner.user.name} assigned you “Write the launch post”`)
    expect(mail.text).toContain('in the project “Launch”')
    // Several more rounds of the worker: still one mail.
    await new Promise((r) => setTimeout(r, 500))
    await t.ctx.mailer.idle()
    expect(mailsTo(smtp, ada)).toHaveLength(1)
  })

  it('does not email a notification read before the delay, nor one whose reason has email off', async () => {
    const smtp = await startTestSmtp()
    const { t, ada, bob, assign } = await setup(smtp)
    const off = await jsonRequest(t, 'PATCH', '/v1/notifications/preferences', bob.authHeaders, {
      assigned: { email: false },
    })
    expect(off.status).toBe(200)
    const read = await assign(ada, 'Read in time')
    await assign(bob, 'Email off')
    expect((await jsonRequest(t, 'POST', `/v1/notifications/${read.id}/read`, ada.authHeaders)).status).toBe(200)
    // A later notification that is emailed proves the worker has been past both.
    await assign(ada, 'Witness')
    await smtp.waitForMail(ada.user.email, /Witness/)
    await t.ctx.mailer.idle()
    expect(mailsTo(smtp, ada).map((m) => m.subject)).toEqual([expect.stringContaining('Witness')])
    expect(mailsTo(smtp, bob)).toEqual([])
  })

  it.skipIf(TEST_DATABASE !== 'postgres')('sends each email once with several instances on one database', async () => {
    const smtp = await startTestSmtp()
    const { t, ada, bob, assign } = await setup(smtp, { NOTIFICATION_EMAIL_INTERVAL_MS: '50' })
    const others = []
    for (let i = 0; i < 2; i++) {
      const ctx = await createContext(t.ctx.config, {
        ...testContextOverrides(),
        database: t.database,
        logger: pino({ level: 'silent' }),
      })
      onTestFinished(() => ctx.close())
      others.push(ctx)
    }
    const titles = Array.from({ length: 10 }, (_, i) => `Task ${i + 1}`)
    for (const title of titles) await assign(title.endsWith('0') ? bob : ada, title)
    await smtp.waitForMail(bob.user.email, /Task 10/)
    await new Promise((r) => setTimeout(r, 300))
    for (const ctx of [t.ctx, ...others]) await ctx.mailer.idle()
    expect(
      [...mailsTo(smtp, ada), ...mailsTo(smtp, bob)]
        .map((m) => m.subject.replace(/.*“(.*)”.*/, '$1'))
        .sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])),
    ).toEqual(titles)
  })
})
