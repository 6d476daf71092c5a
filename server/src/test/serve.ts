import { Agent, request } from 'node:http'
import pino from 'pino'
import { onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { type AppContext, createContext } from '../context.js'
import { listen } from '../server.js'
import { freshDatabase } from './databases.js'

/**
 * A real server on 127.0.0.1 over a fresh database, stopped when the test ends; for tests that need real
 * connections, such as distinct client addresses.
 *
 * @example
 * const { url } = await serveTestApp({ RATE_LIMIT_DEFAULT: '2/60' })
 */
export async function serveTestApp(env: Record<string, string> = {}): Promise<{ url: string; ctx: AppContext }> {
  const database = await freshDatabase()
  onTestFinished(() => database.drop())
  const config = loadConfig({ DATA_DIR: database.dataDir, PORT: '0', HOST: '127.0.0.1', ...env })
  const ctx = await createContext(config, { database: database.options, logger: pino({ level: 'silent' }) })
  const server = await listen(ctx, createApp(ctx))
  onTestFinished(() => server.stop())
  return { url: server.url, ctx }
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
