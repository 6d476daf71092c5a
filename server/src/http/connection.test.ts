import { Agent, type IncomingMessage, request } from 'node:http'
import { connect } from 'node:net'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext } from '../context.js'
import { listen } from '../server.js'
import { testContextOverrides } from '../test/app.js'
import { migratedDatabase } from '../test/databases.js'
import { assertProblem } from '../test/spec.js'

/** A real server on a free port over a fresh database. */
async function serve(env: Record<string, string> = {}) {
  const database = await migratedDatabase()
  onTestFinished(() => database.drop())
  const config = loadConfig({ DATA_DIR: database.dataDir, PORT: '0', HOST: '127.0.0.1', ...env })
  const ctx = await createContext(config, {
    ...testContextOverrides(),
    database: database.options,
    logger: pino({ level: 'silent' }),
  })
  const server = await listen(ctx, createApp(ctx))
  onTestFinished(() => server.stop())
  return server
}

function send(
  url: string,
  agent: Agent,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => resolve({ res, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('connections after a refused request', () => {
  it('closes the connection after a 413 and says so, so a keep-alive client’s next request succeeds', async () => {
    const server = await serve({ RATE_LIMITS_ENABLED: 'false' })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    onTestFinished(() => agent.destroy())
    const body = JSON.stringify({ email: 'ada@example.com', password: 'x'.repeat(200_000) })
    let failures = 0
    for (let i = 0; i < 10; i++) {
      const refused = await send(`${server.url}/v1/auth/login`, agent, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      })
      expect(refused.res.statusCode).toBe(413)
      expect(refused.res.headers.connection).toBe('close')
      assertProblem(JSON.parse(refused.text))
      try {
        const next = await send(`${server.url}/healthz`, agent)
        expect(next.res.statusCode).toBe(200)
      } catch {
        failures++
      }
    }
    expect(failures).toBe(0)
  })

  it('answers a URL over 16 KiB with the documented 431 problem and a request id', async () => {
    const server = await serve()
    const { port } = new URL(server.url)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /v1/projects?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
      })
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk) => {
        text += chunk
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    const [head = '', body = ''] = raw.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 431 /)
    expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i)
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i)
    const requestId = /\r\nX-Request-Id: (\S+)/i.exec(head)?.[1]
    const problem = JSON.parse(body)
    assertProblem(problem)
    expect(problem).toMatchObject({ status: 431, code: 'request_header_fields_too_large', requestId })
  })
})
