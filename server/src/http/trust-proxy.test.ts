import { type IncomingMessage, request } from 'node:http'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext } from '../context.js'
import { listen } from '../server.js'
import { freshDatabase } from '../test/databases.js'

/** A real server on 127.0.0.1, each anonymous client allowed 2 requests a minute (counted per client IP). */
async function serve(trustProxy: string) {
  const database = await freshDatabase()
  onTestFinished(() => database.drop())
  const config = loadConfig({
    DATA_DIR: database.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_DEFAULT: '2/60',
    TRUST_PROXY: trustProxy,
  })
  const ctx = await createContext(config, { database: database.options, logger: pino({ level: 'silent' }) })
  const server = await listen(ctx, createApp(ctx))
  onTestFinished(() => server.stop())
  return server.url
}

/** An anonymous request from `from` (a 127.x.y.z source address); answers the RateLimit header. */
function hit(url: string, from: string, forwardedFor?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : undefined
    const req = request(`${url}/v1/me`, { localAddress: from, agent: false, headers }, (res: IncomingMessage) => {
      res.resume()
      res.on('end', () => resolve(String(res.headers.ratelimit)))
    })
    req.on('error', reject)
    req.end()
  })
}

/** How many requests each client had left after the last one: "r=1" after one, "r=0" after two. */
const remaining = (header: string) => Number(/;r=(\d+)/.exec(header)?.[1])

describe('TRUST_PROXY', () => {
  it('with one trusted hop takes the address the proxy appended, not what the client wrote before it', async () => {
    const url = await serve('1')
    // A client behind the proxy writes a new address in front of its real one on every request.
    expect(remaining(await hit(url, '127.0.0.2', '198.51.100.1, 203.0.113.7'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.2', '198.51.100.2, 203.0.113.7'))).toBe(0)
    // Someone else behind the same proxy counts apart.
    expect(remaining(await hit(url, '127.0.0.2', '198.51.100.2, 203.0.113.8'))).toBe(1)
  })

  it('with two trusted hops takes the address two from the right', async () => {
    const url = await serve('2')
    expect(remaining(await hit(url, '127.0.0.3', '198.51.100.1, 203.0.113.7, 10.0.0.1'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.3', '198.51.100.9, 203.0.113.7, 10.0.0.2'))).toBe(0)
  })

  it('with a list of proxies believes X-Forwarded-For only from them, and walks past each listed one', async () => {
    const url = await serve('127.0.0.2, 10.0.0.0/8')
    // From the proxy: the rightmost address that is not itself a listed proxy.
    expect(remaining(await hit(url, '127.0.0.2', '198.51.100.1, 203.0.113.7, 10.1.2.3'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.2', '198.51.100.2, 203.0.113.7'))).toBe(0)
    // Not from a listed proxy: the header is the client's own claim, and the socket's address counts.
    expect(remaining(await hit(url, '127.0.0.4', '203.0.113.7'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.4', '203.0.113.50'))).toBe(0)
  })

  it('trusts no header when off: each source address counts apart, whatever it claims', async () => {
    const url = await serve('false')
    expect(remaining(await hit(url, '127.0.0.5', '203.0.113.7'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.6', '203.0.113.7'))).toBe(1)
    expect(remaining(await hit(url, '127.0.0.5', '203.0.113.8'))).toBe(0)
  })
})
