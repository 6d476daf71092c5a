import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { sleep, startCli, tempDataDir } from './support/cli.js'

// `tasklane serve` writes its log lines to stdout in batches (server/src/lib/log-output.ts). These tests run
// the real process and read its stdout: no line may be lost when it stops, crashes or goes quiet. Most run
// with LOG_FLUSH_MS=60000, so that a line seen before a minute has passed was written for the reason the
// test gives, not because its wait was over.
const PRELOAD_CRASH = fileURLToPath(new URL('./support/crash-on-signal.mjs', import.meta.url))

interface LogLine {
  level: number
  msg: string
  requestId?: string
  status?: number
  method?: string
  path?: string
  origin?: string
  err?: { message: string; stack: string }
}

/** The JSON lines of `stdout`, in order (the CLI's own lines, such as "Tasklane is running at", left out). */
const logLines = (stdout: string): LogLine[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)

/** Signs a user up and returns their access token. */
async function signUp(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'logs@example.com', password: 'a long enough test passphrase', name: 'Logs' }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { accessToken: string }).accessToken
}

/** Sends a request with a request id of the test's choosing, whose log line the test then looks for. */
async function get(url: string, path: string, requestId: string) {
  const res = await fetch(`${url}${path}`, { headers: { 'X-Request-Id': requestId } })
  await res.arrayBuffer()
  return res.status
}

/** POSTs `body` on a new connection and resolves to the answer's status. */
function send(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Waits until a request line with `requestId` is on stdout, and returns every line written so far. */
async function untilLogged(output: () => { stdout: string }, requestId: string): Promise<LogLine[]> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const lines = logLines(output().stdout)
    if (lines.some((l) => l.requestId === requestId && l.msg === 'request')) return lines
    if (Date.now() > deadline) throw new Error(`no request line for ${requestId}:\n${output().stdout}`)
    await sleep(20)
  }
}

