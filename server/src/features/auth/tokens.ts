import { createCipheriv, createDecipheriv, createHash, randomBytes, webcrypto } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { ApiError } from '../../core/api-error.js'
import type { Scope } from '../../core/principal.js'

const ALGORITHM = 'HS256'
const ISSUER = 'tasklane'
const AUDIENCE = 'tasklane-api'
// Enough for every token in use on a busy instance; beyond it the oldest entry goes and that token is
// simply verified again. At ~0.5 KB an entry, a few MB at most.
const VERIFIED_MAX = 10_000

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
  /**
   * Verifies signature, algorithm, issuer, audience and expiry; throws 401 `token_expired` / `token_invalid`.
   * `expiresAt` (epoch milliseconds) lets long-lived responses end when the token does.
   */
  verify(token: string): Promise<AccessClaims & { expiresAt: number }>
}

/**
 * Access tokens are HS256 JWTs with `sub`, `sid` and `scope`. The HMAC key is imported into WebCrypto once
 * here: handing jose raw bytes would import it again on every sign and verify.
 *
 * jose's verification is asynchronous WebCrypto and costs more than the rest of a simple read, and a client
 * sends the same token with every request until it expires. So the claims of tokens jose accepted are kept,
 * keyed by the exact token text: a different byte anywhere (tampering, another algorithm, another key) is a
 * miss and goes through jose. A hit is refused as `token_expired` from `exp` on, exactly as jose would;
 * revocation is not a property of the token and is checked by the caller on every request either way.
 */
export async function createAccessTokens(rawKey: Uint8Array, ttlS: number): Promise<AccessTokens> {
  const key = await webcrypto.subtle.importKey('raw', rawKey, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ])
  const verified = new Map<string, AccessClaims & { expiresAt: number }>()
  const expired = () => new ApiError(401, 'token_expired', 'The access token has expired; refresh the session.')
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
      const known = verified.get(token)
      if (known) {
        if (known.expiresAt > Date.now()) return known
        verified.delete(token)
        throw expired()
      }
      try {
        // Base64url leaves spare bits in a segment's last character, and decoders ignore them: "…A" and
        // "…B" can carry the same signature. Only the text the server signed vouches for the claims.
        if (!token.split('.').every(canonicalBase64url)) throw new Error('non-canonical encoding')
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: 'at+jwt',
          requiredClaims: ['sub', 'sid', 'exp', 'iat'],
        })
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.scope !== 'string') {
          throw new Error('malformed claims')
        }
        const scopes = payload.scope.split(' ').filter((s): s is Scope => s === 'read' || s === 'write')
        // Frozen: the same object answers every later request with this token.
        const claims = Object.freeze({
          userId: payload.sub,
          sessionId: payload.sid,
          scopes: Object.freeze(scopes) as Scope[],
          expiresAt: (payload.exp as number) * 1000,
        })
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string)
        verified.set(token, claims)
        return claims
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw expired()
        throw new ApiError(401, 'token_invalid', 'The access token is not valid.')
      }
    },
  }
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

const canonicalBase64url = (segment: string) => Buffer.from(segment, 'base64url').toString('base64url') === segment
