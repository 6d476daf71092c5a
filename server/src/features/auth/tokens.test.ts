import { createHmac, randomBytes } from 'node:crypto'
import { type JWTPayload, SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../core/api-error.js'
import { createAccessTokens } from './tokens.js'

const key = randomBytes(32)
const now = () => Math.floor(Date.now() / 1000)
const valid = () => ({ sub: 'usr_1', sid: 'ses_1', scope: 'read write', iss: 'tasklane', aud: 'tasklane-api' })

async function token(claims: JWTPayload, header: Record<string, unknown> = {}, signingKey: Uint8Array = key) {
  return new SignJWT({ iat: now(), exp: now() + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header })
    .sign(signingKey)
}
/** Signed by hand, for headers jose will not produce. */
function handSigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${part({ alg: 'HS256', typ: 'at+jwt', ...header })}.${part({ iat: now(), exp: now() + 60, ...claims })}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    return err.code
  }
}

describe('access token verification', () => {
  it('accepts its own tokens, and typ spelled as jose accepts it', async () => {
    const tokens = await createAccessTokens(key, 60)
    const issuedAt = now()
    const signed = await tokens.sign({ userId: 'usr_1', sessionId: 'ses_1', scopes: ['read', 'write'] }, issuedAt)
    expect(await tokens.verify(signed)).toEqual({
      userId: 'usr_1',
      sessionId: 'ses_1',
      scopes: ['read', 'write'],
      expiresAt: (issuedAt + 60) * 1000,
    })
    expect(await codeOf(tokens.verify(await token(valid(), { typ: 'application/AT+JWT' })))).toBe('accepted')
    expect(await codeOf(tokens.verify(await token({ ...valid(), aud: ['other', 'tasklane-api'] })))).toBe('accepted')
    expect(await codeOf(tokens.verify(handSigned({}, valid())))).toBe('accepted')
  })

  it('answers token_expired at and after exp', async () => {
    const tokens = await createAccessTokens(key, 60)
    expect(await codeOf(tokens.verify(await token({ ...valid(), exp: now() })))).toBe('token_expired')
  })

  it('refuses every token that jwtVerify with our options refused', async () => {
    const tokens = await createAccessTokens(key, 60)
    const { iss, aud, sub, sid, ...rest } = valid()
    const refused = [
      await token(valid(), { typ: 'JWT' }),
      await token(valid(), { typ: undefined }),
      handSigned({ crit: ['exp'], exp: 1 }, valid()),
      handSigned({ b64: false, crit: ['b64'] }, valid()),
      await token(valid(), {}, randomBytes(32)),
      await token({ ...rest, aud, sub, sid }),
      await token({ ...rest, iss, sub, sid }),
      await token({ ...rest, iss, aud, sid }),
      await token({ ...rest, iss, aud, sub }),
      await token({ ...valid(), iss: 'someone-else' }),
      await token({ ...valid(), aud: 'other-api' }),
      await token({ ...valid(), nbf: now() + 60 }),
      await token({ ...valid(), iat: 'yesterday' as unknown as number }),
      await token({ ...valid(), exp: undefined }),
      await token({ ...valid(), iat: undefined }),
      await token({ ...valid(), sub: 42 as unknown as string }),
      'not.a.token',
      'only-one-part',
    ]
    for (const t of refused) expect(await codeOf(tokens.verify(t)), t).toBe('token_invalid')
    const good = await token(valid())
    const [h, p, s] = good.split('.') as [string, string, string]
    expect(await codeOf(tokens.verify(`${h}.${p}.${s}!`))).toBe('token_invalid')
    expect(await codeOf(tokens.verify(`${h}.${p}.${s.slice(0, -2)}`))).toBe('token_invalid')
    expect(await codeOf(tokens.verify(`${h}.${p}.`))).toBe('token_invalid')
  })
})

describe('access tokens verified before', () => {
  afterEach(() => vi.useRealTimers())

  it('still expire at exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const tokens = await createAccessTokens(key, 60)
    const signed = await tokens.sign({ userId: 'usr_1', sessionId: 'ses_1', scopes: ['read'] }, now())
    expect(await codeOf(tokens.verify(signed))).toBe('accepted')
    vi.setSystemTime(Date.now() + 59_000)
    expect(await codeOf(tokens.verify(signed))).toBe('accepted')
    vi.setSystemTime(Date.now() + 1_000)
    expect(await codeOf(tokens.verify(signed))).toBe('token_expired')
    expect(await codeOf(tokens.verify(signed))).toBe('token_expired')
  })

  it('vouch for no other text: a tampered copy, another algorithm or key is refused', async () => {
    const tokens = await createAccessTokens(key, 60)
    const good = await tokens.sign({ userId: 'usr_1', sessionId: 'ses_1', scopes: ['read'] }, now())
    expect(await codeOf(tokens.verify(good))).toBe('accepted')
    const [h, p, s] = good.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
    const raised = Buffer.from(JSON.stringify({ ...claims, scope: 'read write' })).toString('base64url')
    expect(await codeOf(tokens.verify(`${h}.${raised}.${s}`))).toBe('token_invalid')
    expect(await codeOf(tokens.verify(`${h}.${p}.${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`))).toBe(
      'token_invalid',
    )
    // The same signature bytes in other text: the last character's spare bits set (they decode away).
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const spare = ALPHABET[ALPHABET.indexOf(s.at(-1) as string) ^ 1] as string
    expect(Buffer.from(`${s.slice(0, -1)}${spare}`, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    expect(await codeOf(tokens.verify(`${h}.${p}.${s.slice(0, -1)}${spare}`))).toBe('token_invalid')
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
    expect(await codeOf(tokens.verify(`${none}.${p}.`))).toBe('token_invalid')
    expect(await codeOf(tokens.verify(handSigned({ alg: 'HS512' }, claims)))).toBe('token_invalid')
    const other = await createAccessTokens(randomBytes(32), 60)
    expect(await codeOf(other.verify(good))).toBe('token_invalid')
    expect(await codeOf(tokens.verify(good))).toBe('accepted')
  })

  it('answer claims a caller cannot change for the next request', async () => {
    const tokens = await createAccessTokens(key, 60)
    const signed = await tokens.sign({ userId: 'usr_1', sessionId: 'ses_1', scopes: ['read'] }, now())
    const first = await tokens.verify(signed)
    expect(() => first.scopes.push('write')).toThrow()
    expect((await tokens.verify(signed)).scopes).toEqual(['read'])
  })
})
