import { randomBytes } from 'node:crypto'
import type { Lock, Locker, RequestRelease } from '@tus/utils'
import { ERRORS } from '@tus/utils'
import type { Client, Notification } from 'pg'
import type { Logger } from 'pino'
import type { DatabaseOptions } from './database.js'
import { keepConnected } from './keep-connected.js'
import { loadPg } from './pg.js'

type PostgresOptions = Extract<DatabaseOptions, { dialect: 'postgres' }>

// The first key of PostgreSQL's two-key advisory locks, naming upload locks apart from presence locks.
const UPLOAD_LOCK_NAMESPACE = 0x7a5c0df
// How long a waiter sleeps between tries when no notification wakes it sooner.
const POLL_MIN_MS = 20
const POLL_MAX_MS = 250

export interface UploadLocker extends Locker {
  close(): Promise<void>
}

/** The NOTIFY channel of one database's upload locks (per schema, as the change log's channel is). */
function locksChannel(options: PostgresOptions): string {
  return options.schema ? `tasklane_upload_locks_${options.schema}` : 'tasklane_upload_locks'
}

interface Held {
  requestRelease: RequestRelease
  /** The connection whose session holds the advisory lock; undefined until it is taken (or while lost). */
  client?: Client
}

/**
 * The tus upload lock shared by every instance on one PostgreSQL database, so that PATCHes of one upload
 * arriving at different instances run one at a time. Each lock is a session advisory lock
 * (`pg_try_advisory_lock`) on one dedicated connection per instance, which also LISTENs for the protocol's
 * release requests: a request that finds an upload locked asks its holder to let go (`NOTIFY … 'release
 * <id>'`), whichever instance holds it, and the holder's request then stops as @tus/server's own memory
 * locker would make it stop; an unlock says `released <id>` so waiters elsewhere try again at once.
 *
 * If that connection is lost, PostgreSQL frees its locks: every request holding one is asked to stop, and
 * once the connection is back the locks of requests still running are taken again before new ones.
 *
 * @example
 * const locker = await startUploadLocker(db.options, logger)
 * new Server({ datastore, locker, … }) // and locker.close() on shutdown
 */
