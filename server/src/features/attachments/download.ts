import { createHmac, timingSafeEqual } from 'node:crypto'
import type { ByteRange } from './storage/storage.js'

/**
 * Image types a browser shows without running anything: served `inline` (an `<img src>` of a signed link,
 * a preview). Everything else, SVG and HTML above all, is served as an attachment to download.
 */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
])

/**
 * Headers every download carries, whatever the file: the stored type (read from the bytes), `nosniff` so
 * the browser keeps to it, and a CSP that sandboxes the document and loads nothing, so a file that is
 * opened anyway (an HTML or SVG upload) cannot run script or reach the API with the viewer's cookies.
 */
export function downloadHeaders(file: { filename: string; contentType: string; sha256: string }) {
  const inline = INLINE_TYPES.has(file.contentType)
  return {
    'Content-Type': file.contentType,
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', file.filename),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    ETag: contentEtag(file.sha256),
    'Accept-Ranges': 'bytes',
  }
}

/** The strong entity tag of stored bytes: their SHA-256, so equal bytes have equal tags on every instance. */
export const contentEtag = (sha256: string) => `"${sha256}"`

/**
 * `Content-Disposition` per RFC 6266 with the name in both forms: `filename` an ASCII fallback (anything
 * else, quotes, backslashes and percent signs as `_`) and `filename*` the exact name, UTF-8 percent-encoded
 * per RFC 8187 (5987). Neither form can carry CR, LF or a quote out of the header value.
 *
 * @example
 * contentDisposition('attachment', 'Résumé "v2".pdf')
 * // attachment; filename="R_sum_ _v2_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22v2%22.pdf
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/gu, '_')
  const encoded = encodeURIComponent(filename).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

export type RangeDecision = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' }

/**
 * What a `Range` header asks of a file of `size` bytes (RFC 9110 §14). One satisfiable range is served
 * (206); a range that starts past the end, or a suffix of zero bytes, is 416. A header that does not parse,
 * uses another unit or asks for several ranges is ignored and the whole file served (200), as §14.2
 * allows: several ranges would need multipart/byteranges, which no client of this API needs. `If-Range`
 * with another entity tag (or a date: the ETag is what identifies the bytes) also serves the whole file.
 */
export function decideRange(
  header: string | undefined,
  size: number,
  etag: string,
  ifRange?: string | undefined,
): RangeDecision {
  if (!header) return { kind: 'full' }
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'full' }
  const match = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i.exec(header.trim())
  if (!match) return { kind: 'full' }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } }
  }
  const start = Number(first)
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last)
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'full' }
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } }
}

/** A signed link's claims: who may fetch which variant of which file, until when (epoch seconds). */
export interface LinkClaims {
  attachmentId: string
  userId: string
  /** `original`, or a thumbnail size such as `256`. */
  variant: string
  expires: number
}

/**
 * Short-lived download links: the claims and an HMAC-SHA256 over them with a key derived from the
 * instance secret for this purpose alone. The link names the user it was made for, so a download through
 * it is checked against what that user may read at the time of the download (a removed member's links stop
 * at once), and against the expiry.
 */
export function createLinkSigner(key: Uint8Array) {
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url')
  const payloadOf = (c: LinkClaims) => `${c.attachmentId}.${c.userId}.${c.variant}.${c.expires}`
  return {
    sign(claims: LinkClaims): string {
      return `${Buffer.from(payloadOf(claims)).toString('base64url')}.${mac(payloadOf(claims))}`
    },
    /** The claims of a link made by `sign`, or undefined for anything forged, altered or malformed. */
    verify(token: string): LinkClaims | undefined {
      const [encoded, signature, extra] = token.split('.')
      if (!encoded || !signature || extra !== undefined) return undefined
      const payload = Buffer.from(encoded, 'base64url').toString()
      const expected = Buffer.from(mac(payload))
      const given = Buffer.from(signature)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
      const [attachmentId, userId, variant, expires, rest] = payload.split('.')
      if (!attachmentId || !userId || !variant || !expires || rest !== undefined) return undefined
      return { attachmentId, userId, variant, expires: Number(expires) }
    },
  }
}