describe('request log lines of tasklane serve', () => {
  it('wait to be written in batches, and are all written when the server stops on SIGTERM', async () => {
    const server = await startCli({ DATA_DIR: tempDataDir(), LOG_FLUSH_MS: '60000' })
    const accessToken = await signUp(server.url)
    const ids = ['req_stop_1', 'req_stop_2', 'req_stop_3']
    for (const id of ids) expect(await get(server.url, '/healthz', id)).toBe(200)
    // Answered, and their lines still wait.
    for (const id of ids) expect(server.output().stdout).not.toContain(id)

    // A request in flight when the signal comes: its body is sent half before it and half after, so it is
    // answered, and its line logged, while the server stops.
    const body = JSON.stringify({ name: 'In flight' })
    const inFlight = request(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        authorization: `Bearer ${accessToken}`,
        'x-request-id': 'req_in_flight',
      },
    })
    const answered = new Promise<number>((resolve, reject) => {
      inFlight.on('response', (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      inFlight.on('error', reject)
    })
    inFlight.write(body.slice(0, 5))
    await sleep(300)
    server.child.kill('SIGTERM')
    while (!server.output().stdout.includes('SIGTERM received')) await sleep(20)
    inFlight.end(body.slice(5))
    expect(await answered).toBe(201)

    const { code, stdout, stderr } = await server.exited
    expect(code, stderr).toBe(0)
    const lines = logLines(stdout)
    for (const id of ids) {
      expect(lines.filter((l) => l.requestId === id)).toEqual([
        expect.objectContaining({ level: 30, msg: 'request', method: 'GET', path: '/healthz', status: 200 }),
      ])
    }
    expect(lines.filter((l) => l.requestId === 'req_in_flight' && l.msg === 'request')).toEqual([
      expect.objectContaining({ level: 30, method: 'POST', path: '/v1/projects', status: 201 }),
    ])
    // In the order they were logged: the ones answered before the signal ahead of what the CLI printed on
    // it, the one answered while stopping after.
    const at = [...ids, 'req_in_flight'].map((id) => stdout.indexOf(`"requestId":"${id}"`))
    expect(at).toEqual([...at].sort((a, b) => a - b))
    const signalled = stdout.indexOf('SIGTERM received')
    expect(at.at(-2)).toBeLessThan(signalled)
    expect(at.at(-1)).toBeGreaterThan(signalled)
  })

  it('are written within LOG_FLUSH_MS (100 ms by default) once requests stop, while the server runs on', async () => {
    const server = await startCli({ DATA_DIR: tempDataDir() })
    expect(await get(server.url, '/healthz', 'req_quiet')).toBe(200)
    const lines = await untilLogged(server.output, 'req_quiet')
    expect(lines.find((l) => l.requestId === 'req_quiet')).toMatchObject({ level: 30, status: 200 })
    expect(server.child.exitCode).toBeNull()
  })

  it('are written at once from level error up, after every line waiting before them', async () => {
    const dataDir = tempDataDir()
    const server = await startCli({ DATA_DIR: dataDir, LOG_FLUSH_MS: '60000' })
    const accessToken = await signUp(server.url)
    expect(await get(server.url, '/healthz', 'req_before')).toBe(200)

    // Another process holds SQLite's write lock past the server's busy timeout (5 s): the write answers 503,
    // and its request line is logged at level error.
    const holder = new SqliteDatabase(join(dataDir, 'tasklane.db'))
    holder.exec('begin exclusive')
    let status: number
    try {
      // On a connection of its own: the server's event loop waits on the lock meanwhile, and a pooled
      // keep-alive connection could be closed under the request.
      status = await send(
        `${server.url}/v1/projects`,
        {
          'content-type': 'application/json',
          authorization: `Bearer ${accessToken}`,
          'x-request-id': 'req_busy',
        },
        JSON.stringify({ name: 'Locked out' }),
      )
    } finally {
      holder.exec('rollback')
      holder.close()
    }
    expect(status).toBe(503)

    const lines = await untilLogged(server.output, 'req_busy')
    const busy = lines.findIndex((l) => l.requestId === 'req_busy' && l.msg === 'request')
    expect(lines[busy]).toMatchObject({ level: 50, status: 503, method: 'POST', path: '/v1/projects' })
    // Written with it: the line of the request before it, which had been waiting.
    const before = lines.findIndex((l) => l.requestId === 'req_before')
    expect(before).toBeGreaterThanOrEqual(0)
    expect(before).toBeLessThan(busy)
  })

  it.each([
    ['a thrown error', 'exception', 'uncaughtException', 'injected crash'],
    ['a rejected promise nobody waits on', 'rejection', 'unhandledRejection', 'injected rejection'],
  ])(
    'are all written when the process dies of %s, followed by the fatal error',
    async (_, crashWith, origin, message) => {
      const server = await startCli({
        DATA_DIR: tempDataDir(),
        LOG_FLUSH_MS: '60000',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD_CRASH}`.trim(),
        CRASH_WITH: crashWith,
      })
      const ids = ['req_crash_1', 'req_crash_2']
      for (const id of ids) expect(await get(server.url, '/healthz', id)).toBe(200)
      for (const id of ids) expect(server.output().stdout).not.toContain(id)

      server.child.kill('SIGUSR2')
      const { code, stdout, stderr } = await server.exited
      expect(code).toBe(1)
      const lines = logLines(stdout)
      const requests = ids.map((id) => lines.findIndex((l) => l.requestId === id && l.msg === 'request'))
      for (const at of requests) expect(at).toBeGreaterThanOrEqual(0)
      const fatal = lines.findIndex((l) => l.level === 60)
      expect(lines[fatal]).toMatchObject({ msg: 'uncaught exception: exiting', origin, err: { message } })
      expect(Math.max(...requests)).toBeLessThan(fatal)
      // And on stderr, as Node prints an uncaught exception.
      expect(stderr).toContain(message)
    },
  )
})
