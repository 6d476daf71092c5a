import type { Client } from 'pg'
import type { Logger } from 'pino'
import type { DatabaseOptions } from './database.js'
import { loadPg } from './pg.js'

type PostgresOptions = Extract<DatabaseOptions, { dialect: 'postgres' }>

/**
 * The NOTIFY channel on which writers announce new changes. Channels are per database, not per schema, so
 * databases that share one PostgreSQL database in separate schemas (as the tests do) get one each.
 */
export function changesChannel(options: DatabaseOptions): string {
  return options.dialect === 'postgres' && options.schema ? `tasklane_changes_${options.schema}` : 'tasklane_changes'
}

export interface NotificationHandlers {
  /** A NOTIFY arrived on the channel, with its payload. */
  notify(payload: string): void
  /**
   * LISTEN is (again) in effect. Notifications sent while it was not were lost, so whoever relies on
   * them must re-read what it may have missed.
   */
  connected(): void
}

export interface NotificationListener {
  close(): Promise<void>
}

const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5_000

/**
 * LISTENs on `channel` over a dedicated connection (a pooled one would be handed to other queries, and its
 * LISTEN with it). When the connection fails it reconnects with exponential backoff and calls
 * `connected` again once LISTEN is back.
 *
 * @example
 * const listener = listenForNotifications(options, 'tasklane_changes', { notify: wake, connected: wake }, logger)
 */
export function listenForNotifications(
  options: PostgresOptions,
  channel: string,
  handlers: NotificationHandlers,
  logger: Logger,
  connectTimeoutMs = 5_000,
): NotificationListener {
  let client: Client | undefined
  let closed = false
  let retryMs = RETRY_MIN_MS
  let timer: NodeJS.Timeout | undefined

  const connect = async () => {
    timer = undefined
    const pg = loadPg()
    const next = new pg.Client({
      connectionString: options.url,
      // Names the channel so an operator (or a test) can tell this connection apart in pg_stat_activity.
      application_name: `tasklane-listen ${channel}`.slice(0, 63),
      connectionTimeoutMillis: connectTimeoutMs,
      // A connection that silently died (a partition) would otherwise never report it, and never reconnect.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    })
    client = next
    let failed = false
    const fail = (err?: Error) => {
      if (failed) return
      failed = true
      next.removeAllListeners('notification')
      next.end().catch(() => {})
      if (closed) return
      logger.warn({ err, retryMs }, 'change notifications lost; reconnecting')
      timer = setTimeout(connect, retryMs)
      timer.unref()
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
    }
    next.on('error', fail)
    next.on('end', () => fail())
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.notify(message.payload ?? '')
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (err) {
      fail(err as Error)
      return
    }
    if (closed) {
      await next.end().catch(() => {})
      return
    }
    retryMs = RETRY_MIN_MS
    handlers.connected()
  }
  void connect()

  return {
    async close() {
      closed = true
      clearTimeout(timer)
      const last = client
      client = undefined
      if (last) {
        last.removeAllListeners('end')
        await last.end().catch(() => {})
      }
    },
  }
}
