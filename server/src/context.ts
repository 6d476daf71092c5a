import type { LookupFunction } from 'node:net'
import { join } from 'node:path'
import { MemoryLocker } from '@tus/server'
import type { Redis } from 'ioredis'
import pino, { type Logger } from 'pino'
import { createProjectAccess } from './authorization/project-access.js'
import type { Config } from './config.js'
import { createChangeAnnouncer } from './db/change-announcer.js'
import { type DatabaseLimits, type DatabaseOptions, type Db, openDatabase, pingDatabase } from './db/database.js'
import { type InstancePresence, startInstancePresence } from './db/instance-presence.js'
import { migrateToLatest } from './db/migrate.js'
import { startUploadLocker, type UploadLocker } from './db/upload-locks.js'
import { createByteCleanup } from './features/attachments/attachments.reactions.js'
import { createAttachmentsService } from './features/attachments/attachments.service.js'
import { createFileStorage, createUploadStore } from './features/attachments/files.js'
import { type AttachmentJanitor, startAttachmentJanitor } from './features/attachments/janitor.js'
import type { FileStorage } from './features/attachments/storage/storage.js'
import { createUploadsService } from './features/attachments/uploads.service.js'
import { type AuthService, createAuthService } from './features/auth/auth.service.js'
import { createPasswordHasher, type PasswordHashCost } from './features/auth/passwords.js'
import { createIdentitiesService, type IdentitiesService } from './features/auth/providers/identities.service.js'
import { createProviderRegistry } from './features/auth/providers/providers.js'
import { createSessionIssuer } from './features/auth/providers/sessions.js'
import { RevocationCache } from './features/auth/revocations.js'
import { createAccessTokens, createSealer } from './features/auth/tokens.js'
import { type ChangeLog, createChangeLog } from './features/changes/change-log.js'
import { createChangesService } from './features/changes/changes.service.js'
import { createCommentsService } from './features/comments/comments.service.js'
import { type ChangeSignal, createChangeSignal } from './features/events/change-signal.js'
import { createEventsService } from './features/events/events.service.js'
import { createNotesService } from './features/notes/notes.service.js'
import { startNotificationEmailWorker } from './features/notifications/email-worker.js'
import { createNotificationsService } from './features/notifications/notifications.service.js'
import { createInvitationsService } from './features/projects/invitations.service.js'
import { createProjectsService } from './features/projects/projects.service.js'
import type { ServiceDeps } from './features/service-deps.js'
import type { Services } from './features/services.js'
import { createTasksService } from './features/tasks/tasks.service.js'
import { webhookDeliveryJob } from './features/webhooks/webhook-delivery.job.js'
import { createTargetAgents } from './features/webhooks/webhook-targets.js'
import { createWebhooksService } from './features/webhooks/webhooks.service.js'
import { createMetrics, type Metrics } from './http/metrics.js'
import { createRateLimiter, type RateLimiter } from './http/rate-limit.js'
import { type CursorCodec, createCursorCodec } from './lib/cursor.js'
import { DependencyError, describeUrl } from './lib/dependency-error.js'
import { bufferedLogOutput } from './lib/log-output.js'
import { createMailTransport, type Mailer, type MailMessage, mailJob } from './mail/mailer.js'
import { type ApiDocument, loadApiDocument } from './openapi/document.js'
import { createQueue, type JobKind, type Queue } from './queue/queue.js'
import { createReactions } from './reactions.js'
import { loadSecrets, type Secrets } from './secrets/secrets.js'
import { type Repositories, repositoriesOn } from './write/repositories.js'
import { createWriter, type Writer } from './write/writer.js'

/**
 * Every dependency of the server, built once here (the composition root), in dependency order, and
 * passed down; nothing is wired up afterwards, nothing else opens connections or keeps module-level
 * state, so a test can build as many independent apps as it likes. The HTTP app (app.ts) only binds
 * middleware and routes to what is built here.
 */
/** Every kind of outbound job the server runs, by name. */
export type ServerJobKinds = {
  mail: JobKind<MailMessage>
  /** One attempt at one webhook delivery (features/webhooks/webhook-delivery.job.ts). */
  webhook: JobKind<{ deliveryId: string }>
}

