import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Db, Queryable } from '../db/database.js'
import { newId } from '../lib/ids.js'
import {
  claimJobs,
  completeJob,
  extendLeases,
  insertJob,
  type JobRow,
  type Lease,
  queueStats,
  releaseJob,
  settleFailedAttempt,
} from './jobs.repository.js'

/** What a kind of job does, and how long it keeps trying. */
export interface JobKind<P> {
  run(payload: P, job: RunningJob): Promise<void>
  /** First retry delay's ceiling; each further attempt doubles it (full jitter: a random delay up to it). */
  retryBaseMs: number
  /** The ceiling on any one retry delay. */
  retryMaxMs: number
  /** No attempt starts later than this after the job was enqueued; after that it ends as `failed`. */
  giveUpAfterMs: number
  /** Told of every failed attempt, with when the next one is due (null: none, the job is now `failed`). */
  afterFailure?(payload: P, job: RunningJob, failure: { error: Error; nextAttemptAt: Date | null }): Promise<void>
}

/** One attempt of a job, as its kind's `run` sees it. */
export interface RunningJob {
  id: string
  kind: string
  /** 1 for the first attempt. */
  attempt: number
  enqueuedAt: Date
  /** Aborted when the attempt must stop: the worker is shutting down and the job will be given back. */
  signal: AbortSignal
}

/**
 * Thrown by a job to say how its failure is to be treated: `retry: false` ends it as `failed` at once (a
 * receiver that answered 410, a message no server will take); `retryAfterMs` asks for at least that long
 * before the next attempt (a `Retry-After` header).
 */
