// One Tasklane instance on PostgreSQL for `npm run bench:pg-writes`, as `tasklane serve` runs it with
// DATABASE_URL set (default middleware, rate limits off). Started by pg-writes.mjs with an IPC channel, on
// the schema it names; the first instance also signs up the benchmark's user and project. Answers `cpu`
// with process.cpuUsage().
import { serve } from '@hono/node-server'
import { createApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createContext } from '../server/src/context.js'
import { signUpWithProject } from './seed-app.js'

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = process.env.BENCH_SCHEMA as string
const config = loadConfig({
  DATABASE_URL: url,
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  RATE_LIMITS_ENABLED: 'false',
  ACCESS_TOKEN_TTL_S: '3600',
  SECRET_KEY: 'bench-secret-key-bench-secret-key-bench-secret-key',
})
const ctx = await createContext(config, { database: { dialect: 'postgres', url, schema } })
const app = createApp(ctx)

let seeded: { token: string; projectId: string } | undefined
if (process.env.BENCH_SEED === '1') {
  const { signup, project } = await signUpWithProject(app, 'Writes')
  seeded = { token: signup.accessToken, projectId: project.id }
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({ ready: true, port: info.port, ...seeded })
})
process.on('message', (msg) => {
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() })
  if (msg === 'stop') {
    server.close()
    ctx.close().then(() => process.exit(0))
  }
})
