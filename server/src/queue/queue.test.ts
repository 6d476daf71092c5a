import pino from 'pino'
import { Registry } from 'prom-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { type Db, openDatabase } from '../db/database.js'
import { createTestApp } from '../test/app.js'
import { migratedDatabase, TEST_DATABASE } from '../test/databases.js'
import { claimJobs, findJob, listFailedJobs } from './jobs.repository.js'
import { createQueue, JobError, type JobKind, type JobKinds, type QueueOptions } from './queue.js'

const logger = pino({ level: 'silent' })

/** A migrated fresh database (SQLite file or PostgreSQL schema), and a way to open more connections to it. */
async function database() {
  const fresh = await migratedDatabase()
  // Registered first, so it runs last: after every connection opened below is closed.
  onTestFinished(() => fresh.drop())
  const open = () => {
    const db = openDatabase(fresh.options)
    onTestFinished(() => db.close())
    return db
  }
  return { db: open(), open }
}

function queueOn<K extends JobKinds>(db: Db, kinds: K, options: Partial<QueueOptions<K>> = {}) {
  const queue = createQueue({
    db,
    logger,
    kinds,
    registry: new Registry(),
    concurrency: 5,
    pollMs: 20,
    leaseMs: 5000,
    ...options,
  })
  onTestFinished(() => queue.stop(0))
  return queue
}

