import { request } from 'node:http'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../../app.js'
import { loadConfig } from '../../config.js'
import { createContext } from '../../context.js'
import { listen } from '../../server.js'
import { testContextOverrides } from '../../test/app.js'
import { migratedDatabase } from '../../test/databases.js'

/** The app served on a real port, as clients reach it. */
async function served(env: Record<string, string> = {}) {
  const database = await migratedDatabase()
  onTestFinished(() => database.drop())
  const config = loadConfig({
    DATA_DIR: database.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMITS_ENABLED: 'false',
    ...env,
  })
  const ctx = await createContext(config, {
    ...testContextOverrides(),
    database: database.options,
    logger: pino({ level: 'silent' }),
  })
  const server = await listen(ctx, createApp(ctx))
  onTestFinished(() => server.stop())
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${server.url.replace('localhost', '127.0.0.1')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${await res.text()}`)
    return res.json()
  }
  const { accessToken } = await post('/v1/auth/signup', {
    email: `streamer-${Math.random().toString(36).slice(2)}@example.com`,
    password: 'a long enough test passphrase',
    name: 'Streamer',
  })
  const { port } = new URL(server.url)
  return { port: Number(port), accessToken: accessToken as string }
}

describe('event stream over HTTP', () => {
  it('sends its first byte within 100 ms', async () => {
    const { port, accessToken } = await served()
    const timings: number[] = []
    for (let i = 0; i < 5; i++) {
      timings.push(
        await new Promise<number>((resolve, reject) => {
          const started = performance.now()
          const req = request(
            { host: '127.0.0.1', port, path: '/v1/events', headers: { Authorization: `Bearer ${accessToken}` } },
            (res) => {
              res.once('data', () => {
                resolve(performance.now() - started)
                req.destroy()
              })
            },
          )
          req.once('error', reject)
          req.end()
        }),
      )
    }
    timings.sort((a, b) => a - b)
    console.info(`[events] first byte: ${timings.map((ms) => ms.toFixed(1)).join(', ')} ms`)
    // The median, so one pause of a busy machine does not decide it.
    expect(timings[2]).toBeLessThan(100)
  })
})
