import { describe, expect, it } from 'vitest'
import { ApiError } from './api-error.js'
import { assertIfMatch, etagOf, isNotModified } from './etag.js'

describe('conditional requests', () => {
  it('makes a strong ETag of the version', () => {
    expect(etagOf(3)).toBe('"3"')
  })

  it('answers If-None-Match on the current version, a list containing it, a weak form or *', () => {
    expect(isNotModified('"3"', 3)).toBe(true)
    expect(isNotModified('"1", "3"', 3)).toBe(true)
    expect(isNotModified('W/"3"', 3)).toBe(true)
    expect(isNotModified('*', 3)).toBe(true)
    expect(isNotModified('"2"', 3)).toBe(false)
    expect(isNotModified(undefined, 3)).toBe(false)
  })

  it('passes If-Match on the current version or *, and fails otherwise with 412 and the current ETag', () => {
    expect(() => assertIfMatch('"3"', 3)).not.toThrow()
    expect(() => assertIfMatch('*', 3)).not.toThrow()
    expect(() => assertIfMatch(undefined, 3)).not.toThrow()
    try {
      assertIfMatch('"2"', 3)
      throw new Error('expected 412')
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError)
      expect((err as ApiError).status).toBe(412)
      expect((err as ApiError).headers.ETag).toBe('"3"')
    }
    // A weak tag never satisfies If-Match (RFC 9110 §13.1.1: strong comparison).
    expect(() => assertIfMatch('W/"3"', 3)).toThrow(ApiError)
  })
})
