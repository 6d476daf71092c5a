import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import pg from 'pg'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../../app.js'
import { createContext } from '../../context.js'
import { newId } from '../../lib/ids.js'
import { checkedFetch, createTestApp, type TestApp, testContextOverrides } from '../../test/app.js'
import { TEST_DATABASE, TEST_POSTGRES_URL } from '../../test/databases.js'
import { openStream, recordChange } from '../../test/events.js'
import { present } from '../../test/present.js'
import { addMember, createProject } from '../../test/projects.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'

/** A second app instance on the test's database, as a second server process would be. */
async function secondInstance(t: TestApp) {
  const ctx = await createContext(t.ctx.config, {
    ...testContextOverrides(),
    database: t.database,
    logger: pino({ level: 'silent' }),
  })
  onTestFinished(() => ctx.close())
  const fetch = checkedFetch(createApp(ctx))
  return { ctx, fetch, request: (path: string, init?: RequestInit) => fetch(`${t.baseUrl}${path}`, init) }
}

const fanOut = TEST_DATABASE === 'postgres' ? 'LISTEN/NOTIFY' : 'polling the shared SQLite file'

describe(`event stream across instances (${fanOut})`, () => {
  it('delivers a write on instance A to a stream on instance B within a second', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const b = await secondInstance(t)
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const stream = await openStream(b.fetch, t.baseUrl, { headers: alice.authHeaders })
    await stream.waitFor((block) => block.retry !== undefined)
    for (let i = 0; i < 3; i++) {
      const written = Date.now()
      const seq = await recordChange(t, project.id, `write ${i}`)
      const event = await stream.next(1_000)
      expect(event.id).toBe(String(seq))
      expect(Date.now() - written).toBeLessThan(1_000)
    }
  })

  it('tells a member removed on A, streaming from B, access_revoked within a second', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const b = await secondInstance(t)
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    await addMember(t, project.id, bob.user.id, 'editor')
    const stream = await openStream(b.fetch, t.baseUrl, { headers: bob.authHeaders })
    await stream.waitFor((block) => block.retry !== undefined)
    const removed = Date.now()
    const res = await t.request(`/v1/projects/${project.id}/members/${bob.user.id}`, {
      method: 'DELETE',
      headers: alice.authHeaders,
    })
    expect(res.status).toBe(204)
    const revoked = await stream.waitFor((block) => block.event?.event === 'access_revoked', 1_000)
    const delay = Date.now() - removed
    console.info(`[events] access_revoked reached a stream on the other instance after ${delay} ms`)
    expect(revoked.event?.data).toEqual({ projectId: project.id })
    expect(delay).toBeLessThan(1_000)
  })

  it('ends the streams of an API key revoked on A, on A and on B, within a second', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const b = await secondInstance(t)
    const alice = await signUpUser(t)
    const { apiKey, authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read'])
    const keyId = apiKey.id
    const onA = await openStream(t.fetch, t.baseUrl, { headers: authHeaders })
    const onB = await openStream(b.fetch, t.baseUrl, { headers: authHeaders })
    await Promise.all([onA, onB].map((s) => s.waitFor((block) => block.retry !== undefined)))
    const revoked = Date.now()
    const res = await t.request(`/v1/me/api-keys/${keyId}`, { method: 'DELETE', headers: alice.authHeaders })
    expect(res.status).toBe(204)
    const ends = await Promise.all(
      [onA, onB].map(async (stream) => {
        const end = await stream.waitFor((block) => block.event?.event === 'auth_expired', 2_000)
        await stream.ended
        return { end, ms: Date.now() - revoked }
      }),
    )
    console.info(`[events] a revoked API key's streams ended after ${ends.map((e) => `${e.ms} ms`).join(' (A), ')} (B)`)
    for (const { end, ms } of ends) {
      expect(end.event?.data).toEqual({})
      expect(ms).toBeLessThan(1_000)
    }
  })

  it('delivers every visible change exactly once and in order to a client that disconnects at random during 1,000 writes from several writers', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const b = await secondInstance(t)
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const own = await createProject(t, alice.authHeaders)
    const shared = await createProject(t, bob.authHeaders)
    await addMember(t, shared.id, alice.user.id, 'editor')
    const foreign = await createProject(t, bob.authHeaders)
    const start = await t.ctx.changeLog.latestSeq()
    // Two instances in one process on one SQLite file would block each other's writes (better-sqlite3 waits
    // synchronously for the lock the other holds across an await), so on SQLite only A writes here; the
    // system test writes through two server processes.
    const writersOn = TEST_DATABASE === 'postgres' ? [t.request, b.request] : [t.request]
    const fetchers = [t.fetch, b.fetch]

    const WRITERS = 6
    const WRITES = 1_000
    // Alice writes to her own project and the shared one, Bob to the shared one and his own; Alice may see
    // everything but Bob's own project.
    const writers = [
      { headers: alice.authHeaders, projects: [own.id, shared.id] },
      { headers: bob.authHeaders, projects: [shared.id, foreign.id] },
    ]
    const began = Date.now()
    let writing = true
    let writesDone = 0
    const writing$ = Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const writer = present(writers[w % writers.length])
        for (let i = w; i < WRITES; i += WRITERS) {
          const via = present(writersOn[i % writersOn.length])
          const projectId = present(writer.projects[Math.floor(i / WRITERS) % 2])
          const res = await via(`/v1/projects/${projectId}/tasks`, {
            method: 'POST',
            headers: { ...writer.headers, 'content-type': 'application/json' },
            body: JSON.stringify({ title: `writer ${w} write ${i}` }),
          })
          if (res.status !== 201) throw new Error(`createTask answered ${res.status}: ${await res.text()}`)
        }
      }),
    ).finally(() => {
      writing = false
      writesDone = Date.now() - began
    })

    const received: string[] = []
    let connections = 0
    const expectedLast = async () => {
      const all = await t.ctx.changeLog.readVisible({ userId: alice.user.id }, { since: start, limit: 10_000 })
      return all.at(-1)?.seq
    }
    for (;;) {
      const last = received.at(-1)
      const stream = await openStream(present(fetchers[connections % 2]), t.baseUrl, {
        headers: alice.authHeaders,
        ...(last === undefined ? { since: String(start) } : { lastEventId: last }),
      })
      connections += 1
      // Disconnect after a random number of events, or a random short time, whichever comes first.
      const take = 1 + Math.floor(Math.random() * 40)
      const deadline = Date.now() + Math.random() * 50
      let taken = 0
      while (taken < take && Date.now() < deadline + (writing ? 0 : 200)) {
        const event = await stream.next(writing ? 250 : 200).catch(() => undefined)
        if (!event) break
        if (event.id === undefined) throw new Error(`unexpected ${event.event} event`)
        received.push(event.id)
        taken += 1
      }
      await stream.close()
      if (!writing && received.at(-1) === (await expectedLast())) break
      if (Date.now() - began > 80_000) throw new Error(`stream fell behind: ${received.length} events`)
    }
    await writing$
    const elapsed = Date.now() - began

    const visible = await t.ctx.changeLog.readVisible({ userId: alice.user.id }, { since: start, limit: 10_000 })
    expect(visible.length).toBeGreaterThanOrEqual(750)
    expect(received).toEqual(visible.map((c) => c.seq))
    expect(connections).toBeGreaterThan(10)
    console.info(
      `[events] 1,000 writes, ${connections} connections, ${received.length} events in ${elapsed} ms (writes done after ${writesDone} ms)`,
    )
  }, 90_000)
})

