import type { Logger } from 'pino'
import type { DatabaseOptions } from './database.js'
import { keepConnected } from './keep-connected.js'
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
  const pg = loadPg()
  const kept = keepConnected({
    open: () => {
      const client = new pg.Client({
        connectionString: options.url,
        // Names the channel so an operator (or a test) can tell this connection apart in pg_stat_activity.
        application_name: `tasklane-listen ${channel}`.slice(0, 63),
        connectionTimeoutMillis: connectTimeoutMs,
        // A connection that silently died (a partition) would otherwise never report it, and never reconnect.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
      })
      client.on('notification', (message) => {
        if (message.channel === channel) handlers.notify(message.payload ?? '')
      })
      return client
    },
    setUp: async (client) => {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    },
    onConnected: () => handlers.connected(),
    onLost: (client) => client.removeAllListeners('notification'),
    logger,
    lostMessage: 'change notifications lost; reconnecting',
  })
  return { close: () => kept.close() }
}
