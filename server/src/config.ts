import proxyaddr from 'proxy-addr'
import { z } from 'zod'
import { DATABASE_LIMIT_DEFAULTS } from './db/limits.js'

const port = z.coerce.number().int().min(0).max(65535)
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

/**
 * Which proxies in front of the server are trusted to say who the client is, as Express's `trust proxy`:
 * `false`/`0` none (the socket's peer is the client), a number of hops (`true` is 1: the one proxy in front),
 * or a comma-separated list of proxy addresses, CIDR ranges and proxy-addr's names (`loopback`,
 * `linklocal`, `uniquelocal`).
 */
export type TrustProxy = { hops: number } | { proxies: string[] }
const trustProxy = z.string().transform((value, ctx): TrustProxy => {
  const v = value.trim()
  if (v === 'false') return { hops: 0 }
  if (v === 'true') return { hops: 1 }
  if (/^\d{1,2}$/.test(v)) return { hops: Number(v) }
  const proxies = v
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  try {
    proxyaddr.compile(proxies)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be true, false, a number of hops, or a list of proxy addresses' })
    return z.NEVER
  }
  return { proxies }
})

const PROVIDER_ID = /^[a-z][a-z0-9-]{0,31}$/
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
/** A rate-limit policy written "<requests>/<window seconds>", e.g. "10/900". */
const rate = z
  .string()
  .regex(/^\d{1,7}\/\d{1,6}$/, 'must be "<requests>/<seconds>", e.g. "10/900"')
  .transform((s) => {
    const [limit, windowS] = s.split('/').map(Number) as [number, number]
    return { limit, windowS }
  })
  .refine((r) => r.limit >= 1 && r.windowS >= 1, 'requests and seconds must be at least 1')

