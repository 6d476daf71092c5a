import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { TEST_DATABASE } from '../../test/databases.js'
import { waitForQueueEmpty } from '../../test/queue.js'
import { post, tokenIn } from '../../test/requests.js'
import { type AddressedResponse, clientAt, serveTestApp } from '../../test/serve.js'
import { startTestSmtp, type TestSmtp } from '../../test/smtp.js'

const PASSWORD = 'a long enough signup passphrase'
const start = (t: TestApp, email: string) => t.request('/v1/auth/signup-request', post({ email }))
const complete = (t: TestApp, body: { token: string; password?: string; name?: string }) =>
  t.request('/v1/auth/signup-request/confirm', post({ password: PASSWORD, name: 'Ada', ...body }))
const legacySignUp = (t: TestApp, email: string) =>
  t.request('/v1/auth/signup', post({ email, password: PASSWORD, name: 'Ada' }))

/** The app as an operator gets it with mail configured and SIGNUP_FLOW left unset. */
async function mailedApp(env: Record<string, string> = {}) {
  const smtp = await startTestSmtp()
  const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com', SIGNUP_FLOW: '', ...env })
  return { smtp, t }
}

/** Signs `email` up through the mailed link, as a person does; answers the 201's body. */
async function signUpByMail(t: TestApp, smtp: TestSmtp, email: string, nth = 1) {
  expect((await start(t, email)).status).toBe(202)
  const token = tokenIn((await smtp.waitForMail(email, /finish signing up/i, nth)).text, '/complete-signup')
  const res = await complete(t, { token })
  expect(res.status).toBe(201)
  return { body: await res.json(), token }
}

/**
 * Everything a client can see of an answer except what differs for every request: its id, the clock, and the
 * seconds until the rate-limit window resets (`resetS`, compared apart: windows opened at different times).
 */
function seenRaw(res: AddressedResponse) {
  const { 'x-request-id': _id, date: _date, ...headers } = res.headers
  const rateLimit = String(headers.ratelimit ?? '')
  const resetS = Number(/;t=(\d+)/.exec(rateLimit)?.[1])
  if (rateLimit) headers.ratelimit = rateLimit.replace(/;t=\d+/, ';t=…')
  const body = res.body ? JSON.parse(res.body) : null
  if (body) delete body.requestId
  return { seen: { status: res.status, headers, body }, resetS }
}

