import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from 'pino'
import { readableResources } from '../../authorization/permissions.js'
import type { Db, Queryable } from '../../db/database.js'
import type { Change } from '../../generated/routes.js'
import { type ChangeRow, changesRepository } from './changes.repository.js'

/** What a write says it changed; `data` is the resource as its get operation answers it, or a tombstone. */
export interface ChangeInput {
  /** e.g. `task.updated`: `<resourceType>.<created|updated|deleted|…>`. */
  type: string
  projectId: string | null
  /** Set: only this user may read the change (a notification, their own removal from a project). */
  userId?: string | null
  resourceType: string
  resourceId: string
  version: number | null
  actorId: string | null
  data: unknown
  /** The resource before the write, for in-transaction subscribers only; never stored. */
  previous?: unknown
}

/**
 * The change for a resource that is gone: no version, and a tombstone `{ id, deleted: true }` as its data,
 * the same shape for every kind of resource so clients drop it by id.
 */
export function removalChange(input: Omit<ChangeInput, 'version' | 'data'>): ChangeInput {
  return { ...input, version: null, data: { id: input.resourceId, deleted: true } }
}

/** A change as stored, handed to in-transaction subscribers. */
export interface RecordedChange {
  seq: number
  type: string
  projectId: string | null
  userId: string | null
  resourceType: string
  resourceId: string
  version: number | null
  actorId: string | null
  data: unknown
  occurredAt: string
  previous?: unknown
}

/** A change as the API answers it (`Change` in openapi.yaml). */
export type ApiChange = Change

/** One write's transaction: every repository call of the write runs on `db`. */
export interface WriteTx {
  db: Queryable
  /** Appends a change in this transaction and returns its seq. */
  record(change: ChangeInput): Promise<number>
}

export type ChangeSubscriber = (tx: WriteTx, change: RecordedChange) => Promise<void>

/**
 * Request-scoped work that must commit or roll back with the request's write, e.g. the idempotency
 * record of a create; set with `withWriteScope` around the code that calls services.
 */
export interface WriteScope {
  beforeCommit(tx: WriteTx, result: unknown, changes: readonly RecordedChange[]): Promise<void>
}

export interface ChangeLog {
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>
  /** Runs `fn` after every `record`, inside the same transaction; returns an unsubscribe function. */
  subscribe(fn: ChangeSubscriber): () => void
  /** Told the last seq of each committed write that recorded changes; returns an unsubscribe function. */
  afterCommit(listener: (lastSeq: number) => void): () => void
  /** Changes after `since` that `principal` may see at this moment, in seq order. */
  readVisible(
    principal: { userId: string },
    options: { since: number; projectId?: string; limit: number },
  ): Promise<ApiChange[]>
  latestSeq(): Promise<number>
  /** The smallest seq that may still be stored; a reader with `since` below `oldestRetainedSeq() - 1` missed changes. */
  oldestRetainedSeq(): Promise<number>
  /**
   * Whether a reader at `since` may have missed pruned changes (410 `cursor_expired`). `0` means "from the
   * oldest retained change" and never expires.
   */
  isExpired(since: number): Promise<boolean>
  /** Deletes changes older than the retention; run periodically by the log itself after writes. */
  prune(): Promise<number>
}

const scopes = new AsyncLocalStorage<WriteScope>()

/** Runs `fn` with `scope` applied to every write it makes (see WriteScope). */
export function withWriteScope<T>(scope: WriteScope, fn: () => T): T {
  return scopes.run(scope, fn)
}

export interface ChangeLogOptions {
  db: Db
  logger: Logger
  retentionS: number
  now?: () => Date
  /** Prune after this many committed writes (pruning is one indexed delete; no timer to stop). */
  pruneEvery?: number
}

