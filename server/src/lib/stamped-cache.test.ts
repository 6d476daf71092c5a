import { describe, expect, it } from 'vitest'
import { stampedCache } from './stamped-cache.js'

/** A cache over a stamp the test moves, counting the computations it makes. */
function setup(maxWeight = 100) {
  const clock = { stamp: 1 as number | undefined }
  let computed = 0
  const cache = stampedCache<{ key: string; weight: number; n: number }>(() => clock.stamp, {
    maxWeight,
    weigh: (v) => v.weight,
  })
  const get = (key: string, weight = 1) =>
    cache.get(key, async () => {
      computed += 1
      return { key, weight, n: computed }
    })
  return { clock, get, computed: () => computed }
}

describe('stampedCache', () => {
  it('keeps each key while the stamp stays, and drops everything when it moves', async () => {
    const { clock, get, computed } = setup()
    const a = await get('a')
    expect(await get('a')).toBe(a)
    const b = await get('b')
    expect(b).not.toBe(a)
    expect(computed()).toBe(2)
    clock.stamp = 2
    expect(await get('a')).not.toBe(a)
    expect(await get('b')).not.toBe(b)
    expect(computed()).toBe(4)
  })

  it('keeps nothing while there is no stamp, and what it kept before serves the same stamp after', async () => {
    const { clock, get, computed } = setup()
    await get('a')
    clock.stamp = undefined
    await get('a')
    await get('a')
    expect(computed()).toBe(3)
    // The same stamp is the same data (a transaction that changed nothing was open meanwhile).
    clock.stamp = 1
    await get('a')
    expect(computed()).toBe(3)
  })

  it('does not keep a value computed while the stamp moved', async () => {
    const clock = { stamp: 1 }
    let release: () => void = () => {}
    const cache = stampedCache<string>(() => clock.stamp, { maxWeight: 10, weigh: () => 1 })
    // The first read sees stamp 1 and is slow; a write moves the stamp, and a second read sees stamp 2.
    const slow = cache.get('a', () => new Promise<string>((resolve) => (release = () => resolve('before the write'))))
    clock.stamp = 2
    expect(await cache.get('a', async () => 'after the write')).toBe('after the write')
    release()
    expect(await slow).toBe('before the write')
    expect(await cache.get('a', async () => 'read again')).toBe('after the write')
  })

  it('keeps nothing of a computation that failed', async () => {
    const cache = stampedCache<string>(() => 1, { maxWeight: 10, weigh: () => 1 })
    await expect(cache.get('a', () => Promise.reject(new Error('bad cursor')))).rejects.toThrow('bad cursor')
    expect(await cache.get('a', async () => 'good')).toBe('good')
    expect(await cache.get('a', async () => 'other')).toBe('good')
  })

  it('keeps at most maxWeight, dropping the oldest first, and never a value heavier than that', async () => {
    const { get, computed } = setup(10)
    await get('a', 4)
    await get('b', 4)
    await get('c', 4) // 12 > 10: a goes
    expect(computed()).toBe(3)
    await get('b', 4)
    await get('c', 4)
    expect(computed()).toBe(3)
    await get('a', 4) // computed again; b goes
    expect(computed()).toBe(4)
    await get('c', 4)
    expect(computed()).toBe(4)
    await get('huge', 11)
    await get('huge', 11)
    expect(computed()).toBe(6)
    await get('c', 4)
    expect(computed()).toBe(6)
  })
})
