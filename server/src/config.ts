import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65535)
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

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
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  // When set, rate-limit counters live in Redis so every instance shares them.
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  // Connecting to Redis and each Redis command are bounded by this; past it, rate limits use in-process counters.
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  // Take the client IP from X-Forwarded-For (set only behind a proxy that overwrites it).
  TRUST_PROXY: bool.default(false),

  ACCESS_TOKEN_TTL_S: seconds(60, 86_400).default(900),
  // A session ends when it has not been refreshed for this long.
  SESSION_TTL_S: seconds(300, 365 * 86_400).default(30 * 86_400),
  REFRESH_GRACE_S: seconds(0, 60).default(10),
  // How often an instance reads revocations made by other instances.
  REVOCATION_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  // How long the change log keeps changes; a client further behind gets 410 cursor_expired and resyncs.
  CHANGES_RETENTION_S: seconds(60, 365 * 86_400).default(7 * 86_400),

  // Rate limits as "<requests>/<seconds>". On by default; set RATE_LIMITS_ENABLED=false to turn all off.
  RATE_LIMITS_ENABLED: bool.default(true),
  RATE_LIMIT_DEFAULT: rate.prefault('600/60'),
  RATE_LIMIT_LOGIN_ACCOUNT: rate.prefault('10/900'),
  RATE_LIMIT_LOGIN_IP: rate.prefault('50/900'),
  RATE_LIMIT_SIGNUP_IP: rate.prefault('20/3600'),
  RATE_LIMIT_PASSWORD_RESET_IP: rate.prefault('10/900'),
  // Invitations send email to addresses the caller names, so they are limited per project and per recipient.
  RATE_LIMIT_INVITATIONS_PROJECT: rate.prefault('50/3600'),
  RATE_LIMIT_INVITATIONS_RECIPIENT: rate.prefault('5/3600'),
})

export type Config = z.output<typeof schema>

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
  const parsed = schema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