/**
 * The one seam every service write goes through: a transaction whose repositories run on `tx.db`, and
 * the change rows that say what it changed, committed or rolled back together. On PostgreSQL writes
 * take one transaction-scoped lock each, so they commit one at a time, in seq order.
 *
 * @example
 * const task = await ctx.changeLog.write(async (tx) => {
 *   const task = await tasksRepository(tx.db, dialect).insert(row)
 *   await tx.record({ type: 'task.created', projectId, resourceType: 'task', resourceId: task.id,
 *     version: task.version, actorId, data: task })
 *   return task
 * })
 */
export function createChangeLog({
  db,
  logger,
  retentionS,
  now = () => new Date(),
  pruneEvery = 1000,
}: ChangeLogOptions): ChangeLog {
  const subscribers = new Set<ChangeSubscriber>()
  const listeners = new Set<(lastSeq: number) => void>()
  const reader = changesRepository(db.kysely, db.dialect)
  let sincePrune = 0
  const readable = readableResources()

  const prune = () => reader.pruneBefore(new Date(now().getTime() - retentionS * 1000).toISOString())

  return {
    async write(fn) {
      const scope = scopes.getStore()
      const recorded: RecordedChange[] = []
      const result = await db.kysely.transaction().execute(async (trx) => {
        const repo = changesRepository(trx, db.dialect)
        // Taken first, before any row lock the write takes: writes then queue on this one lock and can
        // never deadlock with each other over it (see lockForAppend for why it exists).
        await repo.lockForAppend()
        const tx: WriteTx = {
          db: trx,
          async record(input) {
            const occurredAt = now().toISOString()
            const seq = await repo.append({
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
            const change: RecordedChange = {
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
            recorded.push(change)
            for (const subscriber of subscribers) await subscriber(tx, change)
            return seq
          },
        }
        const value = await fn(tx)
        if (scope) await scope.beforeCommit(tx, value, recorded)
        return value
      })
      // Seqs are taken in order under the write's lock, so the last recorded is the highest.
      const lastSeq = recorded.at(-1)?.seq
      if (lastSeq !== undefined) {
        for (const listener of listeners) {
          try {
            listener(lastSeq)
          } catch (err) {
            logger.error({ err }, 'change listener failed')
          }
        }
        if (++sincePrune >= pruneEvery) {
          sincePrune = 0
          prune().catch((err) => logger.warn({ err }, 'pruning the change log failed'))
        }
      }
      return result
    },

    subscribe(fn) {
      subscribers.add(fn)
      return () => subscribers.delete(fn)
    },

    afterCommit(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async readVisible(principal, { since, projectId, limit }) {
      const rows = await reader.readVisible(principal.userId, since, limit, readable, projectId)
      // A project's `role` is the reader's, not the writer's: filled in as of now.
      const projectIds = [...new Set(rows.filter(isProjectState).map((r) => r.resource_id))]
      const roles = await reader.rolesOf(principal.userId, projectIds)
      return rows.map((row) => toApiChange(row, roles))
    },

    latestSeq: () => reader.latestSeq(),

    async oldestRetainedSeq() {
      return (await reader.prunedThrough()) + 1
    },

    async isExpired(since) {
      return since > 0 && since < (await reader.prunedThrough())
    },

    prune,
  }
}

const isProjectState = (row: ChangeRow) => row.resource_type === 'project' && row.type !== 'project.deleted'

function toApiChange(row: ChangeRow, roles: Map<string, string>): ApiChange {
  let data = JSON.parse(row.data) as Record<string, unknown>
  if (isProjectState(row)) {
    const role = roles.get(row.resource_id)
    if (role) data = { ...data, role }
  }
  // The types and resource types written are the spec's enums (see ChangeInput); the database keeps text.
  return {
    seq: String(row.seq),
    type: row.type as Change['type'],
    projectId: row.project_id,
    resourceType: row.resource_type as Change['resourceType'],
    resourceId: row.resource_id,
    version: row.version,
    actorId: row.actor_id,
    occurredAt: row.created_at,
    data,
  }
}
