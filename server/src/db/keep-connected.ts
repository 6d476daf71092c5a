import type { Logger } from 'pino'

const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5_000

/** What `keepConnected` needs of a connection: node-postgres's `Client` is one. */
export interface Connection {
  connect(): Promise<unknown>
  end(): Promise<unknown>
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  removeAllListeners(event: 'end'): unknown
}

export interface KeepConnectedOptions<C extends Connection> {
  /** A new connection, not yet connected: one for every attempt. */
  open(): C
  /** Readies a connected connection (LISTEN, take a lock); a throw fails the attempt as a failed connect does. */
  setUp?(connection: C): Promise<void>
  /** The connection is ready: after the first attempt that succeeds, and after every reconnect. */
  onConnected?(connection: C): void
  /**
   * The connection ended, failed, or could not be made or set up (with the error, when there was one). What
   * the session held (its LISTEN, its advisory locks) went with it.
   */
  onLost?(connection: C, err: Error | undefined): void
  logger: Logger
  /** The warning logged each time, e.g. `change notifications lost; reconnecting`. */
  lostMessage: string
}

export interface KeptConnection<C> {
  /** The connection while it is ready; undefined while (re)connecting and after `close`. */
  readonly current: C | undefined
  /**
   * How the first attempt went: undefined once the connection is ready, or the error it failed with. Attempts
   * go on after a failure until `close`.
   */
  readonly first: Promise<Error | undefined>
  /** Stops reconnecting and ends the connection, also one still being made. */
  close(): Promise<void>
}

/**
 * Keeps one dedicated connection up (a session of its own, which a pool would hand to other queries): opens
 * it, sets it up, and when it fails or ends opens a new one, after 100 ms and twice as long after each
 * attempt that fails, up to 5 s; back to 100 ms once one succeeds.
 *
 * @example
 * const kept = keepConnected({
 *   open: () => new pg.Client({ connectionString, keepAlive: true }),
 *   setUp: (client) => client.query('LISTEN tasklane_changes').then(() => {}),
 *   onConnected: catchUp,
 *   logger,
 *   lostMessage: 'change notifications lost; reconnecting',
 * })
 * // … kept.current while it is up; kept.close() on shutdown
 */
export function keepConnected<C extends Connection>(options: KeepConnectedOptions<C>): KeptConnection<C> {
  const { open, setUp, onConnected, onLost, logger, lostMessage } = options
  /** The connection being made or in use, which `close` ends. */
  let live: C | undefined
  let current: C | undefined
  let closed = false
  let retryMs = RETRY_MIN_MS
  let timer: NodeJS.Timeout | undefined

  const attempt = async (): Promise<Error | undefined> => {
    timer = undefined
    const next = open()
    live = next
    let failed = false
    const fail = (err?: Error) => {
      if (failed) return
      failed = true
      if (live === next) live = undefined
      if (current === next) current = undefined
      onLost?.(next, err)
      next.end().catch(() => {})
      if (closed) return
      logger.warn({ err, retryMs }, lostMessage)
      timer = setTimeout(attempt, retryMs)
      timer.unref()
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
    }
    next.on('error', fail)
    next.on('end', () => fail())
    try {
      await next.connect()
      await setUp?.(next)
    } catch (err) {
      fail(err as Error)
      return err as Error
    }
    // Lost while being set up (a new attempt is then on its way), or closed: not ready after all.
    if (failed || closed) return undefined
    retryMs = RETRY_MIN_MS
    current = next
    onConnected?.(next)
    return undefined
  }
  const first = attempt()

  return {
    get current() {
      return current
    },
    first,
    async close() {
      closed = true
      clearTimeout(timer)
      const last = live
      live = undefined
      current = undefined
      if (last) {
        last.removeAllListeners('end')
        await last.end().catch(() => {})
      }
    },
  }
}
