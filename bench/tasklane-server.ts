// Tasklane as `npm start` runs it (SQLite, default middleware: auth, rate-limit middleware, metrics,
// request ids, validation), on a fresh data directory seeded for the benchmark. Started by run.mjs with an
// IPC channel; answers `cpu` with process.cpuUsage().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { sql } from 'kysely'
import { createApp } from '../server/src/app.js'
import { loadConfig } from '../server/src/config.js'
import { createContext } from '../server/src/context.js'
import { fts5Match, fts5Words } from '../server/src/db/search.js'
import { searchTerms } from '../server/src/lib/search.js'
import { freshSchema } from './pg-schema.mjs'
import { callJson, seedTasks, signUpWithProject } from './seed-app.js'
import { WORDS } from './seed-words.js'

const TASKS = Number(process.env.BENCH_TASKS ?? 100_000)
// A second, small project of the same user: searching it must not cost what searching the big one does.
const SMALL_TASKS = Number(process.env.BENCH_SMALL_TASKS ?? 1_000)

const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-bench-'))
// BENCH_DATABASE_URL runs Tasklane on PostgreSQL (a fresh schema of that database, dropped at the end).
const pgUrl = process.env.BENCH_DATABASE_URL
const schema = pgUrl ? await freshSchema(pgUrl, `bench_${process.pid}`) : undefined
const config = loadConfig({
  DATA_DIR: dataDir,
  ...(schema ? { DATABASE_URL: schema.databaseUrl } : {}),
  // The default level, as operators run it: one line per request at `info` is measured as well.
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  // The load generator is one client: the default 600 requests/minute limit would answer it 429.
  RATE_LIMITS_ENABLED: 'false',
  ACCESS_TOKEN_TTL_S: '3600',
})
const ctx = await createContext(config)
const app = createApp(ctx)

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  callJson(app, method, path, headers, body)

const { signup, auth, project } = await signUpWithProject(app, 'Benchmark')

const started = Date.now()
const db = ctx.db.kysely
await seedTasks(ctx, project.id, signup.user.id, TASKS)
const small = await call('POST', '/v1/projects', auth, { name: 'Small' })
await seedTasks(ctx, small.id, signup.user.id, SMALL_TASKS)
// createTask writes into a project of its own: in the 100k project its thousands of new tasks, none with
// the searched words, would be the newest rows every later round's searches read first.
const writes = await call('POST', '/v1/projects', auth, { name: 'Writes' })
const seedMs = Date.now() - started

const task = (await call('GET', `/v1/projects/${project.id}/tasks?limit=1`, auth)).data[0]
// Walk to page 500 (items 9,981–10,000 at the default limit of 20) the way a client would.
let cursor: string | null = null
for (let page = 1; page < 500; page++) {
  const body = await call('GET', `/v1/projects/${project.id}/tasks${cursor ? `?cursor=${cursor}` : ''}`, auth)
  cursor = body.nextCursor
}
// Searches as users type them: a frequent word, a rarer one, two words, and prefixes of a frequent word.
// Counted in SQL (the search's own match expression): paging through every match would take minutes.
const total = async (projectId: string, q: string) => {
  const terms = searchTerms(decodeURIComponent(q))
  const { rows } =
    ctx.db.dialect === 'postgres'
      ? await sql<{ n: number }>`
          select count(*) as n from tasks
          where search_vector @@ to_tsquery('simple', ${terms.map((t) => `${t}:*`).join(' & ')}) and project_id = ${projectId}`.execute(
          db,
        )
      : await sql<{ n: number }>`
          select count(*) as n from tasks_search where tasks_search match ${fts5Match(projectId, await fts5Words(db, terms), 'description', 'any')}`.execute(
          db,
        )
  return Number(rows[0]?.n)
}
// Vacuumed and analysed, as autovacuum leaves a database that has had time since its last bulk write;
// otherwise autovacuum's pass over the 100k new rows lands in the middle of the first scenarios.
if (ctx.db.dialect === 'postgres') await sql`vacuum (analyze)`.execute(db)
const frequent = WORDS[3] as string
const rarer = WORDS[300] as string
const searches = [
  frequent,
  rarer,
  `${WORDS[10]} ${WORDS[40]}`.replace(' ', '%20'),
  frequent.slice(0, 3),
  frequent.slice(0, 2),
]
const searchCounts = await Promise.all(searches.map((q) => total(project.id, q)))

// The hand-tuned peer (peer-server.mjs) reads a consistent copy of this database; it removes the copy.
const peerDb = ctx.db.sqlite ? join(mkdtempSync(join(tmpdir(), 'tasklane-peer-')), 'peer.db') : undefined
if (peerDb) await ctx.db.sqlite?.backup(peerDb)

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({
    ready: true,
    port: info.port,
    token: signup.accessToken,
    projectId: project.id,
    taskId: task.id,
    deepCursor: cursor,
    smallProjectId: small.id,
    writeProjectId: writes.id,
    searches: searches.map((q, i) => ({ q, matches: searchCounts[i] })),
    seedMs,
    tasks: TASKS,
    smallTasks: SMALL_TASKS,
    database: ctx.db.dialect,
    peerDb,
  })
})
// BENCH_PROFILE (run.mjs): a CPU profile of each measured run, without the seeding, for where the time goes.
const profiler = new Session()
process.on('message', async (msg: unknown) => {
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() })
  if (typeof msg === 'object' && msg !== null && 'profile' in msg) {
    const { profile } = msg as { profile: string | null }
    if (profile === null) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 })
      await profiler.post('Profiler.start')
    } else {
      const { profile: taken } = await profiler.post('Profiler.stop')
      profiler.disconnect()
      writeFileSync(profile, JSON.stringify(taken))
    }
    process.send?.({ profiled: true })
  }
  if (msg === 'stop') {
    server.close()
    ctx.close().then(async () => {
      rmSync(dataDir, { recursive: true, force: true })
      await schema?.drop()
      process.exit(0)
    })
  }
})
