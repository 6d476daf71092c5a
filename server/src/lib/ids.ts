import { randomFillSync } from 'node:crypto'
import { monotonicFactory } from 'ulid'

/**
 * Random bytes for ids, drawn from the system's CSPRNG a few kilobytes at a time (as node's randomUUID
 * does), each used once: ulid's own source asks WebCrypto for one byte per character, sixteen calls per id.
 * The same byte / 256 the library's default returns.
 */
const pool = new Uint8Array(4096)
let next = pool.length
const pooledRandom = () => {
  if (next === pool.length) {
    randomFillSync(pool)
    next = 0
  }
  return (pool[next++] as number) / 256
}

const ulid = monotonicFactory(pooledRandom)

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
