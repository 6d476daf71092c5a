import { ApiError } from '../core/api-error.js'
import { assertIfMatch, preconditionFailed } from '../core/etag.js'
import type { ChangeInput } from './change.js'
import type { WriteTx } from './writer.js'

interface VersionedRow {
  version: number
}

/** A row with a version (an ETag) that a write is about to change or delete. */
interface VersionedTarget<Row extends VersionedRow> {
  /** Reads the row, locked until the write ends (`findForUpdate`). */
  lock(): Promise<Row | undefined>
  /** The detail of the 404 when there is no such row. */
  notFound: string
  /** The request's `If-Match`, if it sent one. */
  ifMatch: string | undefined
}

/** 404 when the row is gone, 412 (with the current ETag) when `If-Match` names another version. */
async function lockAndCheck<Row extends VersionedRow>(target: VersionedTarget<Row>): Promise<Row> {
  const current = await target.lock()
  if (!current) throw new ApiError(404, 'not_found', target.notFound)
  assertIfMatch(target.ifMatch, current.version)
  return current
}

/**
 * Updates a versioned row inside a write: locks it, checks `If-Match`, applies the change to the row as
 * locked (so concurrent updates without `If-Match` all land, last write wins, never 412) with the next
 * version, saves it if it is still at the version read, and records the change.
 *
 * @example
 * const next = await updateVersioned(tx, {
 *   lock: () => tx.notes.findForUpdate(id), notFound: 'No note with this id.', ifMatch,
 *   apply: (note) => ({ ...note, title, updated_at: at }),
 *   save: (next, version) => tx.notes.update(next, version),
 *   change: (next, current) => ({ ...noteChange('note.updated', toNote(next), actorId), previous: toNote(current) }),
 * })
 */
export async function updateVersioned<Row extends VersionedRow>(
  tx: WriteTx,
  target: VersionedTarget<Row> & {
    /** The row as it should be; its version is set to the next one. */
    apply(current: Row): Row
    /** Writes `next` if the row is still at `expectedVersion`; false when it is not. */
    save(next: Row, expectedVersion: number): Promise<boolean>
    change(next: Row, current: Row): ChangeInput
  },
): Promise<Row> {
  const current = await lockAndCheck(target)
  const next = { ...target.apply(current), version: current.version + 1 }
  if (!(await target.save(next, current.version))) throw preconditionFailed(current.version)
  await tx.record(target.change(next, current))
  return next
}

/**
 * Deletes a versioned row inside a write: locks it, checks `If-Match`, records the removal and then
 * deletes. Recorded first for every kind of resource, so reactions still read what the row takes with it
 * (a task's comments, which the database deletes with the task).
 */
export async function deleteVersioned<Row extends VersionedRow>(
  tx: WriteTx,
  target: VersionedTarget<Row> & {
    removal(current: Row): ChangeInput
    remove(current: Row): Promise<void>
  },
): Promise<Row> {
  const current = await lockAndCheck(target)
  await tx.record(target.removal(current))
  await target.remove(current)
  return current
}
