import type { Logger } from 'pino'
import type { Db } from '../db/database.js'
import type { ChangeInput, RecordedChange } from './change.js'
import { type Repositories, repositoriesOn } from './repositories.js'

/**
 * One write's transaction. It hands out every repository bound to itself (`tx.tasks`, `tx.accounts`, …;
 * their writing methods refuse to run outside a transaction) and appends to the change log.
 */
export interface WriteTx extends Repositories {
  /**
   * Appends a change in this transaction, runs the in-transaction reactions to it (see reactions.ts), and
   * returns its seq. Refused in a `silent` write.
   */
  record(change: ChangeInput): Promise<number>
  // Outbound work (mail, webhooks) will be put on the durable job queue here, as `enqueue(job)`, in the
  // same transaction as the change that causes it: it commits with the change or not at all.
}

/**
 * Request-scoped work that must commit or roll back with the request's write: the idempotency record of a
 * create, completed with the response it answers (see idempotency.ts).
 */
export interface IdempotencyScope {
  beforeCommit(tx: WriteTx, result: unknown, changes: readonly RecordedChange[]): Promise<void>
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
   * change, so it neither takes the change log's append lock nor runs reactions.
   */
  silent?: boolean
}

/** What happens, inside the write's transaction, when a change of one of the `on` types is recorded. */
export interface Reaction {
  name: string
  on: readonly string[] | 'every change'
  run(tx: WriteTx, change: RecordedChange): Promise<void>
}

/** What happens once a write that recorded changes has committed; told the write's last seq. */
export interface AfterCommitReaction {
  name: string
  run(lastSeq: number, writer: Writer): void
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
  logger: Logger
  now?: () => Date
}

/**
 * The one write seam. On PostgreSQL a write that may record changes first takes the change log's
 * transaction-scoped lock, so writes commit one at a time, in seq order (see `lockForAppend`).
 */
export function createWriter({ db, reactions, logger, now = () => new Date() }: WriterOptions): Writer {
  const writer: Writer = {
    async write(fn, options = {}) {
      const recorded: RecordedChange[] = []
      const result = await db.kysely.transaction().execute(async (trx) => {
        const tx = repositoriesOn(trx, db.dialect) as WriteTx
        // Taken first, before any row lock the write takes: writes then queue on this one lock and can
        // never deadlock with each other over it.
        if (!options.silent) await tx.changes.lockForAppend()
        Object.defineProperty(tx, 'record', {
          async value(input: ChangeInput) {
            if (options.silent) throw new Error(`A silent write recorded a change (${input.type}).`)
            const change = await append(tx, input)
            recorded.push(change)
            for (const reaction of reactions.inTransaction) {
              if (reaction.on === 'every change' || reaction.on.includes(change.type)) await reaction.run(tx, change)
            }
            return change.seq
          },
        })
        const value = await fn(tx)
        await options.by?.idempotency?.beforeCommit(tx, value, recorded)
        return value
      })
      // Seqs are taken in order under the write's lock, so the last recorded is the highest.
      const lastSeq = recorded.at(-1)?.seq
      if (lastSeq !== undefined) {
        for (const reaction of reactions.afterCommit) {
          try {
            reaction.run(lastSeq, writer)
          } catch (err) {
            logger.error({ err, reaction: reaction.name }, 'after-commit reaction failed')
          }
        }
      }
      return result
    },
  }

  async function append(tx: WriteTx, input: ChangeInput): Promise<RecordedChange> {
    const occurredAt = now().toISOString()
    const seq = await tx.changes.append({
      project_id: input.projectId,
      user_id: input.userId ?? null,
      type: input.type,
      resource_type: input.resourceType,
      resource_id: input.resourceId,
      version: input.version,
      actor_id: input.actorId,
      data: JSON.stringify(input.data),
      created_at: occurredAt,
    })
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
