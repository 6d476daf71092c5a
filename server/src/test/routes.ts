import { Writable } from 'node:stream'
import { createRoute, z } from '@hono/zod-openapi'
import pino from 'pino'
import { onTestFinished } from 'vitest'
import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext } from '../context.js'
import { bodyGuard, bodySizeLimit } from '../http/body.js'
import { testContextOverrides } from './app.js'
import { migratedDatabase } from './databases.js'

// Test-only: no body-taking operation exists in the spec yet, so the body middleware is exercised through
// routes built here and mounted on a real app. Never imported by production code.

const itemRoute = createRoute({
  method: 'post',
  path: '/test/items',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({ title: z.string().min(1).max(10), done: z.boolean().optional() }),
        },
      },
    },
  },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: z.object({}) } } } },
})

/** One JSON log line pino wrote. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number }

/**
 * An app on a fresh database with a test route taking a JSON body (`POST /test/items`, guarded like a
 * generated route) and one that fails with an unexpected error (`GET /test/boom`), and the log lines it wrote.
 */
export async function appWithTestRoutes(env: Record<string, string> = {}) {
  const database = await migratedDatabase()
  const logs: LogLine[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(JSON.parse(String(chunk)))
      callback()
    },
  })
  const config = loadConfig({ DATA_DIR: database.dataDir, ...env })
  const ctx = await createContext(config, {
    ...testContextOverrides(),
    database: database.options,
    logger: pino({ level: 'info' }, sink),
  })
  onTestFinished(async () => {
    await ctx.close()
    await database.drop()
  })
  const app = createApp(ctx)
  app.on('POST', '/test/items', bodySizeLimit(config.BODY_LIMIT), bodyGuard(['application/json']))
  app.openapi(itemRoute, (c) => c.json({ ...c.req.valid('json') }, 201))
  app.get('/test/boom', () => {
    throw new Error('select * from secret_table where password = $1')
  })
  return { app, ctx, logs }
}