const fast = { retryBaseMs: 5, retryMaxMs: 20, giveUpAfterMs: 60_000 }

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe(`job queue (${TEST_DATABASE})`, () => {
  it('runs a job only if the transaction that enqueued it commits', async () => {
    const { db } = await database()
    const ran: string[] = []
    const queue = queueOn(db, { note: { ...fast, run: async (p: { text: string }) => void ran.push(p.text) } })
    queue.start()
    await db.kysely.transaction().execute((trx) => queue.enqueue(trx, { kind: 'note', payload: { text: 'kept' } }))
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await queue.enqueue(trx, { kind: 'note', payload: { text: 'rolled back' } })
        throw new Error('the write failed')
      }),
    ).rejects.toThrow('the write failed')
    queue.wake()
    await until(() => ran.length === 1, 'the committed job ran')
    await new Promise((r) => setTimeout(r, 200))
    expect(ran).toEqual(['kept'])
  })

  it('retries a failing job with growing, jittered delays until it succeeds, then removes it', async () => {
    const { db } = await database()
    const attempts: { attempt: number; at: number }[] = []
    const kinds = {
      flaky: {
        retryBaseMs: 40,
        retryMaxMs: 1000,
        giveUpAfterMs: 60_000,
        async run(_: null, job) {
          attempts.push({ attempt: job.attempt, at: Date.now() })
          if (job.attempt < 4) throw new Error(`failure ${job.attempt}`)
        },
      } satisfies JobKind<null>,
    }
    // random() = 1 takes the whole ceiling each time, so the delays are the ceilings: 40, 80, 160 ms.
    const queue = queueOn(db, kinds, { random: () => 1 })
    queue.start()
    const id = await db.kysely.transaction().execute((trx) => queue.enqueue(trx, { kind: 'flaky', payload: null }))
    queue.wake()
    await until(async () => attempts.length === 4 && !(await findJob(db.kysely, id)), 'the fourth attempt succeeded')
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4])
    const gaps = attempts.slice(1).map((a, i) => a.at - (attempts[i]?.at ?? 0))
    expect(gaps[0]).toBeGreaterThanOrEqual(35)
    expect(gaps[1]).toBeGreaterThanOrEqual(75)
    expect(gaps[2]).toBeGreaterThanOrEqual(155)
  })

  it('keeps a job that keeps failing as failed, with its last error, and a permanent error fails it at once', async () => {
    const { db } = await database()
    const runs = new Map<string, number>()
    const afterFailure: (Date | null)[] = []
    const kinds = {
      broken: {
        retryBaseMs: 5,
        retryMaxMs: 10,
        giveUpAfterMs: 300,
        async run(p: { name: string }) {
          runs.set(p.name, (runs.get(p.name) ?? 0) + 1)
          if (p.name === 'refused') throw new JobError('the receiver said never again', { retry: false })
          throw new Error('still down')
        },
        afterFailure: async (_p, _job, { nextAttemptAt }) => void afterFailure.push(nextAttemptAt),
      } satisfies JobKind<{ name: string }>,
    }
    const queue = queueOn(db, kinds)
    queue.start()
    await db.kysely.transaction().execute(async (trx) => {
      await queue.enqueue(trx, { kind: 'broken', payload: { name: 'down' } })
      await queue.enqueue(trx, { kind: 'broken', payload: { name: 'refused' } })
    })
    queue.wake()
    await until(async () => (await listFailedJobs(db.kysely, 'broken', 10)).length === 2, 'both jobs failed')
    const failed = await listFailedJobs(db.kysely, 'broken', 10)
    const byName = new Map(failed.map((j) => [JSON.parse(j.payload).name as string, j]))
    expect(byName.get('refused')).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'the receiver said never again',
    })
    expect(byName.get('down')).toMatchObject({ state: 'failed', last_error: 'still down' })
    expect(byName.get('down')?.attempts).toBeGreaterThan(1)
    expect(runs.get('refused')).toBe(1)
    expect(afterFailure.filter((d) => d === null)).toHaveLength(2)
  })

  it('lets another worker take over the job of a worker that died holding it, once its lease ran out', async () => {
    const { db, open } = await database()
    const ran: number[] = []
    const kinds = { work: { ...fast, run: async (_: null, job) => void ran.push(job.attempt) } satisfies JobKind<null> }
    const queue = queueOn(open(), kinds, { leaseMs: 300 })
    await db.kysely.transaction().execute((trx) => queue.enqueue(trx, { kind: 'work', payload: null }))
    // A worker that claims the job and is never heard of again (killed before it could finish).
    const now = new Date()
    const claimed = await claimJobs(db, {
      workerId: 'wkr_dead',
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + 300).toISOString(),
      limit: 10,
    })
    expect(claimed).toHaveLength(1)
    queue.start()
    await new Promise((r) => setTimeout(r, 150))
    expect(ran).toEqual([])
    await until(() => ran.length === 1, 'the job was taken over')
    expect(ran).toEqual([2])
  })

  it('runs each of many jobs exactly once, never twice at the same time, with two workers on one database', async () => {
    const { db, open } = await database()
    const running = new Set<number>()
    const done = new Map<number, number>()
    let overlaps = 0
    const kinds = {
      work: {
        ...fast,
        async run(p: { n: number }) {
          if (running.has(p.n)) overlaps++
          running.add(p.n)
          await new Promise((r) => setTimeout(r, Math.random() * 5))
          running.delete(p.n)
          done.set(p.n, (done.get(p.n) ?? 0) + 1)
        },
      } satisfies JobKind<{ n: number }>,
    }
    const a = queueOn(open(), kinds, { concurrency: 8 })
    const b = queueOn(open(), kinds, { concurrency: 8 })
    const n = 300
    await db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < n; i++) await a.enqueue(trx, { kind: 'work', payload: { n: i } })
    })
    a.start()
    b.start()
    await until(() => done.size === n, 'every job ran', 30_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(overlaps).toBe(0)
    expect([...done.values()].every((count) => count === 1)).toBe(true)
  })

  it('on shutdown finishes short jobs and gives back the ones that do not finish in time, uncounted', async () => {
    const { db, open } = await database()
    const finished: string[] = []
    const aborted: string[] = []
    const kinds = {
      work: {
        ...fast,
        async run(p: { name: string; ms: number }, job) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, p.ms)
            job.signal.addEventListener('abort', () => {
              clearTimeout(timer)
              aborted.push(p.name)
              reject(job.signal.reason)
            })
          })
          finished.push(p.name)
        },
      } satisfies JobKind<{ name: string; ms: number }>,
    }
    const first = queueOn(open(), kinds)
    const ids = await db.kysely
      .transaction()
      .execute(async (trx) => [
        await first.enqueue(trx, { kind: 'work', payload: { name: 'short', ms: 50 } }),
        await first.enqueue(trx, { kind: 'work', payload: { name: 'long', ms: 60_000 } }),
      ])
    first.start()
    await until(async () => (await findJob(db.kysely, ids[1] as string))?.state === 'running', 'both jobs started')
    await first.stop(300)
    expect(finished).toEqual(['short'])
    expect(aborted).toEqual(['long'])
    const given = await findJob(db.kysely, ids[1] as string)
    expect(given).toMatchObject({ state: 'queued', attempts: 0, locked_by: null })
    expect(await findJob(db.kysely, ids[0] as string)).toBeUndefined()
  })

  it('reports depth, oldest job age, attempts and failures per kind on /metrics', async () => {
    const t = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:1', QUEUE_RETRY_BASE_MS: '60000' })
    await t.ctx.db.kysely
      .transaction()
      .execute((trx) =>
        t.ctx.queue.enqueue(trx, { kind: 'mail', payload: { to: 'ada@example.com', subject: 'Hi', text: 'Hello' } }),
      )
    t.ctx.queue.wake()
    let body = ''
    await until(async () => {
      body = await (await t.request('/metrics')).text()
      return /queue_job_attempt_failures_total\{kind="mail"\} 1/.test(body)
    }, 'the failed attempt is counted')
    expect(body).toMatch(/queue_job_attempts_total\{kind="mail"\} 1/)
    expect(body).toMatch(/queue_depth\{kind="mail",state="queued"\} 1/)
    expect(body).toMatch(/queue_oldest_job_age_seconds\{kind="mail"\} \d/)
  })
})
