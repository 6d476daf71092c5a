import { createHmac, timingSafeEqual } from 'node:crypto'
import { ApiError } from '../core/api-error.js'

const MAC_BYTES = 16
const MAC_CHARS = Math.ceil((MAC_BYTES * 8) / 6)

/** The position a page ended at: the sort value of its last item and that item's id. */
export type CursorPosition = readonly [value: string | number | null, id: string]

/**
 * Opaque, tamper-proof list cursors: the last position, base64url, followed by an HMAC over the position
 * AND the list it belongs to (operation, parent, filters, sort). A cursor that was edited, or that comes
 * from another list, fails verification and is answered 400 — a forged position could otherwise skip
 * rows or probe sort values of rows the caller may not see.
 */
export interface CursorCodec {
  encode(scope: string, position: CursorPosition): string
  /** The position in `cursor`, or a 400 `invalid_cursor` problem if it was not issued for `scope`. */
  decode(scope: string, cursor: string): CursorPosition
}

/**
 * The identity of a list: which operation, under which parent, with which filters and sort. Page-size and
 * the cursor itself are not part of it, so a client may change `limit` between pages.
 *
 * @example
 * listScope('listTasks', { projectId, status: 'todo', sort: '-dueAt' })
 */
export function listScope(operationId: string, params: Record<string, unknown>): string {
  const entries = Object.entries(params)
    .filter(([name, value]) => value !== undefined && name !== 'limit' && name !== 'cursor')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify([operationId, entries])
}

export function createCursorCodec(key: Uint8Array): CursorCodec {
  const mac = (scope: string, payload: string) =>
    createHmac('sha256', key).update(scope).update('\0').update(payload).digest().subarray(0, MAC_BYTES)
  const invalid = () =>
    new ApiError(400, 'invalid_cursor', 'The cursor is not one this list issued; start again without a cursor.', {
      errors: [{ path: '/query/cursor', message: 'Unknown or tampered cursor', code: 'invalid_cursor' }],
    })
  return {
    encode(scope, position) {
      const payload = Buffer.from(JSON.stringify(position)).toString('base64url')
      return payload + mac(scope, payload).toString('base64url')
    },
    decode(scope, cursor) {
      if (cursor.length <= MAC_CHARS) throw invalid()
      const payload = cursor.slice(0, -MAC_CHARS)
      // Compared as text: base64url has several spellings of the same bytes, and only ours is accepted.
      const given = Buffer.from(cursor.slice(-MAC_CHARS))
      const expected = Buffer.from(mac(scope, payload).toString('base64url'))
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
      let position: unknown
      try {
        position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      } catch {
        throw invalid()
      }
      if (!isPosition(position)) throw invalid()
      return position
    },
  }
}

function isPosition(value: unknown): value is CursorPosition {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (value[0] === null || typeof value[0] === 'string' || typeof value[0] === 'number') &&
    typeof value[1] === 'string'
  )
}