describe.runIf(TEST_DATABASE === 'postgres')('event stream when LISTEN is interrupted', () => {
  it('re-reads from where each stream was once the LISTEN connection is back, so nothing is missed', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const b = await secondInstance(t)
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    const stream = await openStream(b.fetch, t.baseUrl, { headers: alice.authHeaders })
    const first = await recordChange(t, project.id, 'before')
    expect((await stream.next(1_000)).id).toBe(String(first))

    // Cut B's LISTEN connection (only this test's: the application name carries this test's schema), then
    // write while it is down.
    const schema = t.database.dialect === 'postgres' ? t.database.schema : undefined
    const listenName = `tasklane-listen tasklane_changes_${schema}`.slice(0, 63)
    // Instances LISTEN from their first stream on: only B does. A stream can see its first change before that
    // connection is up (readers also poll while a write is held back), so wait for it to be there.
    const listening = async () =>
      (
        await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${listenName}`.execute(
          t.ctx.db.kysely,
        )
      ).rows.length
    for (const until = Date.now() + 5_000; (await listening()) === 0 && Date.now() < until; ) await sleep(20)
    const { rows } = await sql<{ pid: number }>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where application_name = ${listenName}`.execute(t.ctx.db.kysely)
    expect(rows.length).toBe(1)
    const during = await recordChange(t, project.id, 'while B was not listening')
    const event = await stream.next(3_000)
    expect(event.id).toBe(String(during))
  })
})

describe.runIf(TEST_DATABASE === 'postgres')('change notifications', () => {
  it('sends one NOTIFY per write, however many changes it records, carrying its first seq', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t)
    const project = await createProject(t, alice.authHeaders)
    // An instance only announces once streams may listen: open one so the signal is running.
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    const schema = t.database.dialect === 'postgres' ? t.database.schema : ''
    const listener = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await listener.connect()
    onTestFinished(() => listener.end())
    const payloads: string[] = []
    listener.on('notification', (message) => payloads.push(message.payload ?? ''))
    await listener.query(`listen "tasklane_changes_${schema}"`)

    const seqs = await t.ctx.writer.write(async (tx) => {
      const change = (title: string) => ({
        type: 'task.updated',
        projectId: project.id,
        resourceType: 'task',
        resourceId: newId('tsk'),
        version: 1,
        actorId: null,
        data: { title },
      })
      return [await tx.record(change('one')), await tx.record(change('two')), await tx.record(change('three'))]
    })
    const second = await recordChange(t, project.id, 'a second write')
    // Notifications arrive in commit order: once the second write's is in, the first's are all there.
    await expect.poll(() => payloads.at(-1)).toBe(String(second))
    expect(payloads).toEqual([String(seqs[0]), String(second)])
  })
})
