import { type IncomingMessage, request } from 'node:http'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createContext } from './context.js'
import { listen } from './server.js'
import { testContextOverrides } from './test/app.js'
import { migratedDatabase } from './test/databases.js'

/** A real server on a free port over a fresh database, with routes of the test's own added to its app. */
async function serveWith(routes: (app: ReturnType<typeof createApp>) => void, env: Record<string, string> = {}) {
  const database = await migratedDatabase()
  onTestFinished(() => database.drop())
  const config = loadConfig({ DATA_DIR: database.dataDir, PORT: '0', HOST: '127.0.0.1', ...env })
  const ctx = await createContext(config, {
    ...testContextOverrides(),
    database: database.options,
    logger: pino({ level: 'silent' }),
  })
  const app = createApp(ctx)
  routes(app)
  const server = await listen(ctx, app)
  onTestFinished(() => server.stop())
  return { ctx, server }
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, resolve)
    req.once('error', reject)
    req.end()
  })
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const settled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(r, 200, false))])

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections meanwhile, then closes the database', async () => {
    const entered = deferred()
    const release = deferred()
    const { ctx, server } = await serveWith((app) =>
      app.get('/test/slow', async (c) => {
        entered.resolve()
        await release.promise
        return c.json({ finished: true })
      }),
    )
    // An idle keep-alive connection (fetch keeps them) must not hold the shutdown open.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const pending = get(`${server.url}/test/slow`)
    await entered.promise

    const stopped = server.stop()
    expect(await settled(stopped)).toBe(false)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()

    release.resolve()
    const res = await pending
    expect(res.statusCode).toBe(200)
    expect(JSON.parse((await readAll(res)).toString())).toEqual({ finished: true })
    expect(await settled(stopped)).toBe(true)
    await expect(
      ctx.db.kysely
        .selectFrom('kysely_migration' as never)
        .selectAll()
        .execute(),
    ).rejects.toThrow()
  })

  it('delivers the whole of a large response to a slow reader', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 'a')
    const { server } = await serveWith((app) => app.get('/test/big', (c) => c.body(big, 200)))
    const res = await get(`${server.url}/test/big`)
    res.pause()
    const stopped = server.stop()
    await new Promise((r) => setTimeout(r, 100))
    expect((await readAll(res)).length).toBe(big.length)
    await stopped
  })

  it('gives up on requests still running after SHUTDOWN_TIMEOUT_MS', async () => {
    const entered = deferred()
    const never = deferred()
    onTestFinished(() => never.resolve())
    const { server } = await serveWith(
      (app) =>
        app.get('/test/stuck', async (c) => {
          entered.resolve()
          await never.promise
          return c.text('too late')
        }),
      { SHUTDOWN_TIMEOUT_MS: '300' },
    )
    const pending = get(`${server.url}/test/stuck`)
    pending.catch(() => {})
    await entered.promise
    const start = Date.now()
    await server.stop()
    expect(Date.now() - start).toBeGreaterThanOrEqual(250)
    expect(Date.now() - start).toBeLessThan(5000)
    await expect(pending).rejects.toThrow()
  })
})
