import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { Db, Queryable } from '../db/database.js'
import { writeSavepoint } from '../db/transaction.js'
import type { MailMessage } from '../mail/mailer.js'
import type { ChangeInput, RecordedChange } from './change.js'
import { type Repositories, repositoriesOn } from './repositories.js'

/**
 * One write's transaction. It hands out every repository bound to itself (`tx.tasks`, `tx.accounts`, …;
 * their writing methods refuse to run outside a transaction) and appends to the change log.
 */
export interface WriteTx extends Repositories {
  /**
   * Appends a change in this transaction, runs the in-transaction reactions to it (see reactions.ts), and
   * returns its seq (64-bit, so a bigint). Refused in a `silent` write.
   */
  record(change: ChangeInput): Promise<bigint>
  /**
   * Puts outbound work (a mail, a webhook delivery) on the durable job queue in this transaction: it is
   * sent only if the write commits, and never lost once it has. The worker is woken after the commit.
   */
  enqueue(job: OutboundJob): Promise<string>
}

/** Outbound work, by kind: what the job queue runs (see queue/queue.ts and the kinds in context.ts). */
export type OutboundJob = { kind: 'mail'; payload: MailMessage } | { kind: 'webhook'; payload: { deliveryId: string } }

/** The durable job queue as the writer uses it. */
export interface OutboundQueue {
  enqueue(db: Queryable, job: OutboundJob): Promise<string>
  /** Looks for due jobs now. */
  wake(): void
}

/**
 * Request-scoped work that must commit or roll back with the request's write: the idempotency record of a
 * create, completed with the response it answers (see idempotency.ts).
 */
export interface IdempotencyScope {
  /** Answers whether it stored the response in `tx`; it counts as stored once `committed` is called. */
  beforeCommit(tx: WriteTx, result: unknown, changes: readonly RecordedChange[]): Promise<boolean>
  /**
   * The write run whose `beforeCommit` stored the response has committed. A run that stored it and was
   * rolled back (a lost race on PostgreSQL, a failed write in the same SQLite group) is never told, and the
   * write's next run stores it again.
   */
  committed(): void
}

/** Who a write is made for, as services pass their caller to it. */
export interface WriteCaller {
  /** Set by the `Idempotency-Key` middleware on the request's principal. */
  idempotency?: IdempotencyScope
}

export interface WriteOptions {
  /** The caller the write is made for: its idempotency record, if any, is completed in this write. */
  by?: WriteCaller
  /**
   * The write changes nothing any client is told about (sessions, tokens, housekeeping): it records no
   * change and runs no reactions.
   */
  silent?: boolean
}

/** What happens, inside the write's transaction, when a change of one of the `on` types is recorded. */
export interface Reaction {
  name: string
  on: readonly string[] | 'every change'
  run(tx: WriteTx, change: RecordedChange): Promise<void>
}

/** What happens once a write that recorded changes has committed; told the write's last and first seq. */
export interface AfterCommitReaction {
  name: string
  run(lastSeq: bigint, writer: Writer, firstSeq: bigint): void
}

export interface Reactions {
  inTransaction: readonly Reaction[]
  afterCommit: readonly AfterCommitReaction[]
}

export interface Writer {
  /**
   * Runs `fn` in one transaction: its repository calls, the changes it records and everything the
   * reactions to them do commit or roll back together.
   *
   * @example
   * const task = await ctx.writer.write(async (tx) => {
   *   const task = await tx.tasks.insert(row)
   *   await tx.record({ type: 'task.created', projectId, resourceType: 'task', resourceId: task.id,
   *     version: task.version, actorId, data: task })
   *   return task
   * }, { by: caller })
   */
  write<T>(fn: (tx: WriteTx) => Promise<T>, options?: WriteOptions): Promise<T>
}

export interface WriterOptions {
  db: Db
  reactions: Reactions
  /** Where `tx.enqueue` puts jobs; a writer without one (a test's) refuses to enqueue. */
  queue?: OutboundQueue
  logger: Logger
  now?: () => Date
}

