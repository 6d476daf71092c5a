import { join } from 'node:path'
import pino, { type Logger } from 'pino'
import type { Config } from './config.js'
import { type DatabaseOptions, type Db, openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrate.js'
import { createMetrics, type Metrics } from './http/metrics.js'
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
    secrets = await loadSecrets(db.kysely, config.SECRET_KEY)
  } catch (err) {
    await db.close()
    throw err
  }
  return {
    config,
    db,
    logger,
    metrics: createMetrics(),
    document: loadApiDocument(),
    secrets,
    close: () => db.close(),
  }
}