export interface AppContext {
  config: Config
  db: Db
  logger: Logger
  metrics: Metrics
  document: ApiDocument
  secrets: Secrets
  /** This instance, as other instances see whether it still runs (what its idempotency claims are tied to). */
  presence: InstancePresence
  /** The repositories on the root connection, for reads (writes go through `writer`). */
  repositories: Repositories
  /** The one write seam: `writer.write(async (tx) => …)` (see write/writer.ts and reactions.ts). */
  writer: Writer
  /** Accounts, sessions, API keys; also what the authentication middleware resolves credentials with. */
  auth: AuthService
  /** The feature services the routers call. */
  services: Services
  /** Sign-in through outside identity providers, and the identities linking them to accounts. */
  identities: IdentitiesService
  mailer: Mailer
  /** The durable queue all outbound work (mail, webhook deliveries) goes through. */
  queue: Queue<ServerJobKinds>
  rateLimiter: RateLimiter
  /** The log of changes the writes recorded, as readers see it (see change-log.ts). */
  changeLog: ChangeLog
  /** Wakes open event streams when changes may have been committed here or on another instance. */
  changeSignal: ChangeSignal
  /** Shared rate-limit counters, when `REDIS_URL` is set; what /readyz reports on besides the database. */
  redis?: Redis
  /** Signed keyset cursors for list operations, one codec for every feature. */
  cursors: CursorCodec
  /** Where attachment bytes live: local disk or an S3 bucket, per FILES_DRIVER. */
  files: FileStorage
  /** Deletes the bytes of deleted attachments and sweeps orphans (features/attachments/janitor.ts). */
  attachmentJanitor: AttachmentJanitor
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
  /** Resolves webhook host names instead of DNS (tests point names at addresses they choose). */
  webhookLookup?: LookupFunction
  /** The contract as served; read from openapi.yaml unless given (tests share one parse). */
  document?: ApiDocument
  /** argon2id's parameters for new password hashes; the production ones (`PASSWORD_HASH_COST`) unless given. */
  passwordHashCost?: PasswordHashCost
}

export function databaseOptions(config: Config): DatabaseOptions {
  return config.DATABASE_URL
    ? { dialect: 'postgres', url: config.DATABASE_URL }
    : { dialect: 'sqlite', file: join(config.DATA_DIR, 'tasklane.db') }
}

/** The time limits every connection to the configured database runs under (serve and migrate alike). */
export function databaseLimits(config: Config): DatabaseLimits {
  return {
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    sqliteCacheMb: config.SQLITE_CACHE_MB,
  }
}

/**
 * Checks that PostgreSQL answers within `timeoutMs`, else throws a DependencyError naming it: the first
 * thing start-up and `tasklane migrate` do, so an unreachable database is one clear line, not a hang.
 */
export async function assertDatabaseAnswers(db: Db, options: DatabaseOptions, timeoutMs: number): Promise<void> {
  if (options.dialect !== 'postgres') return
  await pingDatabase(db, timeoutMs).catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err)
    throw new DependencyError(
      `PostgreSQL at ${describeUrl(options.url)} did not answer within ${timeoutMs} ms (DATABASE_URL): ${reason}`,
    )
  })
}

