// Tasklane for `npm run bench:streams` (streams.mjs): the server build under BENCH_ROOT (this checkout unless
// given, so that an older checkout can be measured the same way), on a fresh SQLite data directory (or, with
// BENCH_DATABASE_URL, a fresh PostgreSQL schema), listening on 127.0.0.1 only. Seeds users and projects
// through the API, then answers `cpu` with process.cpuUsage() and `stop` over its IPC channel.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { freshSchema } from './pg-schema.mjs'

const root = resolve(process.env.BENCH_ROOT ?? join(import.meta.dirname, '..'))
const load = (path: string) => import(pathToFileURL(join(root, 'server/src', path)).href)
const { createApp } = await load('app.js')
const { loadConfig } = await load('config.js')
const { createContext } = await load('context.js')

const USERS = Number(process.env.BENCH_USERS ?? 500)
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 5)

const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-streams-'))
const pgUrl = process.env.BENCH_DATABASE_URL
const schema = pgUrl ? await freshSchema(pgUrl, `bench_streams_${process.pid}`) : undefined
const config = loadConfig({
  DATA_DIR: dataDir,
  ...(schema ? { DATABASE_URL: schema.databaseUrl } : {}),
  LOG_LEVEL: 'warn',
  RATE_LIMITS_ENABLED: 'false',
  ACCESS_TOKEN_TTL_S: '3600',
  EVENTS_MAX_STREAMS: process.env.BENCH_MAX_STREAMS ?? '10000',
})
// Cheap password hashing: seeding hundreds of users is not what is measured.
const ctx = await createContext(config, { passwordHashCost: { memoryCost: 8, timeCost: 1, parallelism: 1 } })
const app = createApp(ctx)

const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const res = await app.request(path, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`)
  return res.status === 204 ? undefined : res.json()
}
const signup = async (name: string) => {
  const body = await call(
    'POST',
    '/v1/auth/signup',
    {},
    { email: `${name}@example.com`, password: 'bench passphrase long enough', name },
  )
  return { id: body.user.id as string, token: body.accessToken as string }
}

// The writer owns one project nobody else is in ("private"), and one project per group of MEMBERS stream
// users, who are made its viewers straight in the database (before any stream opens: seeding, not measured).
const writer = await signup('writer')
const writerAuth = { Authorization: `Bearer ${writer.token}` }
const privateProject = await call('POST', '/v1/projects', writerAuth, { name: 'Private' })
const users: { id: string; token: string; projectId: string }[] = []
const projects: string[] = []
for (let i = 0; i < USERS; i++) {
  const user = await signup(`user${i}`)
  if (i % MEMBERS === 0) projects.push((await call('POST', '/v1/projects', writerAuth, { name: `Group ${i}` })).id)
  const projectId = projects.at(-1) as string
  await ctx.db.kysely
    .insertInto('project_members')
    .values({ project_id: projectId, user_id: user.id, role: 'viewer', joined_at: new Date().toISOString() })
    .execute()
  users.push({ ...user, projectId })
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({
    ready: true,
    port: info.port,
    writerToken: writer.token,
    privateProjectId: privateProject.id,
    projects,
    users,
    database: ctx.db.dialect,
  })
})

// How late the event loop runs: what every request and event waits for on top of its own work.
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
process.on('message', async (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() })
  if (message === 'loop') {
    process.send?.({ loop: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6 } })
    loopDelay.reset()
  }
  if (message === 'stop') {
    server.close()
    server.closeAllConnections?.()
    await ctx.close()
    rmSync(dataDir, { recursive: true, force: true })
    await schema?.drop()
    process.exit(0)
  }
})
