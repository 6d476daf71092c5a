import { describe, expect, it } from 'vitest'
import { newId } from './ids.js'

describe('newId', () => {
  it('makes prefixed ULIDs that are unique and sort in the order they were made, across refills of the random pool', () => {
    // Well past one pool of random bytes (16 per id when the millisecond changes).
    const ids = Array.from({ length: 5000 }, () => newId('tsk'))
    for (const id of ids) expect(id).toMatch(/^tsk_[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('draws every character of the random part from the whole alphabet', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) for (const ch of newId('x').slice(12)) seen.add(ch)
    expect(seen.size).toBe(32)
  })
})
