// `node --import tsx bench/create-statements.ts`: where the CPU of one createTask goes below HTTP, on SQLite.
// Builds the app's context on a fresh data directory, seeds a project (BENCH_TASKS tasks of Zipf-drawn
// English words, 100,000 by default, as `npm run bench` does), then creates BENCH_CREATES tasks through the
// tasks service (authorization, the write seam, its reactions, the commit) one after another, timing each
// SQLite statement's CPU (process.cpuUsage, which itself costs ~1 µs a call) at better-sqlite3's own `run`/`all`/`get`: the rest of a create's time is JavaScript
// (Kysely, the seam, the service). Prints per create: the service's CPU, SQLite's share by statement, and
// how many statements each create prepared afresh.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase, { type Statement } from 'better-sqlite3'
import { createApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createContext } from '../server/src/context.js'
import { newId } from '../server/src/lib/ids.js'
import { seedTasks, signUpWithProject } from './seed-app.js'

const TASKS = Number(process.env.BENCH_TASKS ?? 100_000)
const CREATES = Number(process.env.BENCH_CREATES ?? 3000)

// Every statement the app prepares is timed where better-sqlite3 runs it (counted once `timing` is on).
const bySql = new Map<string, { n: number; us: number }>()
let prepares = 0
let timing = false
const prepare = SqliteDatabase.prototype.prepare
SqliteDatabase.prototype.prepare = function (this: SqliteDatabase.Database, sql: string) {
  if (timing) prepares++
  const statement = prepare.call(this, sql) as Statement
  for (const method of ['run', 'all', 'get'] as const) {
    const original = statement[method].bind(statement) as (...args: unknown[]) => unknown
    ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (!timing) return original(...args)
      const started = process.cpuUsage()
      try {
        return original(...args)
      } finally {
        const used = process.cpuUsage(started)
        const entry = bySql.get(sql) ?? { n: 0, us: 0 }
        entry.n++
        entry.us += used.user + used.system
        bySql.set(sql, entry)
      }
    }
  }
  return statement
} as typeof prepare

const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-create-'))
const ctx = await createContext(
  loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMITS_ENABLED: 'false', ACCESS_TOKEN_TTL_S: '3600' }),
)
if (!ctx.db.sqlite) throw new Error('SQLite only')

const app = createApp(ctx)
const { signup, project } = await signUpWithProject(app, 'Benchmark')
await seedTasks(ctx, project.id, signup.user.id, TASKS)

const principal = { userId: signup.user.id as string, scopes: ['read', 'write'] as const, recheck: async () => true }
const create = () => ctx.services.tasks.create(principal, project.id, { title: 'Bench task', priority: 1 })
// Warm-up: JIT, caches, and every statement prepared once.
for (let i = 0; i < 300; i++) await create()
// One at a time and ten at a time (as ten clients would send them), without timing statements.
for (const together of [1, 10]) {
  const started = process.cpuUsage()
  for (let i = 0; i < CREATES; i += together) await Promise.all(Array.from({ length: together }, create))
  const u = process.cpuUsage(started)
  console.log(`CPU per create, ${together} at a time: ${((u.user + u.system) / CREATES).toFixed(0)} µs`)
}
timing = true
const cpu = process.cpuUsage()
const wall = process.hrtime.bigint()
for (let i = 0; i < CREATES; i++) await create()
const used = process.cpuUsage(cpu)
timing = false
const wallNs = Number(process.hrtime.bigint() - wall)
const cpuUs = (used.user + used.system) / CREATES
const rows = [...bySql.entries()].sort((a, b) => b[1].us - a[1].us)
const sqliteUs = rows.reduce((sum, [, e]) => sum + e.us, 0) / CREATES
console.log(`${TASKS} tasks seeded; ${CREATES} creates through the tasks service, one at a time`)
console.log(
  `With each statement timed (which adds its own cost): CPU per create ${cpuUs.toFixed(0)} µs (wall ${(wallNs / 1000 / CREATES).toFixed(0)} µs)`,
)
console.log(`SQLite per create: ${sqliteUs.toFixed(0)} µs; the rest (JavaScript): ${(cpuUs - sqliteUs).toFixed(0)} µs`)
console.log(`statements prepared per create: ${(prepares / CREATES).toFixed(2)}`)
console.log('\n| µs per create | runs per create | statement |\n|---:|---:|---|')
for (const [sql, e] of rows) {
  console.log(
    `| ${(e.us / CREATES).toFixed(1)} | ${(e.n / CREATES).toFixed(2)} | \`${sql.replace(/\s+/g, ' ').slice(0, 160)}\` |`,
  )
}

// The same statements straight on better-sqlite3, prepared once, K creates to a transaction: SQLite's own
// floor for a create, and what committing several writes together would save.
const raw = ctx.db.sqlite as SqliteDatabase.Database
const rawStatements = {
  begin: raw.prepare('begin'),
  commit: raw.prepare('commit'),
  position: raw.prepare('select max(position) as max from tasks where project_id = ?'),
  insert: raw.prepare(
    'insert into tasks (id, project_id, title, description, status, priority, due_at, labels, assignee_id, position, completed_at, created_by, created_at, updated_at, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  index: raw.prepare('insert into tasks_search (rowid, project, title, description) values (?, ?, ?, ?)'),
  words: raw.prepare('insert or ignore into search_words (word) select value from json_each(?)'),
  change: raw.prepare(
    'insert into changes (project_id, user_id, type, resource_type, resource_id, version, actor_id, data, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning cast(seq as text) as seq',
  ),
  endpoints: raw.prepare('select * from webhook_endpoints where project_id = ? and enabled = 1'),
}
const rawCreate = () => {
  const at = new Date().toISOString()
  const max = (rawStatements.position.get(project.id) as { max: number }).max
  const task = {
    id: newId('tsk'),
    project_id: project.id,
    title: 'Bench task',
    description: null,
    status: 'todo',
    priority: 1,
    due_at: null,
    labels: '[]',
    assignee_id: null,
    position: max + 1,
    completed_at: null,
    created_by: signup.user.id as string,
    created_at: at,
    updated_at: at,
    version: 1,
  }
  const { lastInsertRowid } = rawStatements.insert.run(Object.values(task))
  rawStatements.index.run(lastInsertRowid, project.id.replace('_', ''), task.title, '')
  rawStatements.words.run(JSON.stringify(['bench', 'task']))
  rawStatements.change.get(
    project.id,
    null,
    'task.created',
    'task',
    task.id,
    1,
    signup.user.id,
    JSON.stringify(task),
    at,
  )
  rawStatements.endpoints.all(project.id)
}
console.log('\n| creates per transaction | µs CPU per create, raw better-sqlite3 |\n|---:|---:|')
for (const k of [1, 2, 4, 8, 16]) {
  const started = process.cpuUsage()
  const n = Math.floor(CREATES / k) * k
  for (let i = 0; i < n; i += k) {
    rawStatements.begin.run()
    for (let j = 0; j < k; j++) rawCreate()
    rawStatements.commit.run()
  }
  const u = process.cpuUsage(started)
  console.log(`| ${k} | ${((u.user + u.system) / n).toFixed(0)} |`)
}
await ctx.close()
rmSync(dataDir, { recursive: true, force: true })
