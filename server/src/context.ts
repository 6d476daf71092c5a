import { join } from 'node:path'
import { Redis } from 'ioredis'
import pino, { type Logger } from 'pino'
import type { Config } from './config.js'
import { type DatabaseOptions, type Db, openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrate.js'
import { type AuthService, createAuthService } from './features/auth/auth.service.js'
import { RevocationCache } from './features/auth/revocations.js'
import { createAccessTokens, createSealer } from './features/auth/tokens.js'
import { type ChangeLog, createChangeLog } from './features/changes/change-log.js'
import { type ChangeSignal, createChangeSignal } from './features/events/change-signal.js'
import { createMetrics, type Metrics } from './http/metrics.js'
import { createRateLimiter, type RateLimiter } from './http/rate-limit.js'
import { type CursorCodec, createCursorCodec, createCursors } from './lib/cursor.js'
import { createMailer, type Mailer } from './mail/mailer.js'
import { type ApiDocument, loadApiDocument } from './openapi/document.js'
import { loadSecrets, type Secrets } from './secrets/secrets.js'

/**
 * Every dependency of the server, built once here and passed down; nothing else opens connections or
 * keeps module-level state, so a test can build as many independent apps as it likes.
 */
export interface AppContext {
  config: Config
  db: Db
  logger: Logger
  metrics: Metrics
  document: ApiDocument
  secrets: Secrets
  /** Accounts, sessions, API keys; also what the authentication middleware resolves credentials with. */
  auth: AuthService
  mailer: Mailer
  rateLimiter: RateLimiter
  /** The seam every write goes through, and the log of changes it appends (see change-log.ts). */
  changeLog: ChangeLog
  /** Wakes open event streams when changes may have been committed here or on another instance. */
  changeSignal: ChangeSignal
  /** Signed keyset cursors for list operations, one codec for every feature. */
  cursors: CursorCodec
  /**
   * Aborted when the server starts shutting down, before it waits for in-flight requests: long-lived
   * responses (event streams) listen to it to end themselves, so draining does not wait for them.
   */
  stopping: AbortSignal
  /** Aborts `stopping`; called by the server's stop() (and by close(), for apps that are never served). */
  beginShutdown(): void
  close(): Promise<void>
}

export interface ContextOverrides {
  /** Open this database instead of the one the config names (tests use a fresh one each). */
  database?: DatabaseOptions
  logger?: Logger
}

export function databaseOptions(config: Config): DatabaseOptions {
  return config.DATABASE_URL
    ? { dialect: 'postgres', url: config.DATABASE_URL }
    : { dialect: 'sqlite', file: join(config.DATA_DIR, 'tasklane.db') }
}

/** Opens the database, brings its schema up to date and builds everything the app needs. */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const logger = overrides.logger ?? pino({ level: config.LOG_LEVEL })
  const db = openDatabase(overrides.database ?? databaseOptions(config))
  let secrets: Secrets
  try {
    const applied = await migrateToLatest(db)
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    secrets = await loadSecrets(db, config.SECRET_KEY)
  } catch (err) {
    await db.close()
    throw err
  }
  const accessTokens = await createAccessTokens(secrets.key('jwt'), config.ACCESS_TOKEN_TTL_S)
  const revocations = new RevocationCache(db, logger, config.ACCESS_TOKEN_TTL_S * 1000, config.REVOCATION_POLL_MS)
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 })
    : undefined
  redis?.on('error', (err) => logger.warn({ err }, 'redis error'))
  try {
    await revocations.start()
  } catch (err) {
    redis?.disconnect()
    await db.close()
    throw err
  }
  const mailer = createMailer(config, logger)
  const cursors = createCursorCodec(secrets.key('cursor'))
  const rateLimiter = createRateLimiter({
    enabled: config.RATE_LIMITS_ENABLED,
    general: { name: 'default', ...config.RATE_LIMIT_DEFAULT },
    redis,
    trustProxy: config.TRUST_PROXY,
  })
  const changeLog = createChangeLog({ db, logger, retentionS: config.CHANGES_RETENTION_S })
  const auth = createAuthService({
    changeLog,
    config,
    db,
    logger,
    accessTokens,
    revocations,
    sealer: createSealer(secrets.key('refresh-grace')),
    mailer,
    cursors: createCursors(cursors),
  })
  const changeSignal = createChangeSignal({ db, changeLog, logger, pollMs: config.EVENTS_POLL_MS })
  const shutdown = new AbortController()
  return {
    config,
    db,
    logger,
    metrics: createMetrics(),
    document: loadApiDocument(),
    secrets,
    auth,
    mailer,
    rateLimiter,
    cursors,
    changeLog,
    changeSignal,
    stopping: shutdown.signal,
    beginShutdown: () => shutdown.abort(),
    async close() {
      shutdown.abort()
      revocations.stop()
      await changeSignal.close()
      await auth.idle()
      await mailer.close()
      await rateLimiter.close()
      if (redis) await redis.quit().catch(() => redis.disconnect())
      await db.close()
    },
  }
}