export class JobError extends Error {
  override name = 'JobError'
  readonly retry: boolean
  readonly retryAfterMs: number | undefined
  constructor(message: string, options: { retry?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.retry = options.retry ?? true
    this.retryAfterMs = options.retryAfterMs
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a map of job kinds is keyed by name with payloads of any shape.
export type JobKinds = Record<string, JobKind<any>>
export type PayloadOf<K extends JobKinds, N extends keyof K> = K[N] extends JobKind<infer P> ? P : never

/** A job to enqueue: its kind and payload, optionally not before `runAt`. */
export type JobInput<K extends JobKinds> = {
  [N in keyof K & string]: { kind: N; payload: PayloadOf<K, N>; runAt?: Date }
}[keyof K & string]

export interface QueueOptions<K extends JobKinds> {
  db: Db
  logger: Logger
  kinds: K
  registry: Registry
  /** Jobs one worker runs at once. */
  concurrency: number
  /** How often an idle worker looks for due jobs (a write here wakes it at once). */
  pollMs: number
  /** How long a claimed job is held before another worker may take it over; renewed while it runs. */
  leaseMs: number
  now?: () => Date
  random?: () => number
}

export interface Queue<K extends JobKinds> {
  /**
   * Puts a job on the queue inside the transaction `db` belongs to: it is run only if that transaction
   * commits. Call `wake()` after the commit to start it without waiting for the next poll.
   */
  enqueue(db: Queryable, job: JobInput<K>): Promise<string>
  /** Looks for due jobs now (after a commit that enqueued some). */
  wake(): void
  /** Starts claiming and running jobs. */
  start(): void
  /**
   * Stops claiming; waits up to `graceMs` for running jobs to finish, then aborts the rest and gives them
   * back to the queue (due at once, the attempt not counted) for this or another instance to run.
   */
  stop(graceMs: number): Promise<void>
}

/**
 * A small durable queue on the application's own database (SQLite or PostgreSQL), so a job commits or rolls
 * back with the write that enqueues it. Each job is run by one worker at a time: claims are one statement
 * (`FOR UPDATE SKIP LOCKED` on PostgreSQL), held by a renewed lease that a crashed worker's job outlives.
 * Delivery is at least once: a worker that dies after the effect but before marking the job done leaves it
 * to be run again, so effects carry the job's stable id for receivers to deduplicate by.
 *
 * @example
 * const queue = createQueue({ db, logger, registry, kinds: { mail: mailJob }, concurrency: 10, pollMs: 1000, leaseMs: 30_000 })
 * await db.kysely.transaction().execute((trx) => queue.enqueue(trx, { kind: 'mail', payload: message }))
 * queue.wake()
 */
export function createQueue<K extends JobKinds>(options: QueueOptions<K>): Queue<K> {
  const { db, logger, kinds, concurrency, pollMs, leaseMs } = options
  const now = options.now ?? (() => new Date())
  const random = options.random ?? Math.random
  const workerId = newId('wkr')
  const metrics = queueMetrics(options.registry, db)
  const inFlight = new Map<
    string,
    { lease: Lease; controller: AbortController; done: Promise<void>; released: boolean }
  >()
  let started = false
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let polling: Promise<void> | undefined
  let pollAgain = false
  let renewTimer: NodeJS.Timeout | undefined
  let lastPollError = 0

  const iso = (ms: number) => new Date(ms).toISOString()

  async function poll(): Promise<void> {
    let claimedAll = true
    while (claimedAll && !stopping) {
      const free = concurrency - inFlight.size
      if (free <= 0) return
      const t = now().getTime()
      let jobs: JobRow[]
      try {
        jobs = await claimJobs(db, { workerId, now: iso(t), leaseUntil: iso(t + leaseMs), limit: free })
      } catch (err) {
        // The database is down or busy: try again at the next poll, logging at most every 10 s.
        if (t - lastPollError > 10_000) logger.warn({ err }, 'job queue: claiming jobs failed')
        lastPollError = t
        return
      }
      for (const row of jobs) runJob(row)
      claimedAll = jobs.length === free
    }
  }

  function schedulePoll(delayMs: number) {
    if (!started || stopping) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      if (polling) {
        pollAgain = true
        return
      }
      polling = poll().finally(() => {
        polling = undefined
        if (pollAgain) {
          pollAgain = false
          schedulePoll(0)
        } else if (!timer) schedulePoll(pollMs)
      })
    }, delayMs)
    timer.unref()
  }

  function runJob(row: JobRow) {
    const kind = kinds[row.kind]
    const lease: Lease = { id: row.id, workerId, attempt: row.attempts }
    const controller = new AbortController()
    const job: RunningJob = {
      id: row.id,
      kind: row.kind,
      attempt: row.attempts,
      enqueuedAt: new Date(row.created_at),
      signal: controller.signal,
    }
    const entry = { lease, controller, released: false, done: Promise.resolve() }
    entry.done = (async () => {
      metrics.attempts.inc({ kind: row.kind })
      let failure: Error | undefined
      try {
        if (!kind) throw new JobError(`no job kind "${row.kind}" is known to this server`, { retry: false })
        await kind.run(JSON.parse(row.payload), job)
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err))
      }
      try {
        if (entry.released) {
          await releaseJob(db.kysely, lease, now().toISOString())
        } else if (!failure) {
          await completeJob(db.kysely, lease)
        } else {
          await settleFailure(row, kind, job, lease, failure)
        }
      } catch (err) {
        // The lease runs out and the job is run again: at least once, never lost.
        logger.warn({ err, jobId: row.id, kind: row.kind }, 'job queue: recording the outcome of a job failed')
      }
    })().finally(() => {
      inFlight.delete(row.id)
      schedulePoll(0)
    })
    inFlight.set(row.id, entry)
  }

  async function settleFailure(
    row: JobRow,
    kind: JobKind<unknown> | undefined,
    job: RunningJob,
    lease: Lease,
    error: Error,
  ) {
    const t = now().getTime()
    let nextAttemptAt: Date | null = null
    if (kind && !(error instanceof JobError && !error.retry)) {
      // Full jitter (a random delay up to the exponential ceiling) spreads out retries that failed together.
      const ceiling = Math.min(kind.retryMaxMs, kind.retryBaseMs * 2 ** Math.min(row.attempts - 1, 40))
      let delay = random() * ceiling
      if (error instanceof JobError && error.retryAfterMs !== undefined) delay = Math.max(delay, error.retryAfterMs)
      const next = t + delay
      if (next <= job.enqueuedAt.getTime() + kind.giveUpAfterMs) nextAttemptAt = new Date(next)
    }
    const stillHeld = await settleFailedAttempt(db.kysely, lease, {
      availableAt: nextAttemptAt?.toISOString() ?? null,
      error: error.message.slice(0, 2000),
      now: iso(t),
    })
    // Counted once the outcome is stored, so a scrape that sees the failure also sees the job queued again.
    metrics.failures.inc({ kind: row.kind })
    if (!stillHeld) return
    if (!nextAttemptAt) {
      metrics.failed.inc({ kind: row.kind })
      logger.warn({ jobId: row.id, kind: row.kind, attempts: row.attempts, err: error }, 'job failed; kept as failed')
    }
    await kind?.afterFailure?.(JSON.parse(row.payload), job, { error, nextAttemptAt })
  }

  function renewLeases() {
    const ids = [...inFlight.values()].filter((e) => !e.released).map((e) => e.lease.id)
    if (ids.length === 0) return
    const until = iso(now().getTime() + leaseMs)
    extendLeases(db.kysely, workerId, ids, until).catch((err) =>
      logger.warn({ err }, 'job queue: renewing leases failed'),
    )
  }

  return {
    async enqueue(trx, job) {
      if (!kinds[job.kind]) throw new Error(`unknown job kind "${job.kind}"`)
      const id = newId('job')
      const at = now().toISOString()
      await insertJob(trx, {
        id,
        kind: job.kind,
        payload: JSON.stringify(job.payload),
        state: 'queued',
        attempts: 0,
        available_at: job.runAt?.toISOString() ?? at,
        locked_by: null,
        last_error: null,
        created_at: at,
        updated_at: at,
      })
      return id
    },
    wake() {
      schedulePoll(0)
    },
    start() {
      if (started) return
      started = true
      renewTimer = setInterval(renewLeases, Math.max(100, Math.floor(leaseMs / 3)))
      renewTimer.unref()
      schedulePoll(0)
    },
    async stop(graceMs) {
      if (stopping) return
      stopping = true
      clearTimeout(timer)
      await polling
      const finished = Promise.all([...inFlight.values()].map((e) => e.done))
      let graceTimer: NodeJS.Timeout | undefined
      const grace = new Promise<'timeout'>((resolve) => {
        graceTimer = setTimeout(() => resolve('timeout'), graceMs)
      })
      const outcome = await Promise.race([finished.then(() => 'done' as const), grace])
      clearTimeout(graceTimer)
      if (outcome === 'timeout') {
        for (const entry of inFlight.values()) {
          entry.released = true
          entry.controller.abort(new Error('the server is shutting down'))
        }
        await finished
      }
      clearInterval(renewTimer)
    },
  }
}

