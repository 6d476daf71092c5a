import { describe, expect, it } from 'vitest'
import { findJob } from '../queue/jobs.repository.js'
import { createTestApp } from '../test/app.js'
import { TEST_DATABASE } from '../test/databases.js'
import { waitForQueueEmpty } from '../test/queue.js'
import { startTestSmtp } from '../test/smtp.js'
import { signUpUser } from '../test/users.js'

describe(`mail on the job queue (${TEST_DATABASE})`, () => {
  it('delivers every mail exactly once after the mail server was down for a while', async () => {
    const smtp = await startTestSmtp()
    await smtp.stop()
    const t = await createTestApp({
      SMTP_URL: smtp.url,
      RATE_LIMITS_ENABLED: 'false',
      QUEUE_POLL_MS: '50',
      QUEUE_RETRY_BASE_MS: '50',
      QUEUE_RETRY_MAX_MS: '300',
    })
    const emails = Array.from({ length: 8 }, (_, i) => `down-${i}@example.com`)
    for (const email of emails) await signUpUser(t, { email })
    await t.ctx.auth.idle()
    // Down long enough for every mail to have failed more than once.
    await new Promise((r) => setTimeout(r, 1500))
    expect(smtp.messages).toHaveLength(0)
    const metrics = await (await t.request('/metrics')).text()
    const waiting = [...metrics.matchAll(/^queue_depth\{kind="mail",state="(?:queued|running)"\} (\d+)$/gm)]
    expect(waiting.reduce((n, m) => n + Number(m[1]), 0)).toBe(8)
    expect(metrics).toMatch(/^queue_job_attempt_failures_total\{kind="mail"\} (?:[89]|\d\d+)$/m)

    await smtp.start()
    await waitForQueueEmpty(t.ctx, 15_000)
    for (const email of emails) await smtp.waitForMail(email, /verify/i)
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual([...emails].sort())
    expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(emails.length)
  })

  it('keeps a mail the server refuses for good as failed instead of retrying it', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, QUEUE_POLL_MS: '50', QUEUE_RETRY_BASE_MS: '50' })
    const id = await t.ctx.db.kysely
      .transaction()
      .execute((trx) =>
        t.ctx.queue.enqueue(trx, { kind: 'mail', payload: { to: 'nobody@refused.example', subject: 'x', text: 'y' } }),
      )
    await waitForQueueEmpty(t.ctx)
    expect(await findJob(t.ctx.db.kysely, id)).toMatchObject({ state: 'failed', attempts: 1 })
  })
})
