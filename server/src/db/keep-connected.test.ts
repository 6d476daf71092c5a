import { EventEmitter } from 'node:events'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { type KeepConnectedOptions, keepConnected } from './keep-connected.js'

/**
 * A connection that connects, is refused, or hangs until it is ended, as the test says; it ends as
 * node-postgres's client does, with `end`, and a connect still under way then fails.
 */
class FakeConnection extends EventEmitter {
  ended = false
  private abandon: (err: Error) => void = () => {}

  constructor(private readonly outcome: 'connects' | 'hangs' | Error) {
    super()
  }

  connect(): Promise<void> {
    if (this.outcome instanceof Error) return Promise.reject(this.outcome)
    if (this.outcome === 'connects') return Promise.resolve()
    return new Promise((_, reject) => {
      this.abandon = reject
    })
  }

  async end(): Promise<void> {
    if (this.ended) return
    this.ended = true
    this.abandon(new Error('Connection terminated'))
    this.emit('end')
  }

  /** The server ends the session (a restart, a failover, pg_terminate_backend). */
  lose() {
    this.emit('error', new Error('terminating connection due to administrator command'))
  }
}

const refused = () => new Error('connect ECONNREFUSED 127.0.0.1:5432')

/**
 * Keeps a fake connection up; `outcomes` say how each attempt's connect goes (connects once they run out).
 * Notes when each connection was opened, and what the helper reported.
 */
function kept(outcomes: ('connects' | 'hangs' | Error)[], more: Partial<KeepConnectedOptions<FakeConnection>> = {}) {
  const started = Date.now()
  const opened: { at: number; connection: FakeConnection }[] = []
  const reported: string[] = []
  const which = (connection: FakeConnection) => opened.findIndex((o) => o.connection === connection)
  const connection = keepConnected<FakeConnection>({
    open: () => {
      const next = new FakeConnection(outcomes.shift() ?? 'connects')
      opened.push({ at: Date.now() - started, connection: next })
      return next
    },
    onConnected: (c) => reported.push(`connected ${which(c)}`),
    onLost: (c, err) => reported.push(`lost ${which(c)}${err ? `: ${err.message}` : ''}`),
    logger: pino({ level: 'silent' }),
    lostMessage: 'the test connection was lost; reconnecting',
    ...more,
  })
  onTestFinished(() => connection.close())
  const nth = (n: number) => {
    const found = opened[n]
    if (!found) throw new Error(`connection ${n} was never opened`)
    return found.connection
  }
  return { connection, opened, reported, nth, openedAt: () => opened.map((o) => o.at) }
}

describe('keepConnected', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reconnects a lost connection after 100 ms, waiting twice as long after each failed attempt, up to 5 s', async () => {
    const k = kept(['connects', ...Array.from({ length: 8 }, refused), 'connects'])
    expect(await k.connection.first).toBeUndefined()
    expect(k.connection.current).toBe(k.nth(0))

    k.nth(0).lose()
    expect(k.connection.current).toBeUndefined()
    expect(k.nth(0).ended).toBe(true)
    await vi.advanceTimersByTimeAsync(30_000)
    const gaps = k.openedAt().map((at, i, all) => at - (all[i - 1] ?? at))
    expect(gaps).toEqual([0, 100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000])
    expect(k.connection.current).toBe(k.nth(9))
    // Every connection that failed was ended; the one that is up is not.
    expect(k.opened.slice(0, 9).every((o) => o.connection.ended)).toBe(true)
    expect(k.nth(9).ended).toBe(false)
    expect(k.reported[0]).toBe('connected 0')
    expect(k.reported[1]).toMatch(/^lost 0: terminating connection/)
    expect(k.reported.at(-1)).toBe('connected 9')

    // Once one succeeded, the next loss is retried after 100 ms again.
    k.nth(9).lose()
    await vi.advanceTimersByTimeAsync(99)
    expect(k.opened).toHaveLength(10)
    await vi.advanceTimersByTimeAsync(1)
    expect(k.opened).toHaveLength(11)
    await vi.advanceTimersByTimeAsync(10)
    expect(k.connection.current).toBe(k.nth(10))
  })

  it('answers the error of a first connect that fails, and keeps trying until one succeeds', async () => {
    const failure = refused()
    const k = kept([failure, refused(), 'connects'])
    expect(await k.connection.first).toBe(failure)
    expect(k.connection.current).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(k.openedAt()).toEqual([0, 100, 300])
    expect(k.connection.current).toBe(k.nth(2))
    expect(k.reported).toEqual([`lost 0: ${failure.message}`, `lost 1: ${failure.message}`, 'connected 2'])
  })

  it('counts a set-up that fails as a failed connect: the connection is ended and a new one set up', async () => {
    let setUps = 0
    const k = kept([], {
      setUp: async () => {
        if (++setUps === 1) throw new Error('LISTEN failed')
      },
    })
    expect(await k.connection.first).toEqual(new Error('LISTEN failed'))
    expect(k.nth(0).ended).toBe(true)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(setUps).toBe(2)
    expect(k.connection.current).toBe(k.nth(1))
    expect(k.reported).toEqual(['lost 0: LISTEN failed', 'connected 1'])
  })

  it('ends the connection on close and tries no more, whether it was up, being made, or waited for', async () => {
    const up = kept([])
    await up.connection.first
    await up.connection.close()
    expect(up.nth(0).ended).toBe(true)
    expect(up.connection.current).toBeUndefined()

    const making = kept(['hangs'])
    await vi.advanceTimersByTimeAsync(0)
    await making.connection.close()
    expect(making.nth(0).ended).toBe(true)
    expect(await making.connection.first).toEqual(new Error('Connection terminated'))

    const waiting = kept([refused()])
    await waiting.connection.first
    await waiting.connection.close()

    await vi.advanceTimersByTimeAsync(30_000)
    expect([up.opened.length, making.opened.length, waiting.opened.length]).toEqual([1, 1, 1])
    expect(up.reported).toEqual(['connected 0'])
    expect(making.reported).toEqual(['lost 0: Connection terminated'])
    expect(making.connection.current).toBeUndefined()
  })
})
