import { readableResources } from '../../authorization/permissions.js'
import { ApiError } from '../../core/api-error.js'
import type { Change } from '../../generated/routes.js'
import type { Repositories } from '../../write/repositories.js'
import type { Writer } from '../../write/writer.js'
import type { ChangeRow } from './changes.repository.js'

/** A change as stored, for readers of the whole log (the event streams' hub). */
export type { ChangeRow }

/** A change as the API answers it (`Change` in openapi.yaml). */
export type ApiChange = Change

/** The change log as readers see it; changes are appended by the write seam (`ctx.writer`). */
export interface ChangeLog {
  /**
   * Changes after `since` that `principal` may see at this moment, in seq order: never one that a later
   * read could find below a seq already returned. A project's changes count from when the reader joined it.
   * `through`: only up to this seq, one a read of the log already reached (so final: nothing can still
   * appear at or below it), which spares PostgreSQL's horizon lookup.
   */
  readVisible(
    principal: { userId: string },
    options: { since: bigint; projectId?: string; limit: number; through?: bigint },
  ): Promise<ApiChange[]>
  /** The newest seq committed: no answer has given a position past it (see `since_ahead`). */
  latestSeq(): Promise<bigint>
  /**
   * Where a reader without a position starts: the newest seq below which nothing can still appear. Below
   * `latestSeq()` while an older write is still open (PostgreSQL).
   */
  readableSeq(): Promise<bigint>
  /** The smallest seq that may still be stored; a reader with `since` below `oldestRetainedSeq() - 1` missed changes. */
  oldestRetainedSeq(): Promise<bigint>
  /**
   * Whether a reader at `since` may have missed pruned changes (410 `cursor_expired`). `0` means "from the
   * oldest retained change" and never expires.
   */
  isExpired(since: bigint): Promise<boolean>
  /** Throws 410 `cursor_expired` (see `cursorExpired`) when `isExpired(since)`. */
  assertRetained(since: bigint): Promise<void>
  /** Deletes changes older than the retention (also done every so many writes, see reactions.ts). */
  prune(): Promise<number>
}

export interface ChangeLogOptions {
  repositories: Repositories
  writer: Writer
  retentionS: number
  now?: () => Date
}

/**
 * The one answer to a reader (`/v1/changes` or `/v1/events`) whose position is older than the log keeps:
 * 410 `cursor_expired`, with what to do about it.
 */
function cursorExpired(): ApiError {
  return new ApiError(
    410,
    'cursor_expired',
    'Changes after this position are no longer kept; reload the resources and continue from the latest position (syncToken).',
  )
}

/** Deletes changes older than `retentionS`, in a write of its own; answers how many went. */
export function pruneChanges(writer: Writer, retentionS: number, now: () => Date = () => new Date()): Promise<number> {
  const before = new Date(now().getTime() - retentionS * 1000).toISOString()
  return writer.write((tx) => tx.changes.pruneBefore(before), { silent: true })
}

/**
 * Reads the change log for `/v1/changes` and `/v1/events`: only what the reader may see, each project
 * change with the reader's own role.
 */
export function createChangeLog({
  repositories,
  writer,
  retentionS,
  now = () => new Date(),
}: ChangeLogOptions): ChangeLog {
  const reader = repositories.changes
  const readable = readableResources()
  return {
    async readVisible(principal, { since, projectId, limit, through }) {
      const rows = await reader.readVisible(principal.userId, since, limit, readable, projectId, through)
      // A project's `role` is the reader's, not the writer's: filled in as of now.
      const projectIds = [...new Set(rows.filter(isProjectState).map((r) => r.resource_id))]
      const roles = await repositories.memberships.rolesOf(principal.userId, projectIds)
      return rows.map((row) => toApiChange(row, roles))
    },

    latestSeq: () => reader.latestSeq(),

    readableSeq: () => reader.readableSeq(),

    async oldestRetainedSeq() {
      return (await reader.prunedThrough()) + 1n
    },

    async isExpired(since) {
      return since > 0n && since < (await reader.prunedThrough())
    },

    async assertRetained(since) {
      if (await this.isExpired(since)) throw cursorExpired()
    },

    prune: () => pruneChanges(writer, retentionS, now),
  }
}

/** A change carrying a project's state, which readers see with their own `role` in it. */
export const isProjectState = (row: ChangeRow) => row.resource_type === 'project' && row.type !== 'project.deleted'

/** A stored change as the API answers it to a reader with `roles` (project id → the reader's role). */
export function toApiChange(row: ChangeRow, roles: Map<string, string>): ApiChange {
  let data = JSON.parse(row.data) as Record<string, unknown>
  if (isProjectState(row)) {
    const role = roles.get(row.resource_id)
    if (role) data = { ...data, role }
  }
  // The types and resource types written are the spec's enums (see ChangeInput); the database keeps text.
  return {
    seq: row.seq,
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
