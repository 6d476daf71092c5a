import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postgresWanted, TEST_POSTGRES_URL, withAdmin } from '../src/test/databases.js'
import {
  filesIn,
  rowsInSqlite,
  rowsWithoutTheirBytes,
  type StoredRow,
  toStoredRows,
  uploadRaw,
  userWithProject,
} from './support/attachments.js'
import { type RunningCli, runCli, sleep, startCli, tempDataDir } from './support/cli.js'

const postgresUp = await postgresWanted()

const KILLS = 20
const SERVER_ENV = { LOG_LEVEL: 'silent', RATE_LIMITS_ENABLED: 'false' }

/** A body that arrives in 64 KB pieces a few milliseconds apart: an upload the kill finds half sent. */
function slowBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    async pull(controller) {
      if (sent >= bytes) return controller.close()
      await sleep(3)
      const chunk = randomBytes(Math.min(65_536, bytes - sent))
      sent += chunk.length
      controller.enqueue(chunk)
    },
  })
}

/**
 * Runs uploads against `server` until it dies: one slow streamed upload at a time (caught mid-body) and two
 * lanes of small ones (caught between storing and committing, or just after). Answers the ids whose upload
 * was acknowledged with 201.
 */
function uploadUntilKilled(server: RunningCli, token: string, projectId: string) {
  const acknowledged: string[] = []
  const quick = async () => {
    for (;;) {
      const res = await uploadRaw(server, token, projectId, randomBytes(1024 + Math.floor(Math.random() * 60_000)))
      if (res.status !== 201) throw new Error(`upload answered ${res.status}`)
      acknowledged.push(((await res.json()) as { id: string }).id)
    }
  }
  const slow = async () => {
    for (;;) {
      const res = await fetch(`${server.url}/v1/projects/${projectId}/attachments?filename=slow.bin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: slowBody(2 * 1024 * 1024),
        duplex: 'half',
      } as RequestInit)
      if (res.status !== 201) throw new Error(`upload answered ${res.status}`)
      acknowledged.push(((await res.json()) as { id: string }).id)
    }
  }
  // Each lane ends when the server dies under it (a network error).
  const lanes = Promise.allSettled([quick(), quick(), slow()])
  return { acknowledged, lanes }
}

async function crashRun(env: Record<string, string>, rows: () => Promise<StoredRow[]>) {
  const dataDir = env.DATA_DIR as string
  let server = await startCli(env)
  const { token, projectId } = await userWithProject(server, 'crash@example.com')
  const acknowledged: string[] = []
  for (let kill = 0; kill < KILLS; kill++) {
    if (kill > 0) server = await startCli(env)
    const run = uploadUntilKilled(server, token, projectId)
    // Killed once uploads are flowing (one has been answered), at a random point after that.
    const deadline = Date.now() + 10_000
    while (run.acknowledged.length === 0 && Date.now() < deadline) await sleep(5)
    await sleep(Math.random() * 100)
    server.child.kill('SIGKILL')
    expect((await server.exited).signal).toBe('SIGKILL')
    await run.lanes
    acknowledged.push(...run.acknowledged)
  }

  // No server runs now: nothing is under way, so nothing is too young to sweep.
  const sweep = await runCli(['sweep'], { ...env, ATTACHMENT_ORPHAN_GRACE_S: '0' })
  expect(sweep.code, sweep.stderr).toBe(0)
  const report = JSON.parse(sweep.stdout.trim().split('\n').at(-1) as string)
  // The kills did leave uploads behind (half-written files, or whole ones whose row never committed)...
  expect(report.temporaryFilesRemoved + report.orphanObjectsRemoved).toBeGreaterThan(0)
  // ...but never a row without its bytes: the bytes are on disk before their row commits.
  expect(report.rowsRemoved).toBe(0)

  const after = await rows()
  expect(rowsWithoutTheirBytes(dataDir, after)).toEqual([])
  expect(filesIn(dataDir)).toEqual(after.map((r) => r.key).sort())
  const tmp = join(dataDir, 'files', 'tmp')
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([])
  // Every upload that was answered 201 survived the kills.
  expect(acknowledged.length).toBeGreaterThan(0)
  const stored = new Set(after.map((r) => r.id))
  expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
  return { acknowledged: acknowledged.length, report }
}

describe(`attachments survive ${KILLS} SIGKILLs mid-upload (local disk)`, () => {
  it('SQLite: after the sweep, no file without a row and no row without its bytes', async () => {
    const dataDir = tempDataDir()
    await crashRun({ ...SERVER_ENV, DATA_DIR: dataDir }, async () => rowsInSqlite(dataDir))
  }, 180_000)

  it.skipIf(!postgresUp)(
    'PostgreSQL: after the sweep, no file without a row and no row without its bytes',
    async () => {
      const schema = `crash_${randomBytes(5).toString('hex')}`
      await withAdmin((c) => c.query(`create schema ${schema}`))
      onTestFinished(async () => {
        await withAdmin((c) => c.query(`drop schema ${schema} cascade`))
      })
      const url = new URL(TEST_POSTGRES_URL)
      url.searchParams.set('options', `-c search_path=${schema}`)
      const dataDir = tempDataDir()
      await crashRun({ ...SERVER_ENV, DATA_DIR: dataDir, DATABASE_URL: url.toString() }, async () =>
        toStoredRows(
          (
            await withAdmin((c) =>
              c.query(`select id, storage_key, size, sha256 from ${schema}.attachments order by id`),
            )
          ).rows,
        ),
      )
    },
    180_000,
  )
})