/**
 * PostgreSQL's answers for a transaction that lost a race with another and was rolled back whole: a
 * deadlock (two writes taking the same rows in opposite orders, e.g. a project's deletion cascading through
 * webhook deliveries while a delivery's bookkeeping updates them) or a serialization failure. Nothing of it
 * was written, so the same write run again is the answer the caller should have had.
 */
const LOST_RACE = new Set(['40P01', '40001'])
const ATTEMPTS = 4

async function runAgainAfterLostRace<T>(attempt: () => Promise<T>, logger: Logger): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (n >= ATTEMPTS || typeof code !== 'string' || !LOST_RACE.has(code)) throw err
      logger.warn({ err, attempt: n }, 'a write lost a race with another and runs again')
      // A short random pause, so the two do not meet again in step.
      await sleep(5 + Math.random() * 20 * n)
    }
  }
}

/**
 * The one write seam. Writes run side by side on PostgreSQL: the change log's seqs are such that a reader
 * never skips a change whatever order writes commit in (see `changesRepository`), so no write waits for
 * another unless they touch the same rows. SQLite has one writer, and its writes commit in groups (see
 * `groupCommits`).
 */
export function createWriter({ db, reactions, queue, logger, now = () => new Date() }: WriterOptions): Writer {
  /** What one write recorded and queued, for what runs after its commit. */
  interface Outcome {
    recorded: RecordedChange[]
    appended: number
    enqueued: boolean
    /** The caller's idempotency record, when this run stored its response. */
    stored?: IdempotencyScope
  }

  /**
   * Runs the write `fn` on `transaction` (on SQLite, in the write's savepoint in its group's). Once the write
   * has ended, its repositories refuse to run anything: a statement it left running must not land outside
   * its transaction (PostgreSQL: on the connection after the rollback, in autocommit) or in a later write of
   * the same group (SQLite).
   */
  async function run<T>(
    transaction: Queryable,
    fn: (tx: WriteTx) => Promise<T>,
    options: WriteOptions,
    outcome: Outcome,
  ): Promise<T> {
    const guard = { ended: false }
    try {
      return await runOn(endsWith(transaction, guard), fn, options, outcome)
    } finally {
      guard.ended = true
    }
  }

  async function runOn<T>(trx: Queryable, fn: (tx: WriteTx) => Promise<T>, options: WriteOptions, outcome: Outcome) {
    const tx = repositoriesOn(trx, db.dialect) as WriteTx
    // First, before the write holds a transaction id: readers of the change log wait for this write.
    if (!options.silent) await tx.changes.markWriter()
    Object.defineProperty(tx, 'record', {
      async value(input: ChangeInput) {
        if (options.silent) throw new Error(`A silent write recorded a change (${input.type}).`)
        // Numbered before the first await, so records made side by side still take distinct places.
        const change = await append(tx, input, outcome.appended++)
        outcome.recorded.push(change)
        for (const reaction of reactions.inTransaction) {
          if (reaction.on === 'every change' || reaction.on.includes(change.type)) await reaction.run(tx, change)
        }
        return change.seq
      },
    })
    Object.defineProperty(tx, 'enqueue', {
      async value(job: OutboundJob) {
        if (!queue) throw new Error(`This writer has no job queue to put a ${job.kind} job on.`)
        outcome.enqueued = true
        return queue.enqueue(trx, job)
      },
    })
    const value = await fn(tx)
    const idempotency = options.by?.idempotency
    if (idempotency && (await idempotency.beforeCommit(tx, value, outcome.recorded))) outcome.stored = idempotency
    return value
  }

  /** What follows a write's commit: the queue's worker woken, the after-commit reactions run. */
  function committed(outcome: Outcome) {
    outcome.stored?.committed()
    if (outcome.enqueued) queue?.wake()
    const { recorded } = outcome
    const lastSeq = recorded.reduce<bigint | undefined>(
      (max, c) => (max === undefined || c.seq > max ? c.seq : max),
      undefined,
    )
    const firstSeq = recorded.reduce<bigint | undefined>(
      (min, c) => (min === undefined || c.seq < min ? c.seq : min),
      undefined,
    )
    if (lastSeq === undefined || firstSeq === undefined) return
    for (const reaction of reactions.afterCommit) {
      try {
        reaction.run(lastSeq, writer, firstSeq)
      } catch (err) {
        logger.error({ err, reaction: reaction.name }, 'after-commit reaction failed')
      }
    }
  }

  const fresh = (): Outcome => ({ recorded: [], appended: 0, enqueued: false })
  const grouped = db.dialect === 'sqlite' ? groupCommits(db, run, fresh, committed) : undefined
  const writer: Writer = {
    async write(fn, options = {}) {
      if (grouped) return grouped(fn, options)
      let outcome = fresh()
      const result = await runAgainAfterLostRace(() => {
        outcome = fresh()
        return db.kysely.transaction().execute((trx) => run(trx, fn, options, outcome))
      }, logger)
      committed(outcome)
      return result
    },
  }

  /** Appends `input` as the write's `n`th change (from 0). */
  async function append(tx: WriteTx, input: ChangeInput, n: number): Promise<RecordedChange> {
    const occurredAt = now().toISOString()
    const seq = await tx.changes.append(
      {
        project_id: input.projectId,
        user_id: input.userId ?? null,
        type: input.type,
        resource_type: input.resourceType,
        resource_id: input.resourceId,
        version: input.version,
        actor_id: input.actorId,
        data: JSON.stringify(input.data),
        created_at: occurredAt,
      },
      n,
    )
    return {
      seq,
      type: input.type,
      projectId: input.projectId,
      userId: input.userId ?? null,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      version: input.version,
      actorId: input.actorId,
      data: input.data,
      occurredAt,
      ...(input.previous !== undefined ? { previous: input.previous } : {}),
    }
  }

  return writer
}