/** The composition root: opens the database, brings its schema up to date and builds everything the app needs. */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  // Lines go out in batches (each at once was a write(2) per request); every one is
  // written by close(), at exit, and at once from level error up.
  const logOutput = overrides.logger ? undefined : bufferedLogOutput({ flushMs: config.LOG_FLUSH_MS })
  const logger = overrides.logger ?? pino({ level: config.LOG_LEVEL }, logOutput)
  const options = overrides.database ?? databaseOptions(config)
  const db = openDatabase(options, {
    ...databaseLimits(config),
    onConnectionError: (err) => logger.warn({ err }, 'database connection lost'),
  })
  let secrets: Secrets
  let presence: InstancePresence
  try {
    await assertDatabaseAnswers(db, options, config.DATABASE_CONNECT_TIMEOUT_MS)
    const applied = await migrateToLatest(db)
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    secrets = await loadSecrets(db, config.SECRET_KEY)
    presence = await startInstancePresence(options, logger, config.DATABASE_CONNECT_TIMEOUT_MS)
  } catch (err) {
    await db.close()
    logOutput?.end()
    throw err
  }
  // The tus upload lock: instances on one PostgreSQL database share it; on SQLite one process serves the
  // data directory, and @tus/server's memory locker is the whole lock.
  let uploadLocker: UploadLocker | undefined
  if (options.dialect === 'postgres') {
    try {
      uploadLocker = await startUploadLocker(options, logger, {
        connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
        acquireTimeoutMs: config.UPLOAD_LOCK_TIMEOUT_MS,
      })
    } catch (err) {
      await presence.close()
      await db.close()
      logOutput?.end()
      throw err
    }
  }
  const now = () => new Date()
  const accessTokens = await createAccessTokens(secrets.key('jwt'), config.ACCESS_TOKEN_TTL_S)
  // The write seam and what it sets off: repositories for reads, the signal that wakes event streams,
  // the ordered reactions to each change, and the writer that runs them inside each write.
  const repositories = repositoriesOn(db.kysely, db.dialect)
  const changeSignal = createChangeSignal({
    db,
    readableSeq: () => repositories.changes.readableSeq(),
    logger,
    pollMs: config.EVENTS_POLL_MS,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  })
  const files = await createFileStorage(config)
  const uploadStore = await createUploadStore(
    config,
    uploadLocker ?? new MemoryLocker({ acquireLockTimeout: config.UPLOAD_LOCK_TIMEOUT_MS }),
  )
  const attachmentBytes = createByteCleanup({ files, logger })
  const announcer = createChangeAnnouncer(db, logger)
  const reactions = createReactions({
    config,
    changeSignal,
    announcer,
    logger,
    now,
    attachmentBytes: {
      noteDeletion: attachmentBytes.noteDeletion,
      afterCommit: (writer) => attachmentBytes.afterCommit(writer, repositories),
    },
  })
  const metrics = createMetrics()
  const mailTransport = await createMailTransport(config, logger)
  const retry = { baseMs: config.QUEUE_RETRY_BASE_MS, maxMs: config.QUEUE_RETRY_MAX_MS }
  const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')
  const webhookAgents = createTargetAgents({
    allowHttp: config.WEBHOOK_ALLOW_HTTP,
    allowed: config.WEBHOOK_ALLOWED_TARGETS,
    lookup: overrides.webhookLookup,
  })
  // The durable job queue all outbound work goes through; before the writer, which enqueues on it.
  const queue: Queue<ServerJobKinds> = createQueue<ServerJobKinds>({
    db,
    logger,
    registry: metrics.registry,
    concurrency: config.QUEUE_CONCURRENCY,
    pollMs: config.QUEUE_POLL_MS,
    leaseMs: config.QUEUE_LEASE_MS,
    kinds: {
      mail: mailJob(mailTransport, logger, { ...retry, forMs: config.MAIL_RETRY_FOR_S * 1000 }),
      webhook: webhookDeliveryJob({
        db,
        agents: webhookAgents,
        logger,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        retry: { ...retry, forMs: config.WEBHOOK_RETRY_FOR_S * 1000 },
        disableAfterMs: config.WEBHOOK_DISABLE_AFTER_S * 1000,
        writer: () => writer,
        publicUrl,
      }),
    },
  })
  const writer = createWriter({ db, reactions, queue, logger, now })
  const changeLog = createChangeLog({ repositories, writer, retentionS: config.CHANGES_RETENTION_S, now })
  const revocations = new RevocationCache(
    repositories,
    writer,
    logger,
    config.ACCESS_TOKEN_TTL_S * 1000,
    config.REVOCATION_POLL_MS,
    // An ended session is kept as long as a live one lasts without a refresh.
    config.SESSION_TTL_S * 1000,
  )
  const cursors = createCursorCodec(secrets.key('cursor'))
  const identities = createIdentitiesService({
    config,
    repositories,
    writer,
    logger,
    providers: createProviderRegistry(config.authProviders, config.AUTH_PROVIDER_TIMEOUT_MS, logger),
    sessions: await createSessionIssuer(config, secrets),
    revocations,
    cursors,
  })
  let redis: Redis | undefined
  try {
    if (config.REDIS_URL) redis = await connectRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger)
    // Before the revocation cache loads, so that it knows these sessions ended.
    await identities.endSessionsOfDisabledProviders()
    await revocations.start()
  } catch (err) {
    redis?.disconnect()
    await uploadLocker?.close()
    await presence.close()
    await db.close()
    logOutput?.end()
    throw err
  }
  const mailer = queuedMailer(db, queue, logger)
  const rateLimiter = createRateLimiter({
    enabled: config.RATE_LIMITS_ENABLED,
    general: { name: 'default', ...config.RATE_LIMIT_DEFAULT },
    redis,
    trustProxy: config.TRUST_PROXY,
    logger,
  })
  const shutdown = new AbortController()

  // The feature services, in dependency order. Features reach each other only through these (tasks ask
  // projects who may do what), never through each other's repositories.
  const access = createProjectAccess(repositories.memberships)
  const deps: ServiceDeps = { config, repositories, writer, cursors, access, mailer, now }
  const projects = createProjectsService(deps)
  const tasks = createTasksService(deps, projects)
  const comments = createCommentsService(deps, tasks)
  const auth = createAuthService({
    config,
    repositories,
    writer,
    logger,
    accessTokens,
    revocations,
    sealer: createSealer(secrets.key('refresh-grace')),
    mailer,
    cursors,
    hasher: createPasswordHasher({
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      maxQueue: config.PASSWORD_HASH_QUEUE,
      registry: metrics.registry,
      cost: overrides.passwordHashCost,
    }),
    // Projects first: they may refuse the deletion, and the comments in projects deleted with the
    // account are covered by `project.deleted`.
    accountDeletionGuard: async (tx, userId) => {
      await projects.beforeAccountDeletion(tx, userId)
      await comments.beforeAccountDeletion(tx, userId)
    },
  })
  const attachments = createAttachmentsService(deps, {
    files,
    linkKey: secrets.key('attachment-links'),
    logger,
  })
  const services: Services = {
    projects,
    invitations: createInvitationsService(deps, projects),
    tasks,
    notes: createNotesService(deps),
    comments,
    notifications: createNotificationsService(deps),
    changes: createChangesService(deps, changeLog),
    attachments,
    uploads: createUploadsService(deps, attachments, { store: uploadStore, logger }),
    webhooks: createWebhooksService(deps, changeLog),
    events: createEventsService(
      deps,
      {
        changeLog,
        changeSignal,
        stopping: shutdown.signal,
        logger,
        isRevoked: auth.isRevoked,
      },
      projects,
    ),
  }
  const notificationEmails = startNotificationEmailWorker({
    writer,
    logger,
    intervalMs: config.NOTIFICATION_EMAIL_INTERVAL_MS,
    publicUrl,
  })
  const attachmentJanitor = startAttachmentJanitor({
    repositories,
    writer,
    files,
    cleanup: attachmentBytes,
    uploads: services.uploads,
    logger,
    intervalMs: config.ATTACHMENT_SWEEP_INTERVAL_MS,
    graceS: config.ATTACHMENT_ORPHAN_GRACE_S,
    now,
  })
  queue.start()
  return {
    config,
    db,
    logger,
    metrics,
    document: overrides.document ?? loadApiDocument(),
    secrets,
    presence,
    repositories,
    writer,
    auth,
    services,
    identities,
    mailer,
    queue,
    rateLimiter,
    redis,
    cursors,
    changeLog,
    changeSignal,
    files,
    attachmentJanitor,
    stopping: shutdown.signal,
    beginShutdown: () => shutdown.abort(),
    async close() {
      shutdown.abort()
      revocations.stop()
      await attachmentJanitor.stop()
      await notificationEmails.stop()
      await changeSignal.close()
      await announcer.idle()
      await auth.idle()
      await mailer.idle()
      await queue.stop(config.SHUTDOWN_TIMEOUT_MS)
      await mailTransport.close()
      webhookAgents.destroy()
      await rateLimiter.close()
      if (redis) await redis.quit().catch(() => redis.disconnect())
      await uploadLocker?.close()
      await presence.close()
      await db.close()
      logOutput?.end()
    },
  }
}

