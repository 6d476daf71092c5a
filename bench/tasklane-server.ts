// Tasklane as `npm start` runs it (SQLite, default middleware: auth, rate-limit middleware, metrics,
// request ids, validation), on a fresh data directory seeded for the benchmark. Started by run.mjs with an
// IPC channel; answers `cpu` with process.cpuUsage().
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { createApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createContext } from '../server/src/context.js'
import { newId } from '../server/src/lib/ids.js'

const TASKS = Number(process.env.BENCH_TASKS ?? 100_000)
// A vocabulary of 2,000 made-up words, four to a title.
const WORDS = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}x`)
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const word = () => WORDS[Math.floor(random() * WORDS.length)]

const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-bench-'))
const config = loadConfig({
  DATA_DIR: dataDir,
  // One line per request at `info` would be measured as well; operators who log every request pay that.
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  // The load generator is one client: the default 600 requests/minute limit would answer it 429.
  RATE_LIMITS_ENABLED: 'false',
  ACCESS_TOKEN_TTL_S: '3600',
})
const ctx = await createContext(config)
const app = createApp(ctx)

const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const res = await app.request(path, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`)
  return res.json()
}

const signup = await call(
  'POST',
  '/v1/auth/signup',
  {},
  { email: 'bench@example.com', password: 'bench passphrase long enough', name: 'Bench' },
)
const auth = { Authorization: `Bearer ${signup.accessToken}` }
const project = await call('POST', '/v1/projects', auth, { name: 'Benchmark' })

// Seeded straight through SQL in large transactions: the API path is what is measured, not the seeding.
const started = Date.now()
const base = Date.parse('2026-01-01T00:00:00.000Z')
const db = ctx.db.kysely
for (let offset = 0; offset < TASKS; offset += 500) {
  const rows = []
  for (let i = offset; i < Math.min(TASKS, offset + 500); i++) {
    const at = new Date(base + i * 1000).toISOString()
    rows.push({
      id: newId('tsk'),
      project_id: project.id,
      // One task in a hundred mentions the launch: the search scenario matches 1% of the project.
      title: `${word()} ${word()} ${i % 100 === 0 ? 'Launch' : word()} ${word()}`,
      description: `Seeded task number ${i} with ${word()} and ${word()}.`,
      status: i % 3 === 0 ? 'todo' : i % 3 === 1 ? 'in_progress' : 'done',
      priority: i % 4,
      due_at: i % 5 === 0 ? null : new Date(base + (i % 365) * 86_400_000).toISOString(),
      labels: '[]',
      assignee_id: null,
      position: i + 1,
      completed_at: null,
      created_by: signup.user.id,
      created_at: at,
      updated_at: at,
      version: 1,
    })
  }
  await db.transaction().execute((trx) => trx.insertInto('tasks').values(rows).execute())
}
const seedMs = Date.now() - started

const task = (await call('GET', `/v1/projects/${project.id}/tasks?limit=1`, auth)).data[0]
// Walk to page 500 (items 9,981–10,000 at the default limit of 20) the way a client would.
let cursor: string | null = null
for (let page = 1; page < 500; page++) {
  const body = await call('GET', `/v1/projects/${project.id}/tasks${cursor ? `?cursor=${cursor}` : ''}`, auth)
  cursor = body.nextCursor
}
const searchWord = 'launch'
const matches = Math.ceil(TASKS / 100)

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({
    ready: true,
    port: info.port,
    token: signup.accessToken,
    projectId: project.id,
    taskId: task.id,
    deepCursor: cursor,
    searchWord,
    searchMatches: Number(matches),
    seedMs,
    tasks: TASKS,
  })
})
process.on('message', (msg) => {
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() })
  if (msg === 'stop') {
    server.close()
    ctx.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true })
      process.exit(0)
    })
  }
})