const schema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  // PostgreSQL: opening a connection (or waiting for a free one) and running one statement are bounded, so
  // a database that stops answering turns into 503s within these times instead of requests that hang.
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(DATABASE_LIMIT_DEFAULTS.connectTimeoutMs),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(DATABASE_LIMIT_DEFAULTS.statementTimeoutMs),
  // SQLite: the page cache's bound (see openDatabase); memory is taken only as pages are read.
  SQLITE_CACHE_MB: z.coerce.number().int().min(1).max(65_536).default(DATABASE_LIMIT_DEFAULTS.sqliteCacheMb),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The longest a log line waits to be written with others (see lib/log-output.ts); 0 writes each at once.
  LOG_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  CORS_ORIGINS: list.default([]),
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(1024 * 1024),
  // Shared by every instance; when unset, the first instance generates one and keeps it in the database.
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),

  // Where links in emails point (the app or this server); defaults to http://localhost:PORT.
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  // smtp://user:pass@host:587 or smtps://…; when unset, mail is written as .eml files under DATA_DIR/mail.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).max(320).default('Tasklane <no-reply@localhost>'),
  // How people sign up with a password (see SignUpFlow); when unset, verify-first if SMTP_URL is set, else immediate.
  SIGNUP_FLOW: z.enum(['verify-first', 'immediate']).optional(),
  // When set, rate-limit counters live in Redis so every instance shares them.
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  // Connecting to Redis and each Redis command are bounded by this; past it, rate limits use in-process counters.
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  // Which proxies' X-Forwarded-For to believe about the client's address (see TrustProxy).
  TRUST_PROXY: trustProxy.default({ hops: 0 }),

  ACCESS_TOKEN_TTL_S: seconds(60, 86_400).default(900),
  // A session ends when it has not been refreshed for this long.
  SESSION_TTL_S: seconds(300, 365 * 86_400).default(30 * 86_400),
  REFRESH_GRACE_S: seconds(0, 60).default(10),
  // How often an instance reads revocations made by other instances.
  REVOCATION_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(500),
  // How long the change log keeps changes; a client further behind gets 410 cursor_expired and resyncs.
  CHANGES_RETENTION_S: seconds(60, 365 * 86_400).default(7 * 86_400),

  // Event stream (GET /v1/events): seconds between heartbeat comments, so proxies keep a quiet stream open.
  EVENTS_HEARTBEAT_S: seconds(1, 15).default(15),
  // Milliseconds an EventSource waits before reconnecting (sent as `retry:`).
  EVENTS_RETRY_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  // Bytes of events queued for one stream before its reader counts as too slow and is told to reconnect.
  EVENTS_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
  // Milliseconds a stream's queue may stay full before its reader counts as too slow.
  EVENTS_SLOW_CONSUMER_GRACE_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  // Open event streams one user (over all sessions and keys) and one API key may hold on an instance (429
  // beyond), and that an instance serves in all (503 beyond). Each stream is a socket: see README on file
  // descriptors.
  EVENTS_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
  EVENTS_MAX_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(10),
  EVENTS_MAX_STREAMS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  // On SQLite, how often an instance with open streams looks for changes written by other processes.
  EVENTS_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(250),

  // Rate limits as "<requests>/<seconds>". On by default; set RATE_LIMITS_ENABLED=false to turn all off.
  RATE_LIMITS_ENABLED: bool.default(true),
  RATE_LIMIT_DEFAULT: rate.prefault('600/60'),
  // Guessing one account's password is limited per account and client IP, so that a stranger elsewhere
  // cannot lock its owner out; the higher per-account ceiling bounds guessing spread over many addresses.
  RATE_LIMIT_LOGIN_ACCOUNT_IP: rate.prefault('10/900'),
  RATE_LIMIT_LOGIN_ACCOUNT: rate.prefault('100/900'),
  RATE_LIMIT_LOGIN_IP: rate.prefault('50/900'),
  RATE_LIMIT_SIGNUP_IP: rate.prefault('20/3600'),
  RATE_LIMIT_PASSWORD_RESET_IP: rate.prefault('10/900'),
  // Signed-in requests that check the current password (change password, delete account, change email)
  // or hash a new one (reset): per user against guessing with a stolen access token, per IP against floods.
  RATE_LIMIT_PASSWORD_USER: rate.prefault('10/900'),
  RATE_LIMIT_PASSWORD_IP: rate.prefault('30/900'),
  // Invitations send email to addresses the caller names, so they are limited per project, per inviting
  // user (who could otherwise create projects to get more) and per recipient.
  RATE_LIMIT_INVITATIONS_PROJECT: rate.prefault('50/3600'),
  RATE_LIMIT_INVITATIONS_USER: rate.prefault('100/3600'),
  RATE_LIMIT_INVITATIONS_RECIPIENT: rate.prefault('5/3600'),
  // Verification and email-change mails, per requesting user and per recipient address.
  RATE_LIMIT_EMAIL_USER: rate.prefault('5/3600'),
  RATE_LIMIT_EMAIL_RECIPIENT: rate.prefault('5/3600'),

  // Password hashing (argon2id, 19 MiB each) runs on libuv's thread pool, which the rest of the server
  // shares; at most this many run at once, this many more wait, and further ones are answered 503.
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(64),
  // When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(200).optional(),

  // A notification is emailed only if it is still unread this long after it arrived (and the recipient
  // wants email for its reason); the worker looks for due ones this often.
  NOTIFICATION_EMAIL_DELAY_S: seconds(0, 7 * 86_400).default(600),
  NOTIFICATION_EMAIL_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(15_000),

  // Attachments. Bytes live on local disk under DATA_DIR/files, or in an S3-compatible bucket.
  FILES_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).max(64).default('us-east-1'),
  // For stores other than AWS (MinIO, R2, …); usually with S3_FORCE_PATH_STYLE=true.
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  // When unset, the AWS SDK's default credential chain (environment, profile, instance role) is used.
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+\/$/, 'must be letters, digits, _ or - ending in /')
    .optional(),
  S3_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  // The largest file accepted, and the bytes each project's files may take together.
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 ** 3)
    .default(100 * 1024 ** 2),
  PROJECT_STORAGE_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 50)
    .default(1024 ** 3),
  // Media types (read from the bytes) accepted and refused; `image/*` names a family. Empty allow: any.
  ATTACHMENT_TYPES_ALLOW: list.default([]),
  ATTACHMENT_TYPES_DENY: list.default(['application/x-msdownload', 'application/x-elf', 'application/x-mach-binary']),
  // A resumable (tus) upload not finished this long after it was created is removed with its bytes and its
  // reservation against the quota, by the attachment sweep (ATTACHMENT_SWEEP_INTERVAL_MS).
  UPLOAD_EXPIRY_S: seconds(60, 30 * 86_400).default(86_400),
  // How long a tus request waits for an upload that another request holds (and does not let go of when
  // asked, as the request making its attachment does) before it answers 423 `upload_locked`.
  UPLOAD_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  // An upload whose client sends nothing for this long is answered 408 and its bytes removed.
  UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  // Lifetime of signed download links.
  ATTACHMENT_LINK_TTL_S: seconds(10, 86_400).default(300),
  // The orphan sweep: how often it runs, and how old stored bytes without a row must be before they go.
  ATTACHMENT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  ATTACHMENT_ORPHAN_GRACE_S: seconds(0, 7 * 86_400).default(3600),

  // The job queue (mail, webhook deliveries): jobs one instance runs at once, how often an idle worker looks
  // for due jobs, and how long a claimed job is held (renewed while it runs) before another may take it over.
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
  QUEUE_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  QUEUE_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  // Retries wait a random time up to BASE·2^(attempt−1), at most MAX (exponential backoff, full jitter).
  QUEUE_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(5000),
  QUEUE_RETRY_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(3_600_000),
  // How long a mail is retried while the mail server refuses or is down, before it is kept as failed.
  MAIL_RETRY_FOR_S: seconds(1, 30 * 86_400).default(3 * 86_400),

  // Webhooks: http:// URLs are refused unless allowed (development); targets that resolve to loopback,
  // private, link-local, multicast or metadata addresses are refused unless listed here (IPs, CIDR ranges or
  // host names, comma-separated).
  WEBHOOK_ALLOW_HTTP: bool.default(false),
  WEBHOOK_ALLOWED_TARGETS: list.default([]),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  // A delivery is retried for this long; an endpoint whose every attempt failed for DISABLE_AFTER is disabled.
  WEBHOOK_RETRY_FOR_S: seconds(1, 30 * 86_400).default(3 * 86_400),
  WEBHOOK_DISABLE_AFTER_S: seconds(1, 60 * 86_400).default(5 * 86_400),
  // Sign-in through outside identity providers: their ids (each configured by AUTH_PROVIDER_<ID>_*
  // variables, see providerSchema), the app URLs a finished sign-in may be sent back to, and how long a
  // provider may take to answer one request.
  AUTH_PROVIDERS: list
    .pipe(z.array(z.string().regex(PROVIDER_ID, 'ids are 1–32 of a-z, 0-9 and -, starting with a letter')))
    .default([]),
  // The server's own address as browsers reach it: providers send people back to
  // SERVER_URL/v1/auth/providers/<id>/callback. Defaults to PUBLIC_URL, else http://localhost:PORT.
  SERVER_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_REDIRECT_URLS: list.pipe(z.array(z.url({ protocol: /^https?$/ }))).default([]),
  AUTH_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  // Starting and finishing provider sign-ins, per client IP.
  RATE_LIMIT_PROVIDER_SIGNIN_IP: rate.prefault('30/900'),
})

