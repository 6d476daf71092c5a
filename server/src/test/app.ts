import pino, { type Logger } from 'pino'
import { onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { type Config, loadConfig } from '../config.js'
import { type AppContext, type ContextOverrides, createContext } from '../context.js'
import type { DatabaseOptions } from '../db/database.js'
import { freshDatabase } from './databases.js'
import { assertMatchesSpec, eventStreamChecker } from './spec.js'

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
  const database = await freshDatabase()
  const config: Config = loadConfig({ DATA_DIR: database.dataDir, LOG_LEVEL: 'silent', ...env })
  let ctx: AppContext
  try {
    ctx = await createContext(config, {
      database: options.database?.(database.options) ?? database.options,
      logger: options.logger ?? pino({ level: 'silent' }),
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