function queueMetrics(registry: Registry, db: Db) {
  const labelNames = ['kind'] as const
  const attempts = new Counter({
    name: 'queue_job_attempts_total',
    help: 'Job attempts started, by kind.',
    labelNames,
    registers: [registry],
  })
  const failures = new Counter({
    name: 'queue_job_attempt_failures_total',
    help: 'Job attempts that failed (each may be retried), by kind.',
    labelNames,
    registers: [registry],
  })
  const failed = new Counter({
    name: 'queue_jobs_failed_total',
    help: 'Jobs that stopped being retried and were kept as failed, by kind.',
    labelNames,
    registers: [registry],
  })
  // Depth and age are read from the database at scrape time, so every instance reports the shared queue.
  let stats: Promise<Awaited<ReturnType<typeof queueStats>>> | undefined
  const readStats = () => {
    stats ??= queueStats(db.kysely).finally(() => setImmediate(() => (stats = undefined)))
    return stats
  }
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs on the queue, by kind and state (queued, running, failed).',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const s of await readStats().catch(() => [])) this.set({ kind: s.kind, state: s.state }, s.count)
    },
  })
  new Gauge({
    name: 'queue_oldest_job_age_seconds',
    help: 'Age of the oldest job not yet done (queued or running), by kind.',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset()
      const oldest = new Map<string, string>()
      for (const s of await readStats().catch(() => [])) {
        if (s.state === 'failed') continue
        const seen = oldest.get(s.kind)
        if (!seen || s.oldest < seen) oldest.set(s.kind, s.oldest)
      }
      for (const [kind, at] of oldest) this.set({ kind }, Math.max(0, (Date.now() - Date.parse(at)) / 1000))
    },
  })
  return { attempts, failures, failed }
}
