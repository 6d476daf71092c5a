// Every error class of the SDK from a response the real server really gives, in both styles: the result's
// typed `error` and `unwrap()`'s throw. Each carries the status, the problem's code and the request id the
// server put in the response header and in the body.
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TasklaneError,
  UnprocessableEntityError,
  unwrap,
} from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { startLiveServer } from './support/live.js'

/** The error `unwrap` throws, checked against the same call's result-style answer and the wire. */
async function thrown<T extends { error?: unknown; response: Response; requestId: string | null }>(
  call: () => Promise<T>,
): Promise<{ error: APIError; result: T }> {
  const result = await call()
  const error = await unwrap(call()).catch((e: unknown) => e)
  if (!(error instanceof APIError)) throw new Error(`expected an APIError, got ${String(error)}`)
  expect(result.error).toMatchObject({ status: result.response.status, code: expect.any(String) })
  expect(result.requestId).toBe(result.response.headers.get('x-request-id'))
  expect((result.error as { requestId?: string }).requestId).toBe(result.requestId)
  expect(error.status).toBe(result.response.status)
  expect(error.code).toBe((result.error as { code: string }).code)
  expect(error.requestId).toBe(error.headers.get('x-request-id'))
  expect(error.requestId).toBe(error.body?.requestId)
  expect(error).toBeInstanceOf(TasklaneError)
  return { error, result }
}

describe('error classes from real responses', () => {
  test('400 BadRequestError lists each invalid input', async () => {
    const live = await startLiveServer()
    const tl = live.sdk()
    const { error } = await thrown(() =>
      tl.POST('/v1/auth/signup', { body: { email: 'not an email', password: 'short', name: 'Ada' } }),
    )
    expect(error).toBeInstanceOf(BadRequestError)
    expect(error.code).toBe('validation_failed')
    expect(error.body?.errors?.map((e) => e.path).sort()).toEqual(['/body/email', '/body/password'])
  })

  test('401 AuthenticationError: no credentials, and a wrong password', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk()
    const anonymous = await thrown(() => tl.GET('/v1/me'))
    expect(anonymous.error).toBeInstanceOf(AuthenticationError)
    expect(anonymous.error.code).toBe('unauthenticated')
    const wrong = await thrown(() =>
      tl.POST('/v1/auth/login', { body: { email: user.email, password: 'not the password at all' } }),
    )
    expect(wrong.error).toBeInstanceOf(AuthenticationError)
    expect(wrong.error.code).toBe('invalid_credentials')
  })

  test('403 PermissionDeniedError: a read API key asked to write', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const owner = live.sdk({ accessToken: user.accessToken })
    const { key } = await unwrap(owner.POST('/v1/me/api-keys', { body: { name: 'reader', scopes: ['read'] } }))
    const reader = live.sdk({ apiKey: key })
    expect((await reader.GET('/v1/me')).response.status).toBe(200)
    const { error } = await thrown(() => reader.PATCH('/v1/me', { body: { name: 'Mallory' } }))
    expect(error).toBeInstanceOf(PermissionDeniedError)
    expect(error.code).toBe('insufficient_scope')
    expect((await unwrap(owner.GET('/v1/me'))).name).not.toBe('Mallory')
  })

  test('404 NotFoundError: revoking an API key that does not exist', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    const { error } = await thrown(() =>
      tl.DELETE('/v1/me/api-keys/{keyId}', { params: { path: { keyId: 'key_01JD8X3Z7Q2W6V5T4R3P1N0M9K' } } }),
    )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.code).toBe('not_found')
  })

  test('409 ConflictError: signing up twice with one email', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk()
    const { error } = await thrown(() =>
      tl.POST('/v1/auth/signup', { body: { email: user.email.toUpperCase(), password: user.password, name: 'Again' } }),
    )
    expect(error).toBeInstanceOf(ConflictError)
    expect(error.code).toBe('email_taken')
  })

  test('422 UnprocessableEntityError: deleting the account with a wrong password', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    const { error } = await thrown(() => tl.DELETE('/v1/me', { body: { password: 'not the password at all' } }))
    expect(error).toBeInstanceOf(UnprocessableEntityError)
    expect(error.code).toBe('invalid_password')
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
  })

  test('429 RateLimitError carries retryAfter from the real limiter', async () => {
    const live = await startLiveServer({ RATE_LIMIT_DEFAULT: '3/60' })
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken, maxRetries: 0 })
    for (let i = 0; i < 3; i++) expect((await tl.GET('/v1/me')).response.status).toBe(200)
    const { error } = await thrown(() => tl.GET('/v1/me'))
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.code).toBe('rate_limited')
    const retryAfter = (error as RateLimitError).retryAfter
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(error.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/)
  })

  test('5xx InternalServerError when the database goes away under the running server', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    await live.ctx.db.close()

    const readiness = await thrown(() => tl.GET('/readyz', { maxRetries: 0 }))
    expect(readiness.error).toBeInstanceOf(InternalServerError)
    expect(readiness.error.status).toBe(503)

    // A GET is retried on 5xx (twice by default) before the error reaches the caller.
    const before = live.count('GET', '/v1/me')
    const { error } = await thrown(() => tl.GET('/v1/me'))
    expect(error).toBeInstanceOf(InternalServerError)
    expect(error.status).toBe(500)
    expect(error.code).toBe('internal_error')
    expect(JSON.stringify(error.body)).not.toMatch(/sqlite|database|at \//i) // nothing internal leaks
    expect(live.count('GET', '/v1/me') - before).toBe(6) // two calls of three attempts each
  })

  test('ConnectionError when the connection drops, and when nothing listens', async () => {
    const live = await startLiveServer()
    const tl = live.sdk({ maxRetries: 0 })
    live.fault({ drop: 'before' })
    const dropped = await unwrap(tl.GET('/healthz')).catch((e: unknown) => e)
    expect(dropped).toBeInstanceOf(ConnectionError)
    expect((dropped as ConnectionError).code).toBe('connection_error')
    expect((dropped as ConnectionError).status).toBeUndefined()

    const nowhere = live.sdk({ baseUrl: 'http://127.0.0.1:9', maxRetries: 1 })
    const refused = await nowhere.GET('/healthz').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ConnectionError)
  })
})
