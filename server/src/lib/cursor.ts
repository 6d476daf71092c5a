import { createHmac, timingSafeEqual } from 'node:crypto'
import { ApiError } from '../http/problem.js'

const MAC_LENGTH = 22 // 16 bytes of HMAC-SHA256 in base64url

/**
 * Opaque, tamper-proof keyset cursors: the position (`after`, usually the last id of a page) and the name
 * of the list it belongs to, MACed so a client can neither forge a position nor reuse a cursor on another
 * list. Only characters of `[A-Za-z0-9_-]`, as the Cursor parameter documents.
 *
 * @example
 * const cursors = createCursors(ctx.secrets.key('cursor'))
 * const next = cursors.encode('sessions:usr_1', lastId)
 * const after = cursors.decode('sessions:usr_1', query.cursor) // lastId
 */
export function createCursors(key: Uint8Array) {
  const mac = (payload: string) =>
    createHmac('sha256', key).update(payload).digest().subarray(0, 16).toString('base64url')
  return {
    encode(list: string, after: string): string {
      const payload = Buffer.from(JSON.stringify({ l: list, a: after })).toString('base64url')
      return payload + mac(payload)
    },
    decode(list: string, cursor: string | undefined): string | undefined {
      if (cursor === undefined) return undefined
      const invalid = new ApiError(400, 'invalid_cursor', 'The cursor is not valid for this list.')
      if (cursor.length <= MAC_LENGTH) throw invalid
      const payload = cursor.slice(0, -MAC_LENGTH)
      const given = Buffer.from(cursor.slice(-MAC_LENGTH))
      if (!timingSafeEqual(given, Buffer.from(mac(payload)))) throw invalid
      try {
        const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
        if (parsed.l !== list || typeof parsed.a !== 'string') throw invalid
        return parsed.a
      } catch {
        throw invalid
      }
    },
  }
}
export type Cursors = ReturnType<typeof createCursors>
