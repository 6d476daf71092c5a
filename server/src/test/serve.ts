import { Agent, request } from 'node:http'
import pino from 'pino'
import { onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { type AppContext, createContext } from '../context.js'
import type { DatabaseOptions } from '../db/database.js'
import { listen } from '../server.js'
import { testContextOverrides } from './app.js'
import { migratedDatabase } from './databases.js'

/**
 * A real server on 127.0.0.1 over a fresh database, stopped when the test ends; for tests that need real
 * connections, such as distinct client addresses.
 *
 * @example
 * const { url } = await serveTestApp({ RATE_LIMIT_DEFAULT: '2/60' })
 */
export async function serveTestApp(env: Record<string, string> = {}): Promise<{ url: string; ctx: AppContext }> {
  const { url, ctx } = await serveMigratedApp(env)
  return { url, ctx }
}

/**
 * The app as `tasklane serve` runs it (`listen`, on a free port of 127.0.0.1) over a fresh migrated
 * database, with what every test's app shares (`testContextOverrides`) and a silent logger; stopped and its
 * database dropped when the test ends. For tests whose clients reach it over real sockets.
 *
 * @example
 * const served = await serveMigratedApp({ SHUTDOWN_TIMEOUT_MS: '2000' })
 * const res = await fetch(`${served.url}/healthz`)
 */
export async function serveMigratedApp(
  env: Record<string, string> = {},
): Promise<{ url: string; ctx: AppContext; database: DatabaseOptions }> {
  const database = await migratedDatabase()
  const config = loadConfig({
    DATA_DIR: database.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  })
  let server: Awaited<ReturnType<typeof listen>>
  let ctx: AppContext
  try {
    ctx = await createContext(config, {
      ...testContextOverrides(),
      database: database.options,
      logger: pino({ level: 'silent' }),
    })
    server = await listen(ctx, createApp(ctx))
  } catch (err) {
    await database.drop()
    throw err
  }
  onTestFinished(async () => {
    await server.stop()
    await database.drop()
  })
  return { url: server.url, ctx, database: database.options }
}

export interface AddressedResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * A client whose connections come from `localAddress` (any 127.x.y.z), so that the server sees a distinct
 * client IP without trusting any header.
 *
 * @example
 * const eve = clientAt(url, '127.0.0.7')
 * const res = await eve.json('POST', '/v1/auth/login', { email, password })
 */
export function clientAt(url: string, localAddress: string) {
  const agent = new Agent({ keepAlive: true, localAddress })
  onTestFinished(() => agent.destroy())
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<AddressedResponse>((resolve, reject) => {
      const req = request(`${url}${path}`, { method, agent, headers }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  return {
    send,
    json: (method: string, path: string, value: unknown, headers: Record<string, string> = {}) =>
      send(method, path, JSON.stringify(value), { 'content-type': 'application/json', ...headers }),
  }
}