/** The most writes one SQLite transaction commits together. */
const GROUP_MAX = 64

/**
 * SQLite: the writes that arrive while the connection is busy or in the same turn of the event loop commit
 * together, in one transaction. Most of a small write's cost on SQLite is its commit (the full-text index
 * writes a segment, every page the write touched goes to the WAL), which a group pays once.
 *
 * Each write still commits or rolls back whole. A group runs first as one plain transaction: a savepoint per
 * write would make the full-text index write a segment of its own at every release (FTS5 flushes its pending
 * terms there), about a tenth of a create's CPU. A write that fails before it has changed anything (most
 * refusals: a precondition, a row not found) leaves nothing to undo, and the group goes on without it. Should
 * one fail after changing something, that transaction is rolled back before any later write runs, and the
 * group runs again with each write in a savepoint of its own: the failed one is rolled back to its savepoint
 * and rejected, the others commit (a write's function may run twice, as on PostgreSQL after a lost race; only
 * the run that commits counts). A write alone needs no second run: its transaction is its own. Each is
 * answered only after the group's commit, so no caller hears of a write that is not durable. Should the
 * group's transaction itself fail (SQLite ends a transaction on I/O errors, a full disk, or a busy lock held
 * by another process), every write in the group fails with that error, as each would have alone.
 */