describe(`signing up by email (${TEST_DATABASE})`, () => {
  it('answers the same for an address with an account and one without, on both sign-up operations', async () => {
    // A real server, so that each request comes from its own client address and meets fresh per-IP counters.
    const smtp = await startTestSmtp()
    const { url } = await serveTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const from = (n: number) => clientAt(url, `127.0.3.${n}`)
    const ownerAsked = Date.now()
    expect((await from(1).json('POST', '/v1/auth/signup-request', { email: 'owner@example.com' })).status).toBe(202)
    const token = tokenIn((await smtp.waitForMail('owner@example.com', /finish/i)).text, '/complete-signup')
    const made = await from(1).json('POST', '/v1/auth/signup-request/confirm', { token, password: PASSWORD, name: 'O' })
    expect(made.status).toBe(201)
    // The other address is asked for as often as the owner's was, so their per-recipient counters agree too.
    expect((await from(2).json('POST', '/v1/auth/signup-request', { email: 'newcomer@example.com' })).status).toBe(202)
    // Their windows opened this far apart, so the seconds until each resets may differ by as much (and no more).
    const apartS = Math.ceil((Date.now() - ownerAsked) / 1000) + 1
    const sameBut = (a: ReturnType<typeof seenRaw>, b: ReturnType<typeof seenRaw>) => {
      expect(b.seen).toEqual(a.seen)
      expect(Math.abs(a.resetS - b.resetS)).toBeLessThanOrEqual(apartS)
    }

    const taken = seenRaw(await from(3).json('POST', '/v1/auth/signup-request', { email: 'owner@example.com' }))
    const free = seenRaw(await from(4).json('POST', '/v1/auth/signup-request', { email: 'newcomer@example.com' }))
    expect(taken.seen.status).toBe(202)
    sameBut(taken, free)

    const legacy = (n: number, email: string) =>
      from(n).json('POST', '/v1/auth/signup', { email, password: PASSWORD, name: 'Ada' })
    const takenLegacy = seenRaw(await legacy(5, 'owner@example.com'))
    const freeLegacy = seenRaw(await legacy(6, 'someone-else@example.com'))
    expect(takenLegacy.seen.status).toBe(403)
    expect(takenLegacy.seen.body.code).toBe('signup_requires_verification')
    sameBut(takenLegacy, freeLegacy)
    // The deprecated operation says so, with when it goes.
    expect(takenLegacy.seen.headers.deprecation).toMatch(/^@\d+$/)
    expect(takenLegacy.seen.headers.sunset).toBeTruthy()
    // And made no account.
    const login = await from(7).json('POST', '/v1/auth/login', {
      email: 'someone-else@example.com',
      password: PASSWORD,
    })
    expect(login.status).toBe(401)
  })

  it('says which flow it uses, so that an app shows the right form', async () => {
    const { t } = await mailedApp()
    expect(await (await t.request('/v1/auth/signup')).json()).toEqual({ flow: 'verify-first' })
    const plain = await createTestApp({ SIGNUP_FLOW: '' })
    expect(await (await plain.request('/v1/auth/signup')).json()).toEqual({ flow: 'immediate' })
  })

  it('tells the owner of an existing address that someone tried, with no link, and changes nothing', async () => {
    const { smtp, t } = await mailedApp()
    const { body: owner } = await signUpByMail(t, smtp, 'owner@example.com')
    expect((await start(t, 'OWNER@example.com')).status).toBe(202)
    const notice = await smtp.waitForMail('owner@example.com', /tried to sign up/i)
    expect(notice.text).toContain('already has one')
    expect(notice.text).toMatch(/reset it from the sign-in page/)
    expect(notice.text).not.toMatch(/token=/)
    await waitForQueueEmpty(t.ctx)
    expect(smtp.messages.filter((m) => /finish signing up/i.test(m.subject))).toHaveLength(1)
    const me = await t.request('/v1/me', { headers: { Authorization: `Bearer ${owner.accessToken}` } })
    expect(await me.json()).toMatchObject({ id: owner.user.id, name: 'Ada', email: 'owner@example.com' })
  })

  it('makes a verified, signed-in account with the mailed token, once', async () => {
    const { smtp, t } = await mailedApp()
    expect((await start(t, 'Ada@example.com')).status).toBe(202)
    const token = tokenIn((await smtp.waitForMail('Ada@example.com', /finish signing up/i)).text, '/complete-signup')

    const weak = await complete(t, { token, password: 'password123' })
    expect(weak.status).toBe(422)
    expect((await weak.json()).code).toBe('password_too_common')

    const res = await complete(t, { token, name: 'Ada Lovelace' })
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe('/v1/me')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json()
    expect(body.user).toMatchObject({ email: 'Ada@example.com', name: 'Ada Lovelace', emailVerified: true })
    expect(body.refreshToken).toMatch(/^rt_/)
    const me = await t.request('/v1/me', { headers: { Authorization: `Bearer ${body.accessToken}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ id: body.user.id, emailVerified: true })
    const login = await t.request('/v1/auth/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(login.status).toBe(200)

    const again = await complete(t, { token })
    expect(again.status).toBe(422)
    expect((await again.json()).code).toBe('invalid_token')
    const unknown = await complete(t, { token: 'su_nope' })
    expect(unknown.status).toBe(422)
    expect((await unknown.json()).code).toBe('invalid_token')
  })

  it('refuses an expired token, and a token a newer request replaced', async () => {
    const { smtp, t } = await mailedApp()
    expect((await start(t, 'late@example.com')).status).toBe(202)
    const first = tokenIn((await smtp.waitForMail('late@example.com', /finish/i)).text, '/complete-signup')
    expect((await start(t, 'late@example.com')).status).toBe(202)
    const second = tokenIn((await smtp.waitForMail('late@example.com', /finish/i, 2)).text, '/complete-signup')
    const replaced = await complete(t, { token: first })
    expect(replaced.status).toBe(422)
    expect((await replaced.json()).code).toBe('invalid_token')

    await t.ctx.db.kysely
      .updateTable('signup_requests')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute()
    const expired = await complete(t, { token: second })
    expect(expired.status).toBe(422)
    expect((await expired.json()).code).toBe('invalid_token')
    expect((await t.request('/v1/auth/login', post({ email: 'late@example.com', password: PASSWORD }))).status).toBe(
      401,
    )
  })

  it('leaves one live link per address when requests for it arrive together', async () => {
    const { smtp, t } = await mailedApp({ RATE_LIMITS_ENABLED: 'false' })
    const addresses = ['together1@example.com', 'together2@example.com', 'together3@example.com']
    const answers = await Promise.all(
      addresses.flatMap((email) => [email, email.toUpperCase(), email, email].map((e) => start(t, e))),
    )
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 202))
    const live = await t.ctx.db.kysely
      .selectFrom('signup_requests')
      .select(['email_normalized', (eb) => eb.fn.countAll<number>().as('n')])
      .where('used_at', 'is', null)
      .groupBy('email_normalized')
      .orderBy('email_normalized')
      .execute()
    expect(live.map((row) => [row.email_normalized, Number(row.n)])).toEqual(addresses.map((a) => [a, 1]))
    await waitForQueueEmpty(t.ctx)
    expect(smtp.messages.filter((m) => /finish signing up/i.test(m.subject)).length).toBe(answers.length)
  })

  it('answers 409 to a token whose address got an account meanwhile, and makes nothing', async () => {
    // The immediate flow keeps signUp, so the address can get its account between the mail and the link.
    const { smtp, t } = await mailedApp({ SIGNUP_FLOW: 'immediate' })
    expect((await start(t, 'race@example.com')).status).toBe(202)
    const token = tokenIn((await smtp.waitForMail('race@example.com', /finish/i)).text, '/complete-signup')
    expect((await legacySignUp(t, 'race@example.com')).status).toBe(201)
    const res = await complete(t, { token, password: 'another long passphrase' })
    expect(res.status).toBe(409)
    expect((await res.json()).code).toBe('email_taken')
    expect(
      (await t.request('/v1/auth/login', post({ email: 'race@example.com', password: 'another long passphrase' })))
        .status,
    ).toBe(401)
  })

  it('loses no sign-up mail while the mail server is down, and sends each once', async () => {
    const { smtp, t } = await mailedApp({ QUEUE_POLL_MS: '50', QUEUE_RETRY_BASE_MS: '50', QUEUE_RETRY_MAX_MS: '300' })
    await signUpByMail(t, smtp, 'owner@example.com')
    await smtp.stop()
    expect((await start(t, 'owner@example.com')).status).toBe(202)
    expect((await start(t, 'fresh@example.com')).status).toBe(202)
    // Down long enough for both mails to have failed at least once.
    await new Promise((r) => setTimeout(r, 600))
    expect(smtp.messages.some((m) => m.to.includes('fresh@example.com'))).toBe(false)
    const metrics = await (await t.request('/metrics')).text()
    expect(metrics).toMatch(/^queue_job_attempt_failures_total\{kind="mail"\} (?:[2-9]|\d\d+)$/m)
    await smtp.start()
    await waitForQueueEmpty(t.ctx, 15_000)
    await smtp.waitForMail('owner@example.com', /tried to sign up/i)
    const token = tokenIn((await smtp.waitForMail('fresh@example.com', /finish/i)).text, '/complete-signup')
    expect((await complete(t, { token })).status).toBe(201)
    const after = smtp.messages.filter((m) => m.to.includes('owner@example.com') || m.to.includes('fresh@example.com'))
    // owner: the link it signed up with and the notice; fresh: its link.
    expect(after).toHaveLength(3)
    expect(new Set(after.map((m) => m.messageId)).size).toBe(3)
  })
})

describe(`sign-up mails (${TEST_DATABASE})`, () => {
  it('are limited per recipient across client addresses, whether or not an account has the address', async () => {
    const { url } = await serveTestApp({
      SIGNUP_FLOW: 'immediate',
      RATE_LIMIT_EMAIL_RECIPIENT: '4/3600',
      RATE_LIMIT_SIGNUP_IP: '20/3600',
    })
    const owner = clientAt(url, '127.0.0.1')
    const made = await owner.json('POST', '/v1/auth/signup', {
      email: 'victim@example.com',
      password: PASSWORD,
      name: 'V',
    })
    expect(made.status).toBe(201)
    for (const email of ['victim@example.com', 'nobody@example.com']) {
      const statuses: number[] = []
      // Three addresses, each well within its own per-IP limit, ask for mails to one inbox.
      for (let round = 0; round < 3; round++) {
        for (const from of ['127.0.2.1', '127.0.2.2', '127.0.2.3']) {
          const res = await clientAt(url, from).json('POST', '/v1/auth/signup-request', {
            email: round === 1 ? email.toUpperCase() : email,
          })
          statuses.push(res.status)
          if (res.status === 429) expect(res.headers.ratelimit).toMatch(/^"email-recipient";r=0;t=\d+$/)
        }
      }
      expect(statuses.filter((s) => s === 202).length, email).toBe(4)
      expect(statuses.filter((s) => s === 429).length, email).toBe(5)
    }
  })

  it('are limited per client address', async () => {
    const { url } = await serveTestApp({ SIGNUP_FLOW: 'verify-first', RATE_LIMIT_SIGNUP_IP: '3/3600' })
    const eve = clientAt(url, '127.0.2.9')
    const statuses: number[] = []
    for (let i = 0; i < 5; i++)
      statuses.push((await eve.json('POST', '/v1/auth/signup-request', { email: `n${i}@example.com` })).status)
    expect(statuses).toEqual([202, 202, 202, 429, 429])
  })
})