/** Mail handed to the queue in a transaction of its own, for senders that are not inside a write. */
function queuedMailer(db: Db, queue: Queue<ServerJobKinds>, logger: Logger): Mailer {
  const pending = new Set<Promise<void>>()
  return {
    send(message) {
      const p = db.kysely
        .transaction()
        .execute((trx) => queue.enqueue(trx, { kind: 'mail', payload: message }))
        .then(() => queue.wake())
        .catch((err) => logger.error({ err, to: message.to, subject: message.subject }, 'queueing mail failed'))
        .finally(() => pending.delete(p))
      pending.add(p)
    },
    async idle() {
      await Promise.all([...pending])
    },
  }
}

/**
 * Connects to Redis, failing with one clear line when it does not answer in time. Once connected, a lost
 * connection is retried in the background; commands meanwhile fail at once (no offline queue) or after
 * `timeoutMs`, and the rate limiter falls back to in-process counters.
 */
async function connectRedis(url: string, timeoutMs: number, logger: Logger): Promise<Redis> {
  // Loaded only when configured: most servers run without Redis, and ioredis is slow to import.
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  // One line when the connection goes and one when it is back, not one per reconnection attempt.
  let connected = false
  let lastError: Error | undefined
  redis.on('error', (err) => {
    lastError = err
  })
  redis.on('close', () => {
    if (connected) {
      logger.warn({ err: lastError }, 'redis connection lost; rate limits use in-process counters until it is back')
    }
    connected = false
  })
  redis.on('ready', () => {
    if (!connected) logger.info('redis connected')
    connected = true
    lastError = undefined
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs)
  })
  try {
    await Promise.race([redis.connect(), timeout])
  } catch (err) {
    redis.disconnect()
    const reason = err instanceof Error ? err.message : String(err)
    throw new DependencyError(
      `Redis at ${describeUrl(url)} did not answer within ${timeoutMs} ms (REDIS_URL): ${reason}`,
    )
  } finally {
    clearTimeout(timer)
  }
  return redis
}
