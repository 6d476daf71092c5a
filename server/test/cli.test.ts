import { existsSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { startTcpProxy } from '../src/test/tcp-proxy.js'
import { runCli, startCli, tempDataDir } from './support/cli.js'

/** Asserts that `stderr` is one line for the operator matching `pattern`, not a stack trace. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
}

// Requests in flight during shutdown are covered in process by server/src/server.test.ts, where a test can
// hold a request open without adding an endpoint to the API.
describe('tasklane serve', () => {
  it('starts on a fresh data directory, serves docs, spec and metrics, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDataDir()
    const server = await startCli({ DATA_DIR: dataDir })

    const docs = await fetch(`${server.url}/docs`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await docs.text()).toContain('swagger-ui-bundle.js')

    const spec = await fetch(`${server.url}/openapi.json`)
    expect(spec.status).toBe(200)
    expect((await spec.json()).openapi).toBe('3.1.0')

    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/readyz",status="200"\} \d+/)
    expect(metrics).toContain('http_requests_total{method="GET",route="/docs",status="200"} 1')

    server.child.kill('SIGTERM')
    const result = await server.exited
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('SIGTERM received')

    // Closing the last connection checkpoints the WAL into the main file and removes it.
    const file = join(dataDir, 'tasklane.db')
    expect(existsSync(`${file}-wal`)).toBe(false)
    const reopened = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
    expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(reopened.prepare("select name from sqlite_master where name = 'kysely_migration'").get()).toBeTruthy()
    reopened.close()
  })

  it('refuses to start on an invalid setting, naming the variable', async () => {
    const dataDir = tempDataDir()
    const result = await runCli(['serve'], { DATA_DIR: dataDir, PORT: 'abc' })
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.stderr).toMatch(/PORT/)
    expect(result.stderr).not.toMatch(/\n\s+at /) // a message for the operator, not a stack trace

    const badUrl = await runCli(['serve'], { DATA_DIR: dataDir, DATABASE_URL: 'mysql://localhost/tasklane' })
    expect(badUrl.code).not.toBe(0)
    expect(badUrl.stderr).toMatch(/DATABASE_URL/)
  })
})

describe('tasklane serve and the services it depends on', () => {
  it('gives up on a PostgreSQL that does not answer within DATABASE_CONNECT_TIMEOUT_MS, in one line', async () => {
    const proxy = await startTcpProxy(5432)
    proxy.blackhole()
    const start = Date.now()
    const result = await runCli(['serve'], {
      DATA_DIR: tempDataDir(),
      PORT: '0',
      DATABASE_URL: `postgres://tasklane:secret@127.0.0.1:${proxy.port}/tasklane`,
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    })
    expect(Date.now() - start).toBeLessThan(10_000)
    expect(result.code).toBe(1)
    expectOneLine(
      result.stderr,
      /^PostgreSQL at postgres:\/\/127\.0\.0\.1:\d+\/tasklane did not answer within 500 ms \(DATABASE_URL\): /,
    )
    expect(result.stderr).not.toContain('secret')
  })

  it('gives up on a Redis that does not answer within REDIS_TIMEOUT_MS, in one line', async () => {
    const proxy = await startTcpProxy(6379)
    proxy.blackhole()
    const start = Date.now()
    const result = await runCli(['serve'], {
      DATA_DIR: tempDataDir(),
      PORT: '0',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_TIMEOUT_MS: '300',
    })
    expect(Date.now() - start).toBeLessThan(10_000)
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, /^Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer within 300 ms \(REDIS_URL\): /)
  })

  it('refuses to start a second server on the same data directory, and starts once the first has stopped', async () => {
    const dataDir = tempDataDir()
    const first = await startCli({ DATA_DIR: dataDir })

    const second = await runCli(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' })
    expect(second.code).toBe(1)
    expectOneLine(second.stderr, /^Another Tasklane server is already using .+ \(it holds .+tasklane\.lock\)/)
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200)

    first.child.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
    const third = await startCli({ DATA_DIR: dataDir })
    third.child.kill('SIGTERM')
    expect((await third.exited).code).toBe(0)
  })
})

describe('tasklane migrate', () => {
  it('gives up on a PostgreSQL that does not answer, in one line', async () => {
    const proxy = await startTcpProxy(5432)
    proxy.blackhole()
    const result = await runCli(['migrate'], {
      DATABASE_URL: `postgres://tasklane@127.0.0.1:${proxy.port}/tasklane`,
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    })
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, /^PostgreSQL at postgres:\/\/127\.0\.0\.1:\d+\/tasklane did not answer within 500 ms/)
  })

  it('brings a new database up to date and does nothing on a second run', async () => {
    const dataDir = tempDataDir()
    const first = await runCli(['migrate'], { DATA_DIR: dataDir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^(applied: .+|the database is up to date)$/m)

    const second = await runCli(['migrate'], { DATA_DIR: dataDir })
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout.trim()).toBe('the database is up to date')

    const db = new SqliteDatabase(join(dataDir, 'tasklane.db'), { readonly: true })
    expect(db.prepare("select name from sqlite_master where name = 'kysely_migration'").get()).toBeTruthy()
    db.close()
  })
})
