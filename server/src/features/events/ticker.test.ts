import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTicker } from './ticker.js'

describe('createTicker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs each callback once per interval, and no more after it is removed', () => {
    const ticker = createTicker(1_000)
    const runs = [0, 0, 0]
    const removers = runs.map((_, i) =>
      ticker.add(() => {
        runs[i] = (runs[i] ?? 0) + 1
      }),
    )
    vi.advanceTimersByTime(3_000)
    expect(runs).toEqual([3, 3, 3])
    removers[1]?.()
    vi.advanceTimersByTime(2_000)
    expect(runs).toEqual([5, 3, 5])
  })

  it('runs a callback added twice twice, and removing one leaves the other', () => {
    const ticker = createTicker(1_000)
    let runs = 0
    const remove = ticker.add(() => runs++)
    ticker.add(() => runs++)
    vi.advanceTimersByTime(1_000)
    expect(runs).toBe(2)
    remove()
    remove()
    vi.advanceTimersByTime(1_000)
    expect(runs).toBe(3)
  })

  it('spreads many callbacks over the interval instead of running them all at once', () => {
    const ticker = createTicker(15_000)
    const firings: number[] = []
    let last = -1
    for (let i = 0; i < 10_000; i++) {
      ticker.add(() => {
        const now = Date.now()
        if (now !== last) firings.push(1)
        else firings[firings.length - 1] = (firings.at(-1) ?? 0) + 1
        last = now
      })
    }
    vi.advanceTimersByTime(15_000)
    // Every callback ran once in the interval…
    expect(firings.reduce((a, b) => a + b, 0)).toBe(10_000)
    // …in many small groups: a heartbeat of 10,000 streams no longer holds the event loop for one long turn.
    expect(firings.length).toBeGreaterThanOrEqual(100)
    expect(Math.max(...firings)).toBeLessThanOrEqual(Math.ceil(10_000 / 100))
  })

  it('stops its timer when the last callback is removed and starts it again on the next', () => {
    const ticker = createTicker(1_000)
    const remove = ticker.add(() => {})
    expect(vi.getTimerCount()).toBe(1)
    remove()
    expect(vi.getTimerCount()).toBe(0)
    let runs = 0
    ticker.add(() => runs++)
    vi.advanceTimersByTime(1_000)
    expect(runs).toBe(1)
  })
})
