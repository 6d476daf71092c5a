import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
  webcrypto,
} from 'node:crypto'
import { SignJWT } from 'jose'
import type { Scope } from '../../http/env.js'
import { ApiError } from '../../http/problem.js'

const ALGORITHM = 'HS256'
const ISSUER = 'tasklane'
const AUDIENCE = 'tasklane-api'

interface AccessClaims {
  userId: string
  sessionId: string
  scopes: Scope[]
}

export interface AccessTokens {
  /** Seconds an access token is valid. */
  readonly ttlS: number
  /** Signs an access token; `issuedAt` (seconds) makes the token reproducible for the refresh grace window. */
  sign(claims: AccessClaims, issuedAt: number): Promise<string>
  /** Verifies signature, algorithm, issuer, audience and expiry; throws 401 `token_expired` / `token_invalid`. */
  verify(token: string): Promise<AccessClaims>
}

/**
 * Access tokens are HS256 JWTs with `sub`, `sid` and `scope`, signed with jose. The HMAC key is imported
 * into WebCrypto once here: handing jose raw bytes would import it again on every sign.
 *
 * Verification runs on every authenticated request and uses node:crypto's HMAC with `timingSafeEqual`
 * instead of jose's `jwtVerify`: WebCrypto's job machinery cost ~45 µs of CPU per token against ~8 µs, a
 * sixth of a small request. It makes the checks `jwtVerify` made with these options (see `verifyAccessToken`).
 */
export async function createAccessTokens(rawKey: Uint8Array, ttlS: number): Promise<AccessTokens> {
  const hmacKey = createSecretKey(rawKey)
  const key = await webcrypto.subtle.importKey('raw', rawKey, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ])
  return {
    ttlS,
    sign: (claims, issuedAt) =>
      new SignJWT({ sid: claims.sessionId, scope: claims.scopes.join(' ') })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlS)
        .sign(key),
    async verify(token) {
      return verifyAccessToken(token, hmacKey)
    },
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/
const TYP = 'application/at+jwt'
const invalid = () => new ApiError(401, 'token_invalid', 'The access token is not valid.')

const decodeJson = (segment: string): unknown => {
  if (!BASE64URL.test(segment)) throw invalid()
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
}
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
/** A NumericDate claim: absent, or a finite number (jose refuses any other type). */
const numericDate = (claims: Record<string, unknown>, name: string): number | undefined => {
  const value = claims[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid()
  return value
}

/**
 * The checks jose's `jwtVerify` made with `algorithms: ['HS256']`, `typ: 'at+jwt'`, issuer, audience and
 * `requiredClaims: sub, sid, exp, iat`, no clock tolerance: compact form, a JSON-object header with alg
 * HS256 and neither `crit` nor `b64` (ours carry neither; jose understands no crit), typ compared like jose (case-insensitive, optional
 * `application/`), the HMAC-SHA256 over `header.payload` compared in constant time, a JSON-object claims
 * set with every required claim present, iss and aud matching, iat/nbf/exp NumericDates, nbf not in the
 * future and exp strictly in the future (`token_expired` otherwise). Everything else is `token_invalid`.
 */
function verifyAccessToken(token: string, key: KeyObject): AccessClaims {
  const parts = token.split('.')
  if (parts.length !== 3) throw invalid()
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = decodeJson(headerPart)
  if (!isObject(header) || header.alg !== ALGORITHM || header.crit !== undefined || header.b64 !== undefined) {
    throw invalid()
  }
  if (typeof header.typ !== 'string') throw invalid()
  const typ = header.typ.toLowerCase()
  if ((typ.includes('/') ? typ : `application/${typ}`) !== TYP) throw invalid()
  if (!BASE64URL.test(signaturePart)) throw invalid()
  const signature = Buffer.from(signaturePart, 'base64url')
  const expected = createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest()
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw invalid()

  const claims = decodeJson(payloadPart)
  if (!isObject(claims)) throw invalid()
  for (const name of ['sub', 'sid', 'exp', 'iat', 'iss', 'aud']) if (!Object.hasOwn(claims, name)) throw invalid()
  if (claims.iss !== ISSUER) throw invalid()
  const aud = claims.aud
  if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) throw invalid()
  const now = Math.floor(Date.now() / 1000)
  numericDate(claims, 'iat')
  const nbf = numericDate(claims, 'nbf')
  if (nbf !== undefined && nbf > now) throw invalid()
  const exp = numericDate(claims, 'exp')
  if (exp !== undefined && exp <= now) {
    throw new ApiError(401, 'token_expired', 'The access token has expired; refresh the session.')
  }
  if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.scope !== 'string') {
    throw invalid()
  }
  const scopes = claims.scope.split(' ').filter((s): s is Scope => s === 'read' || s === 'write')
  return { userId: claims.sub, sessionId: claims.sid, scopes }
}

/** A random 256-bit secret with a recognisable prefix: `rt_…`, `tl_…`. */
export function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

/**
 * SHA-256 of a high-entropy token. A fast hash is right here: the tokens are 256-bit random values, so there
 * is nothing to brute-force, and lookups stay one indexed query.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** AES-256-GCM for the one secret the server must read back (the refresh token of the grace window). */
export function createSealer(key: Uint8Array) {
  return {
    seal(plain: string): string {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')
    },
    open(sealed: string): string {
      const buf = Buffer.from(sealed, 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12))
      decipher.setAuthTag(buf.subarray(12, 28))
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}
export type Sealer = ReturnType<typeof createSealer>