export async function startUploadLocker(
  options: PostgresOptions,
  logger: Logger,
  { connectTimeoutMs = 5_000, acquireTimeoutMs = 30_000 } = {},
): Promise<UploadLocker> {
  const channel = locksChannel(options)
  // Tells this instance's lock connection apart from other instances' in pg_stat_activity.
  const instance = randomBytes(4).toString('hex')
  const held = new Map<string, Held>()
  const wakers = new Map<string, Set<() => void>>()
  let lastError: Error | undefined
  let closed = false

  const wake = (id: string) => {
    for (const w of wakers.get(id) ?? []) w()
  }

  const onNotification = (message: Notification) => {
    const [verb, id] = (message.payload ?? '').split(' ')
    if (!id) return
    if (verb === 'release') {
      const mine = held.get(id)
      if (mine?.client) void mine.requestRelease()
    } else if (verb === 'released') {
      wake(id)
    }
  }

  const pg = loadPg()
  const kept = keepConnected({
    open: () => {
      const client = new pg.Client({
        connectionString: options.url,
        application_name: `tasklane-locks ${options.schema ?? 'public'} ${instance}`.slice(0, 63),
        connectionTimeoutMillis: connectTimeoutMs,
        query_timeout: connectTimeoutMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      })
      client.on('notification', onNotification)
      return client
    },
    setUp: async (client) => {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      // Requests still running when the last connection was lost hold their uploads again.
      for (const [id, entry] of held) {
        if (entry.client) continue
        if (await tryLock(client, id)) entry.client = client
        else logger.warn({ uploadId: id }, 'an upload lock lost with its connection was taken by another instance')
      }
    },
    onConnected: () => {
      lastError = undefined
      for (const id of wakers.keys()) wake(id)
    },
    onLost: (client, err) => {
      lastError = err ?? new Error('Connection terminated: the upload lock connection ended')
      client.removeAllListeners('notification')
      // Its locks went with it: whoever holds one stops, as a release request makes it stop.
      for (const [id, entry] of held) {
        if (entry.client === client) {
          entry.client = undefined
          void entry.requestRelease()
          wake(id)
        }
      }
    },
    logger,
    lostMessage: 'upload lock connection lost; reconnecting',
  })
  const failure = await kept.first
  if (failure) {
    closed = true
    await kept.close()
    throw failure
  }

  /** Sleeps `ms`, or until the upload may have been released, or until `signal` aborts. */
  const pause = (id: string, ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const set = wakers.get(id) ?? new Set()
      wakers.set(id, set)
      const done = () => {
        clearTimeout(t)
        signal.removeEventListener('abort', done)
        set.delete(done)
        if (set.size === 0 && wakers.get(id) === set) wakers.delete(id)
        resolve()
      }
      const t = setTimeout(done, ms)
      signal.addEventListener('abort', done)
      set.add(done)
    })

  class UploadLock implements Lock {
    constructor(private readonly id: string) {}

    async lock(stopSignal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
      const { id } = this
      const deadline = Date.now() + acquireTimeoutMs
      let pollMs = POLL_MIN_MS
      for (;;) {
        if (stopSignal.aborted || closed || Date.now() >= deadline) {
          // The database cannot be asked: an outage (503), not a lock someone else holds.
          if (lastError)
            throw new Error('The upload lock could not be taken: the database does not answer.', { cause: lastError })
          throw ERRORS.ERR_LOCK_TIMEOUT
        }
        const local = held.get(id)
        const connection = kept.current
        if (local) {
          // A request on this instance holds it: ask it to let go, as @tus/server's memory locker does.
          await local.requestRelease()
        } else if (connection) {
          // Claimed here first, so that a second request on this instance waits for this one.
          const entry: Held = { requestRelease }
          held.set(id, entry)
          let taken = false
          try {
            taken = await tryLock(connection, id)
          } catch (err) {
            lastError = err as Error
          }
          if (taken && kept.current === connection) {
            entry.client = connection
            return
          }
          held.delete(id)
          if (taken) await unlockOn(connection, channel, id).catch(() => {})
          // Held on another instance: ask it to let go.
          else if (kept.current === connection)
            await connection.query('select pg_notify($1, $2)', [channel, `release ${id}`]).catch(() => {})
        }
        await pause(id, Math.min(pollMs, Math.max(0, deadline - Date.now())), stopSignal)
        pollMs = Math.min(pollMs * 2, POLL_MAX_MS)
      }
    }

    async unlock(): Promise<void> {
      const entry = held.get(this.id)
      if (!entry) throw new Error('Releasing an unlocked lock!')
      held.delete(this.id)
      wake(this.id)
      const connection = entry.client
      // A lock whose connection was lost is already free.
      if (connection && connection === kept.current) {
        await unlockOn(connection, channel, this.id).catch((err: unknown) => {
          logger.warn({ err, uploadId: this.id }, 'releasing an upload lock failed; it goes with its connection')
        })
      }
    }
  }

  return {
    newLock: (id: string) => new UploadLock(id),
    async close() {
      closed = true
      await kept.close()
    },
  }
}

async function tryLock(client: Client, id: string): Promise<boolean> {
  const { rows } = await client.query<{ taken: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as taken', [
    UPLOAD_LOCK_NAMESPACE,
    id,
  ])
  return rows[0]?.taken === true
}

/** Releases the lock and wakes requests waiting for it on other instances. */
async function unlockOn(client: Client, channel: string, id: string): Promise<void> {
  await client.query('select pg_advisory_unlock($1, hashtext($2)), pg_notify($3, $4)', [
    UPLOAD_LOCK_NAMESPACE,
    id,
    channel,
    `released ${id}`,
  ])
}