const httpUrl = z.url({ protocol: /^https?$/ })
const scopes = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'must be scope tokens separated by spaces')
/**
 * One provider's settings, from `AUTH_PROVIDER_<ID>_<SETTING>` (the id upper-cased, `-` as `_`). `oidc`
 * providers are found by their issuer (discovery); `oauth2` ones by their endpoints; `github` is `oauth2`
 * with GitHub's endpoints filled in.
 */
const providerSchema = z
  .object({
    TYPE: z.enum(['oidc', 'oauth2', 'github']).default('oidc'),
    NAME: z.string().min(1).max(100).optional(),
    CLIENT_ID: z.string().min(1).max(500),
    CLIENT_SECRET: z.string().min(1).max(2000).optional(),
    ISSUER: httpUrl.optional(),
    AUTHORIZATION_URL: httpUrl.optional(),
    TOKEN_URL: httpUrl.optional(),
    USERINFO_URL: httpUrl.optional(),
    EMAILS_URL: httpUrl.optional(),
    SCOPES: scopes.optional(),
    ENABLED: bool.default(true),
  })
  .superRefine((p, ctx) => {
    if (p.TYPE === 'oidc' && !p.ISSUER) ctx.addIssue({ code: 'custom', path: ['ISSUER'], message: 'is required' })
    if (p.TYPE === 'oauth2')
      for (const key of ['AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL'] as const)
        if (!p[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required for an oauth2 provider' })
  })

export interface AuthProviderSettings {
  id: string
  type: 'oidc' | 'oauth2' | 'github'
  name: string
  clientId: string
  clientSecret?: string
  issuer?: string
  authorizationUrl?: string
  tokenUrl?: string
  userinfoUrl?: string
  emailsUrl?: string
  scopes: string
  enabled: boolean
}

const GITHUB = {
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  userinfoUrl: 'https://api.github.com/user',
  emailsUrl: 'https://api.github.com/user/emails',
}

const definedOnly = <T extends Record<string, string | undefined>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>

/**
 * How people sign up with a password. `verify-first`: `startSignUp` mails the address (a link for a new
 * one, a notice to the owner of an existing one) and `completeSignUp` makes the account; the deprecated
 * `signUp` answers 403 to everyone, so no answer tells which addresses have accounts. `immediate`: `signUp`
 * also makes the account at once, as in 1.0, and answers 409 for an address that has one (revealing it).
 */
export type SignUpFlow = 'verify-first' | 'immediate'

export type Config = Omit<z.output<typeof schema>, 'SIGNUP_FLOW'> & {
  /** SIGNUP_FLOW as set, or its default: verify-first when mail reaches people (SMTP_URL), else immediate. */
  SIGNUP_FLOW: SignUpFlow
  /** Whether SIGNUP_FLOW was left to its default (said at start, since the default follows SMTP_URL). */
  signUpFlowDefaulted: boolean
  /** Every provider named in AUTH_PROVIDERS, in that order; a disabled one signs nobody in. */
  authProviders: AuthProviderSettings[]
}

const checked = schema.superRefine((config, ctx) => {
  if (config.FILES_DRIVER === 's3' && !config.S3_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when FILES_DRIVER=s3' })
  }
})

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Parses the server's configuration from the environment. The only reader of `process.env`: everything
 * else receives a `Config`.
 *
 * @example
 * const config = loadConfig({ PORT: '8080' })
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = checked.safeParse(present)
  const issues = parsed.success
    ? []
    : parsed.error.issues.map(
        // A list's item is named by its variable (`AUTH_PROVIDERS`, not `AUTH_PROVIDERS.0`).
        (issue) => `  ${issue.path.filter((p) => typeof p === 'string').join('.')}: ${issue.message}`,
      )
  const authProviders: AuthProviderSettings[] = []
  for (const id of parsed.data?.AUTH_PROVIDERS ?? []) {
    const prefix = `AUTH_PROVIDER_${id.toUpperCase().replaceAll('-', '_')}_`
    const settings = Object.fromEntries(
      Object.entries(present)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value]),
    )
    const provider = providerSchema.safeParse(settings)
    if (!provider.success) {
      issues.push(...provider.error.issues.map((issue) => `  ${prefix}${issue.path.join('.')}: ${issue.message}`))
      continue
    }
    const p = provider.data
    const github = p.TYPE === 'github'
    authProviders.push({
      id,
      type: p.TYPE,
      name: p.NAME ?? (github ? 'GitHub' : id),
      clientId: p.CLIENT_ID,
      ...(p.CLIENT_SECRET ? { clientSecret: p.CLIENT_SECRET } : {}),
      ...(p.ISSUER ? { issuer: p.ISSUER } : {}),
      ...definedOnly({
        authorizationUrl: p.AUTHORIZATION_URL ?? (github ? GITHUB.authorizationUrl : undefined),
        tokenUrl: p.TOKEN_URL ?? (github ? GITHUB.tokenUrl : undefined),
        userinfoUrl: p.USERINFO_URL ?? (github ? GITHUB.userinfoUrl : undefined),
        emailsUrl: p.EMAILS_URL ?? (github ? GITHUB.emailsUrl : undefined),
      }),
      scopes: p.SCOPES ?? (github ? 'read:user user:email' : p.TYPE === 'oidc' ? 'openid email profile' : ''),
      enabled: p.ENABLED,
    })
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(`Invalid configuration:\n${issues.join('\n')}`)
  const { SIGNUP_FLOW, ...rest } = parsed.data
  return {
    ...rest,
    // Without SMTP_URL mail only lands in files under DATA_DIR: a link sent there reaches nobody who signs up.
    SIGNUP_FLOW: SIGNUP_FLOW ?? (rest.SMTP_URL ? 'verify-first' : 'immediate'),
    signUpFlowDefaulted: SIGNUP_FLOW === undefined,
    authProviders,
  }
}
