import { Agent, type IncomingMessage, request } from 'node:http'
import { connect } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { serveMigratedApp } from '../test/serve.js'
import { assertProblem } from '../test/spec.js'

/** The answer's body as text, once it has all arrived. */
function readAnswer(res: IncomingMessage): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    let text = ''
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      text += chunk
    })
    res.on('end', () => resolve({ res, text }))
    res.on('error', reject)
  })
}

function send(
  url: string,
  agent: Agent,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: options.method ?? 'GET', headers: options.headers }, (res) =>
      readAnswer(res).then(resolve, reject),
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('connections after a refused request', () => {
  it('closes the connection after a 413 and says so, so a keep-alive client’s next request succeeds', async () => {
    const server = await serveMigratedApp({ RATE_LIMITS_ENABLED: 'false' })
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
    const server = await serveMigratedApp()
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

/** Sends `pieces` as one request body, a piece per write with a turn of the event loop between them. */
function sendInPieces(
  url: string,
  headers: Record<string, string>,
  pieces: Buffer[],
): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => readAnswer(res).then(resolve, reject))
    req.on('error', reject)
    void (async () => {
      for (const piece of pieces) {
        req.write(piece)
        await new Promise((wake) => setTimeout(wake, 5))
      }
      req.end()
    })()
  })
}

describe('JSON bodies over a real connection', () => {
  async function signedUpWithProject() {
    const server = await serveMigratedApp({ RATE_LIMITS_ENABLED: 'false' })
    const agent = new Agent({ keepAlive: false })
    onTestFinished(() => agent.destroy())
    const json = (path: string, body: unknown, token?: string) =>
      send(`${server.url}${path}`, agent, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
    const signedUp = await json('/v1/auth/signup', {
      email: 'ada@example.com',
      password: 'a long enough passphrase',
      name: 'Ada',
    })
    expect(signedUp.res.statusCode).toBe(201)
    const token = JSON.parse(signedUp.text).accessToken as string
    const project = await json('/v1/projects', { name: 'Pieces' }, token)
    expect(project.res.statusCode).toBe(201)
    const projectId = JSON.parse(project.text).id as string
    const tasks = async () => {
      const listed = await send(`${server.url}/v1/projects/${projectId}/tasks`, agent, {
        headers: { authorization: `Bearer ${token}` },
      })
      return JSON.parse(listed.text).data as { title: string }[]
    }
    return { url: `${server.url}/v1/projects/${projectId}/tasks`, auth: { authorization: `Bearer ${token}` }, tasks }
  }

  it('reads a body sent in pieces without a length, a character split between two of them and a leading BOM', async () => {
    const { url, auth, tasks } = await signedUpWithProject()
    const title = 'Grüße ✓ 𝄞 done'
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ title }))])
    // Inside the four bytes of 𝄞.
    const split = bytes.indexOf(Buffer.from('𝄞')) + 2
    const created = await sendInPieces(url, { ...auth, 'content-type': 'application/json; charset=utf-8' }, [
      bytes.subarray(0, 7),
      bytes.subarray(7, split),
      bytes.subarray(split),
    ])
    expect(created.res.statusCode).toBe(201)
    expect(JSON.parse(created.text).title).toBe(title)
    expect((await tasks()).map((t) => t.title)).toEqual([title])
  })

  it('refuses a body without a length once it passes the limit: 413, Connection: close, nothing created', async () => {
    const { url, auth, tasks } = await signedUpWithProject()
    const piece = Buffer.from(`${'"padding": "'.padEnd(16 * 1024, 'x')}", `)
    const pieces = [Buffer.from('{'), ...Array.from({ length: 200 }, () => piece), Buffer.from('"title": "x"}')]
    const refused = await sendInPieces(url, { ...auth, 'content-type': 'application/json' }, pieces).catch(
      (error: NodeJS.ErrnoException) => ({ error }),
    )
    // The server stops reading at the limit; the client may see the answer or, still sending, a reset.
    if ('res' in refused) {
      expect(refused.res.statusCode).toBe(413)
      expect(refused.res.headers.connection).toBe('close')
      const problem = JSON.parse(refused.text)
      assertProblem(problem)
      expect(problem.code).toBe('content_too_large')
    } else {
      expect(refused.error.code).toMatch(/^(ECONNRESET|EPIPE)$/)
    }
    expect(await tasks()).toEqual([])
  })

  it('carries on after a client that goes away in the middle of a body, and creates nothing for it', async () => {
    const { url, auth, tasks } = await signedUpWithProject()
    const { hostname, port, pathname } = new URL(url)
    const body = JSON.stringify({ title: 'never finished' })
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST ${pathname} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth.authorization}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
          () => setTimeout(() => socket.destroy(), 50),
        )
      })
      socket.on('close', () => resolve())
      socket.on('error', reject)
    })
    expect(await tasks()).toEqual([])
    const title = 'after the one that went away'
    const created = await sendInPieces(url, { ...auth, 'content-type': 'application/json' }, [
      Buffer.from(JSON.stringify({ title })),
    ])
    expect(created.res.statusCode).toBe(201)
    expect((await tasks()).map((t) => t.title)).toEqual([title])
  })
})