function groupCommits<O>(
  db: Db,
  run: <T>(trx: Queryable, fn: (tx: WriteTx) => Promise<T>, options: WriteOptions, outcome: O) => Promise<T>,
  fresh: () => O,
  committed: (outcome: O) => void,
) {
  interface Pending {
    fn: (tx: WriteTx) => Promise<unknown>
    options: WriteOptions
    outcome: O
    resolve: (value: unknown) => void
    reject: (err: unknown) => void
    result?: { value: unknown } | { error: unknown }
  }
  const waiting: Pending[] = []
  let busy = false

  // The rows the connection has inserted, updated or deleted so far (`total_changes()`, triggers included).
  // A statement that fails adds nothing to it, so a write that failed without moving it left nothing in the
  // transaction.
  const totalChanges = db.sqlite?.prepare('select total_changes()').pluck()
  /** Through the connection's queue, so behind any statement a failed write left running. */
  const changesNow = async (trx: Queryable) =>
    (await sql<{ n: number }>`select total_changes() as n`.execute(trx)).rows[0]?.n

  /** The group as one plain transaction; false when one of several writes failed and nothing was kept. */
  async function together(group: Pending[]): Promise<boolean> {
    let failed = false
    try {
      await db.kysely.transaction().execute(async (trx) => {
        for (const write of group) {
          // Read at once: a statement of an earlier write still queued would only count against this one.
          const before = totalChanges?.get() as number | undefined
          try {
            write.result = { value: await run(trx, write.fn, write.options, write.outcome) }
            // A write that caught an error with which SQLite ended the transaction: what follows would run
            // outside it, statement by statement.
            if (db.sqlite && !db.sqlite.inTransaction)
              throw new Error('SQLite ended the transaction of a group of writes.')
          } catch (error) {
            write.result = { error }
            // Refused before it changed anything (a precondition, a row not found, a token not valid): it
            // left nothing to undo, and the group goes on without it rather than running again.
            if (db.sqlite?.inTransaction && before !== undefined && (await changesNow(trx)) === before) continue
            failed = true
            throw error
          }
        }
      })
      return true
    } catch (error) {
      if (!failed) {
        // The commit itself failed.
        for (const write of group) write.result = { error }
        return true
      }
      // A write alone keeps its own error (not a failed rollback's, should SQLite have ended the transaction).
      if (group.length === 1) return true
      for (const write of group) {
        write.outcome = fresh()
        write.result = undefined
      }
      return false
    }
  }

  /** The group with each write in a savepoint of its own: a write that fails is undone alone. */
  async function apart(group: Pending[]) {
    try {
      await db.kysely.transaction().execute(async (trx) => {
        for (const write of group) {
          try {
            // No lost races to run again after, as on PostgreSQL: SQLite's one writer meets no other.
            await writeSavepoint.begin(trx)
            let value: unknown
            try {
              value = await run(trx, write.fn, write.options, write.outcome)
            } catch (error) {
              // Behind anything the write left running on the connection, which goes through the same queue.
              await writeSavepoint.undo(trx)
              throw error
            } finally {
              await writeSavepoint.end(trx)
            }
            write.result = { value }
          } catch (error) {
            write.result = { error }
            // SQLite ended the transaction itself: the group's earlier writes went with it.
            if (db.sqlite && !db.sqlite.inTransaction) throw error
          }
        }
      })
    } catch (error) {
      for (const write of group) write.result = { error }
    }
  }

  async function commitGroup() {
    const group = waiting.splice(0, GROUP_MAX)
    if (!(await together(group))) await apart(group)
    for (const write of group) {
      const result = write.result as NonNullable<Pending['result']>
      if ('error' in result) {
        write.reject(result.error)
      } else {
        committed(write.outcome)
        write.resolve(result.value)
      }
    }
  }

  async function drain() {
    try {
      while (waiting.length > 0) await commitGroup()
    } finally {
      busy = false
    }
  }

  return <T>(fn: (tx: WriteTx) => Promise<T>, options: WriteOptions): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ fn, options, outcome: fresh(), resolve: resolve as (value: unknown) => void, reject })
      if (busy) return
      busy = true
      // After the I/O callbacks of this turn of the event loop, whose writes join the group.
      setImmediate(() => void drain())
    })
}

/** `trx` for one write: once `guard.ended`, every use of it is refused. */
function endsWith(trx: Queryable, guard: { ended: boolean }): Queryable {
  return new Proxy(trx, {
    get(target, property) {
      if (guard.ended) throw new Error('This write has ended; its transaction is closed to it.')
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
