import pino, { type Logger } from 'pino'
import { onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { type Config, loadConfig } from '../config.js'
import { type AppContext, type ContextOverrides, createContext } from '../context.js'
import type { DatabaseOptions } from '../db/database.js'
import type { PasswordHashCost } from '../features/auth/passwords.js'
import { migratedDatabase } from './databases.js'
import { assertMatchesSpec, eventStreamChecker, testApiDocument } from './spec.js'

/**
 * argon2id at its smallest (8 KiB, one pass): a test signs up and logs in many times, and at the production
 * cost (19 MiB, two passes) hashing was much of the suite's CPU. Tests about hashing itself (its cost, its
 * queue, timing equality) ask for the app's own default with `passwordHashCost: 'default'`.
 */
export const TEST_PASSWORD_HASH_COST: PasswordHashCost = { memoryCost: 8, timeCost: 1, parallelism: 1 }

/**
 * What every app a test builds shares: the parsed contract, and cheap password hashing (or, given
 * 'default', whatever the app hashes with when nobody says: production's cost).
 */
export function testContextOverrides(
  passwordHashCost: PasswordHashCost | 'default' = TEST_PASSWORD_HASH_COST,
): ContextOverrides {
  return { document: testApiDocument, ...(passwordHashCost === 'default' ? {} : { passwordHashCost }) }
}

export interface TestApp {
  ctx: AppContext
  app: ReturnType<typeof createApp>
  /** A fetch into the app, in process; every response is checked against openapi.yaml. */
  fetch: (input: Request | string | URL, init?: RequestInit) => Promise<Response>
  /** `fetch` on a path: `t.request('/healthz')`. */
  request: (path: string, init?: RequestInit) => Promise<Response>
  baseUrl: string
  /** The test's database, for opening a second instance on it (`createContext(t.ctx.config, { database })`). */
  database: DatabaseOptions
}

const BASE_URL = 'http://tasklane.test'

export interface TestAppOptions {
  /** Changes how the fresh database is reached (e.g. through a proxy the test controls). */
  database?: (fresh: DatabaseOptions) => DatabaseOptions
  /** Where the app logs; silent by default. */
  logger?: Logger
  /** argon2id's parameters; `TEST_PASSWORD_HASH_COST` unless given, the app's own with 'default'. */
  passwordHashCost?: PasswordHashCost | 'default'
  /** Resolves webhook host names (instead of DNS). */
  webhookLookup?: ContextOverrides['webhookLookup']
}

/**
 * Builds an app on a fresh database (SQLite or PostgreSQL, per the vitest project) that is closed and
 * dropped when the test ends.
 *
 * @example
 * const t = await createTestApp()
 * const res = await t.request('/healthz')
 */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await migratedDatabase()
  // Tests sign their users up with the one-step signUp (signUpUser), also where they configure SMTP_URL,
  // which would otherwise choose the verify-first flow; tests of that flow say SIGNUP_FLOW (or '' for the
  // default that follows SMTP_URL).
  const config: Config = loadConfig({
    DATA_DIR: database.dataDir,
    LOG_LEVEL: 'silent',
    SIGNUP_FLOW: 'immediate',
    ...env,
  })
  let ctx: AppContext
  try {
    ctx = await createContext(config, {
      ...testContextOverrides(options.passwordHashCost),
      database: options.database?.(database.options) ?? database.options,
      logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      webhookLookup: options.webhookLookup,
    })
  } catch (err) {
    // onTestFinished is not registered yet: drop here, or the schema outlives the failed test.
    await database.drop()
    throw err
  }
  onTestFinished(async () => {
    await ctx.close()
    await database.drop()
  })
  const app = createApp(ctx)
  const fetch = checkedFetch(app)
  return {
    ctx,
    app,
    fetch,
    request: (path, init) => fetch(`${BASE_URL}${path}`, init),
    baseUrl: BASE_URL,
    database: database.options,
  }
}

/**
 * A fetch into `app`, in process, that checks every response against openapi.yaml (and every event of an
 * event stream as it arrives). Relative URLs resolve against the test base URL.
 */
export function checkedFetch(app: Pick<ReturnType<typeof createApp>, 'fetch'>) {
  return async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input instanceof Request ? input : new URL(String(input), BASE_URL), init)
    const response = await app.fetch(request)
    await assertMatchesSpec(request.method, request.url, response)
    if (response.body && response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const { status, statusText, headers } = response
      const checked = response.body.pipeThrough(eventStreamChecker(request.method, request.url, response))
      return new Response(checked, { status, statusText, headers })
    }
    return response
  }
}
