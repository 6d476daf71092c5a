import { sql } from 'kysely'
import type { Logger } from 'pino'
import { newId } from '../lib/ids.js'
import type { DatabaseOptions, Dialect, Queryable } from './database.js'
import { keepConnected } from './keep-connected.js'
import { loadPg } from './pg.js'

// The first key of PostgreSQL's two-key advisory locks, naming presence locks apart from the change log's.
const PRESENCE_LOCK_NAMESPACE = 0x7a5c0de

/**
 * This server instance, as other instances (and this one after a restart) can tell whether it still runs:
 * what a claim it holds is tied to, so the claim is free the moment its process dies rather than when a
 * time lock runs out.
 *
 * - SQLite: one process serves a data directory (`serve` locks it), so an instance other than this one
 *   has ended — at the latest when this process took the data directory.
 * - PostgreSQL: the instance holds a session advisory lock on a dedicated connection, which PostgreSQL
 *   releases as soon as that connection ends, however the process ended. A peer asks with
 *   `pg_try_advisory_xact_lock_shared` inside its own transaction (see `instanceAlive`).
 */
export interface InstancePresence {
  /** This instance's id, fresh on every start. */
  id: string
  close(): Promise<void>
}

/**
 * Whether the instance `holder` still runs, asked in `db`'s transaction by the instance `self`. An
 * instance that lost its presence connection looks ended until it is back: what it holds may then be
 * taken over, which the holder's own write notices (idempotency's `completeKey`), so nothing happens twice.
 */
export async function instanceAlive(db: Queryable, dialect: Dialect, self: string, holder: string): Promise<boolean> {
  if (holder === self) return true
  if (dialect === 'sqlite') return false
  // Shared, so that any number of peers may ask at once: only the holder's own (exclusive) lock refuses it.
  // Released again when this transaction ends.
  const { rows } = await sql<{ free: boolean }>`
    select pg_try_advisory_xact_lock_shared(${sql.lit(PRESENCE_LOCK_NAMESPACE)}, hashtext(${holder})) as free`.execute(
    db,
  )
  return rows[0]?.free !== true
}

/**
 * Starts this instance's presence: on PostgreSQL, a dedicated connection holding its advisory lock, taken
 * before this resolves and taken again after the connection is lost and restored.
 *
 * @example
 * const presence = await startInstancePresence(db.options, logger)
 * // … presence.id on every claim this instance makes; presence.close() on shutdown
 */
export async function startInstancePresence(
  options: DatabaseOptions,
  logger: Logger,
  connectTimeoutMs = 5_000,
): Promise<InstancePresence> {
  const id = newId('ins')
  if (options.dialect !== 'postgres') return { id, close: async () => {} }

  const pg = loadPg()
  const kept = keepConnected({
    open: () =>
      new pg.Client({
        connectionString: options.url,
        application_name: `tasklane-presence ${id}`.slice(0, 63),
        connectionTimeoutMillis: connectTimeoutMs,
        // A connection that silently died would otherwise keep this instance looking alive to nobody.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      }),
    setUp: async (client) => {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [PRESENCE_LOCK_NAMESPACE, id])
    },
    logger,
    lostMessage: 'instance presence lost; reconnecting',
  })
  const failure = await kept.first
  if (failure) {
    // Start-up fails with it; nothing is left trying in the background.
    await kept.close()
    throw failure
  }

  return { id, close: () => kept.close() }
}
