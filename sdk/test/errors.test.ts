import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  RateLimitError,
  TasklaneError,
  UnprocessableEntityError,
  unwrap,
} from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { rejection, sdkOn } from './helpers.js'

const auth = { apiKey: 'tl_test_key', maxRetries: 0 }

describe('errors', () => {
  test.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [412, PreconditionFailedError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [405, APIError],
  ] as const)('%i is thrown by unwrap() as %o with status, code, requestId and body', async (status, Class) => {
    const s = createFakeServer()
    s.fault({ status, headers: { 'X-Request-Id': 'req_given' } })
    const tl = sdkOn(s, auth)
    const error = await rejection(unwrap(tl.GET('/v1/me')))
    expect(error).toBeInstanceOf(Class)
    expect(error).toBeInstanceOf(APIError)
    expect(error).toBeInstanceOf(TasklaneError)
    const e = error as APIError
    expect(e.name).toBe(Class.name)
    expect(e.status).toBe(status)
    expect(e.requestId).toMatch(/^req_/)
    expect(e.body?.status).toBe(status)
    expect(e.code).toBe(e.body?.code)
    expect(e.message).toBe(e.body?.detail)
  })

  test('the result style returns the typed problem, the response and the request id', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    const { data, error, response, requestId } = await tl.GET('/v1/projects/{projectId}', {
      params: { path: { projectId: 'prj_missing' } },
    })
    expect(data).toBeUndefined()
    expect(response.status).toBe(404)
    expect(error?.code).toBe('not_found')
    expect(error?.requestId).toBe(requestId)
  })

  test('requestId is on every successful result', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    const result = await tl.GET('/v1/me')
    expect(result.requestId).toMatch(/^req_/)
    expect(result.requestId).toBe(result.response.headers.get('X-Request-Id'))
  })

  test('a non-problem error body still becomes the right class, with a fallback code', async () => {
    const s = createFakeServer()
    s.fault({ status: 502, body: 'bad gateway' })
    const tl = sdkOn(s, auth)
    const error = (await rejection(unwrap(tl.GET('/v1/me')))) as InternalServerError
    expect(error).toBeInstanceOf(InternalServerError)
    expect(error.code).toBe('http_502')
    expect(error.body).toBeUndefined()
  })
})
