import { monotonicFactory } from 'ulid'

const ulid = monotonicFactory()

/**
 * A new opaque, time-sortable id with a type prefix (`usr_01JD8X…`): ULIDs sort by creation time, and the
 * monotonic factory keeps ids made in the same millisecond in order, which keyset pagination relies on.
 *
 * @example
 * newId('tsk') // 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
 */
export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`
}
