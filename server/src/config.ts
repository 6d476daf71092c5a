import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65535)
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

const schema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
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
