import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createTasklane } from '@tasklane/sdk'
import SqliteDatabase from 'better-sqlite3'
import type pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postgresWanted, TEST_POSTGRES_URL, withAdmin } from '../src/test/databases.js'
import { type RunningCli, sleep, startCli, tempDataDir } from './support/cli.js'

const postgresUp = await postgresWanted()

const CREATES = 16
const SERVER_ENV = { LOG_LEVEL: 'silent', RATE_LIMITS_ENABLED: 'false' }
// The change log's append lock (features/changes/changes.repository.ts): every create waits for it.

async function json(server: RunningCli, path: string, body: unknown, token?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  return (await res.json()) as Record<string, unknown>
}

/** A user with a project on `server`. */
async function owner(server: RunningCli) {
  const email = `crash-${randomBytes(4).toString('hex')}@example.com`
  const password = 'a long enough test passphrase'
  const signUp = await json(server, '/v1/auth/signup', { email, password, name: 'Crash' })
  const token = String(signUp.accessToken)
  const project = await json(server, '/v1/projects', { name: 'Crash' }, token)
  return { token, projectId: String(project.id) }
}

const keyOf = (i: number) => `crash-key-${i}`

/** Keyed creates `from`…`to`, sent and left in flight (their answers never matter: the server is killed). */
function sendCreates(server: RunningCli, token: string, projectId: string, from = 0, to = CREATES) {
  for (let i = from; i < to; i++) {
    fetch(`${server.url}/v1/projects/${projectId}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Idempotency-Key': keyOf(i) },
      body: JSON.stringify({ title: `Task ${i}` }),
    }).catch(() => {})
  }
}

/**
 * The same creates retried at once through the SDK on `server` (its default retries, which wait out
 * `Retry-After` on 409 `idempotency_key_in_use`), then the project's tasks: each create must exist once.
 */
async function retryAndCount(server: RunningCli, token: string, projectId: string) {
  const tl = createTasklane({ baseUrl: server.url, accessToken: token })
  const started = performance.now()
  const results = await Promise.allSettled(
    Array.from({ length: CREATES }, (_, i) =>
      tl.tasks.create(projectId, { title: `Task ${i}` }, { headers: { 'Idempotency-Key': keyOf(i) } }),
    ),
  )
  const elapsedMs = Math.round(performance.now() - started)
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
  const titles = (await tl.tasks.list(projectId, { limit: 100 }).toArray({ maxItems: 100 })).map((t) => t.title).sort()
  return { failed, titles, elapsedMs }
}

const expectedTitles = Array.from({ length: CREATES }, (_, i) => `Task ${i}`).sort()

describe('Idempotency-Key after a crash', () => {
  it(`SQLite: ${CREATES} keyed creates in flight at a SIGKILL, retried at once after the restart, each exists once`, async () => {
    const dataDir = tempDataDir()
    const env = { ...SERVER_ENV, DATA_DIR: dataDir }
    const first = await startCli(env)
    const { token, projectId } = await owner(first)

    // SQLite runs in the server's thread and a request's database work runs through without yielding, so
    // at a kill the request being written is the one in flight with its key claimed and its write not
    // committed. The last create's insert costs a second or so of work, to kill the process inside it.
    const file = join(dataDir, 'tasklane.db')
    const db = new SqliteDatabase(file)
    onTestFinished(() => {
      db.close()
    })
    db.exec(`create trigger slow_task_insert before insert on tasks when new.title = 'Task ${CREATES - 1}' begin
      select count(*) from (with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select x from c);
    end`)
    const claims = db.prepare(`select state from idempotency_keys where key like 'crash-key-%'`)
    const deadline = Date.now() + 30_000
    sendCreates(first, token, projectId, 0, CREATES - 1)
    while (claims.all().length < CREATES - 1 && Date.now() < deadline) await sleep(5)
    sendCreates(first, token, projectId, CREATES - 1, CREATES)
    while (claims.all().length < CREATES && Date.now() < deadline) await sleep(5)
    first.child.kill('SIGKILL')
    await first.exited
    const running = (claims.all() as { state: string }[]).filter((c) => c.state === 'running').length
    expect(running).toBeGreaterThan(0)
    db.exec('drop trigger slow_task_insert')

    const restarted = await startCli(env)
    const { failed, titles, elapsedMs } = await retryAndCount(restarted, token, projectId)
    console.log(
      `SQLite: ${running} of ${CREATES} claims held by the killed process; SDK retries done in ${elapsedMs} ms`,
    )
    expect(failed).toEqual([])
    expect(titles).toEqual(expectedTitles)
  }, 120_000)

  it.skipIf(!postgresUp)(
    `PostgreSQL, two instances: ${CREATES} keyed creates in flight at a SIGKILL of one, retried at once on the other, each exists once`,
    async () => {
      const schema = `idem_crash_${randomBytes(5).toString('hex')}`
      await withAdmin((c) => c.query(`create schema ${schema}`))
      onTestFinished(async () => {
        await withAdmin((c) => c.query(`drop schema ${schema} cascade`))
      })
      const url = new URL(TEST_POSTGRES_URL)
      url.searchParams.set('options', `-c search_path=${schema}`)
      const env = { ...SERVER_ENV, DATABASE_URL: url.toString() }
      const doomed = await startCli({ ...env, DATA_DIR: tempDataDir() })
      const survivor = await startCli({ ...env, DATA_DIR: tempDataDir() })
      const { token, projectId } = await owner(doomed)

      // A share lock on the tasks table keeps the creates waiting at their insert, after they claimed their keys.
      const pgModule = (await import('pg')).default
      const admin: pg.Client = new pgModule.Client({ connectionString: TEST_POSTGRES_URL })
      await admin.connect()
      onTestFinished(() => admin.end())
      await admin.query('begin')
      await admin.query(`lock table ${schema}.tasks in share mode`)
      sendCreates(doomed, token, projectId)
      const count = async () =>
        Number(
          (
            await admin.query(
              `select count(*) as n from ${schema}.idempotency_keys where key like 'crash-key-%' and state = 'running'`,
            )
          ).rows[0].n,
        )
      const deadline = Date.now() + 30_000
      while ((await count()) < CREATES && Date.now() < deadline) await sleep(20)
      expect(await count()).toBe(CREATES)
      doomed.child.kill('SIGKILL')
      await doomed.exited
      await admin.query('rollback')

      const { failed, titles, elapsedMs } = await retryAndCount(survivor, token, projectId)
      console.log(`PostgreSQL: ${CREATES} claims held by the killed instance; SDK retries done in ${elapsedMs} ms`)
      expect(failed).toEqual([])
      expect(titles).toEqual(expectedTitles)
    },
    120_000,
  )
})
