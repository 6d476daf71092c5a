import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postgresWanted, TEST_POSTGRES_URL, withAdmin } from '../src/test/databases.js'
import {
  api,
  filesIn,
  PASSWORD,
  rowsWithoutTheirBytes,
  type StoredRow,
  sha256,
  storeContents,
  toStoredRows,
  uploadRaw,
  userWithProject,
} from './support/attachments.js'
import { type RunningCli, runCli, sleep, startCli, tempDataDir } from './support/cli.js'

const postgresUp = await postgresWanted()

/**
 * A database of its own (made here, dropped when the test ends) with an empty schema, the DATABASE_URL that
 * puts a server on that schema, and its attachment rows.
 */
async function freshPostgres(schema: string, { makeSchema = true } = {}) {
  const database = `backup_${randomBytes(5).toString('hex')}`
  await withAdmin((c) => c.query(`create database ${database}`))
  onTestFinished(async () => {
    await withAdmin((c) => c.query(`drop database if exists ${database} with (force)`))
  })
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${database}`
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    try {
      return (await client.query(text)).rows
    } finally {
      await client.end()
    }
  }
  if (makeSchema) await query(`create schema ${schema}`)
  const rows = async (): Promise<StoredRow[]> =>
    toStoredRows(await query(`select id, storage_key, size, sha256 from ${schema}.attachments order by id`))
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { url: url.toString(), rows, query }
}

/**
 * Runs `tasklane backup <target>` (with `env`) while three clients upload files of random sizes to `server`
 * and every third upload deletes an earlier file, so bytes come and go in the store while the backup copies
 * it; the uploads start before it and go on after it.
 */
async function backupWhileUploading(
  server: RunningCli,
  { token, projectId }: { token: string; projectId: string },
  target: string,
  env: Record<string, string>,
) {
  const uploaded = new Map<string, string>()
  const deleted = new Set<string>()
  let writing = true
  const lane = async (n: number) => {
    for (let i = 0; writing; i++) {
      const bytes = randomBytes(1024 + Math.floor(Math.random() * 200_000))
      const res = await uploadRaw(server, token, projectId, bytes)
      expect(res.status).toBe(201)
      const { id } = (await res.json()) as { id: string }
      uploaded.set(id, sha256(bytes))
      if (i % 3 === 2) {
        const victim = [...uploaded.keys()].filter((k) => !deleted.has(k))[n]
        if (victim) {
          deleted.add(victim)
          expect((await api(server, 'DELETE', `/v1/attachments/${victim}`, token)).status).toBe(204)
        }
      }
    }
  }
  const lanes = Promise.all([0, 1, 2].map(lane))
  await sleep(300)
  const before = new Set([...uploaded.keys()].filter((id) => !deleted.has(id)))
  const backup = await runCli(['backup', target], env)
  await sleep(300)
  writing = false
  await lanes
  return {
    backup,
    /**
     * Checks the attachment ids a copy holds: what was there when the backup started (bar files deleted while
     * it ran), and not what was uploaded after it.
     */
    expectCopyHolds(inCopy: Set<string>) {
      for (const id of before) if (!deleted.has(id)) expect(inCopy.has(id), id).toBe(true)
      expect(uploaded.size - deleted.size).toBeGreaterThan(inCopy.size)
    },
    /** Checks that `restored` serves each of `ids` with the bytes that were uploaded. */
    async expectServes(restored: RunningCli, accessToken: string, ids: Iterable<string>) {
      for (const id of ids) {
        const res = await fetch(`${restored.url}/v1/attachments/${id}/content`, {
          headers: { authorization: `Bearer ${accessToken}` },
        })
        expect(res.status).toBe(200)
        expect(sha256(new Uint8Array(await res.arrayBuffer())), id).toBe(uploaded.get(id))
      }
    },
  }
}

/** Asserts that `stderr` is one line for the operator matching `pattern`, not a stack trace. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
}

describe('tasklane backup', () => {
  it('copies the database consistently while the server is up and rows are being written', async () => {
    const dataDir = tempDataDir()
    const server = await startCli({ DATA_DIR: dataDir })

    // A writer of its own on the server's database file: batches of rows, each batch one transaction, so a
    // consistent copy holds whole batches 1..n and nothing else.
    const BATCH = 20
    const writer = new SqliteDatabase(join(dataDir, 'tasklane.db'))
    writer.pragma('busy_timeout = 5000')
    writer.exec('create table backup_probe (seq integer primary key, batch integer not null, payload text not null)')
    const insert = writer.prepare('insert into backup_probe (seq, batch, payload) values (?, ?, ?)')
    const writeBatch = writer.transaction((batch: number) => {
      for (let i = 0; i < BATCH; i++) insert.run(batch * BATCH + i, batch, 'x'.repeat(200))
    })
    let batches = 0
    let writing = true
    const writes = (async () => {
      while (writing) {
        writeBatch(batches++)
        await sleep(1)
      }
    })()

    await sleep(100)
    const target = join(dataDir, 'backup')
    const backup = await runCli(['backup', target], { DATA_DIR: dataDir })
    await sleep(100)
    writing = false
    await writes
    writer.close()
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stdout).toContain(`backup written to ${target}`)

    const copy = new SqliteDatabase(join(target, 'tasklane.db'), { readonly: true, fileMustExist: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    const { count, min, max } = copy
      .prepare('select count(*) as count, min(seq) as min, max(seq) as max from backup_probe')
      .get() as { count: number; min: number; max: number }
    copy.close()
    expect(count).toBeGreaterThan(0)
    expect(count % BATCH).toBe(0)
    expect(min).toBe(0)
    expect(max).toBe(count - 1)
    // The writer went on after the copy was taken, so the copy is a strict prefix of what was written.
    expect(count).toBeLessThan(batches * BATCH)
    expect(readFileSync(join(target, 'tasklane.db')).subarray(0, 15).toString()).toBe('SQLite format 3')
    expect(JSON.parse(readFileSync(join(target, 'backup.json'), 'utf8'))).toMatchObject({
      format: 'tasklane-backup',
      version: 1,
      database: 'tasklane.db',
      files: { driver: 'local', attachments: 0, bytes: 0, missing: [] },
    })

    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
  })

  it('keeps files and rows in step while uploads and deletions go on, and restores to a server that serves them', async () => {
    const dataDir = tempDataDir()
    const env = { DATA_DIR: dataDir, RATE_LIMITS_ENABLED: 'false', LOG_LEVEL: 'warn' }
    const server = await startCli(env)
    const owner = await userWithProject(server, 'backup@example.com')
    const { projectId } = owner
    const target = join(tempDataDir(), 'backup')
    const { backup, expectCopyHolds, expectServes } = await backupWhileUploading(server, owner, target, {
      DATA_DIR: dataDir,
    })
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stderr).toBe('')

    // The backup: every row has its bytes, and there is no file without a row.
    const copy = storeContents(target)
    expect(copy.rows.length).toBeGreaterThan(0)
    expect(rowsWithoutTheirBytes(target, copy.rows)).toEqual([])
    expect(copy.files).toEqual(copy.rows.map((r) => r.key).sort())
    const manifest = JSON.parse(readFileSync(join(target, 'backup.json'), 'utf8'))
    expect(manifest.files).toEqual({
      driver: 'local',
      attachments: copy.rows.length,
      bytes: copy.rows.reduce((n, r) => n + r.size, 0),
      missing: [],
    })
    const inCopy = new Set(copy.rows.map((r) => r.id))
    expectCopyHolds(inCopy)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    // Restored into a new data directory, a server serves every file with the bytes that were uploaded.
    const restoredDir = tempDataDir()
    const restore = await runCli(['restore', target], { DATA_DIR: restoredDir })
    expect(restore.code, restore.stderr).toBe(0)
    expect(restore.stdout).toContain(`(${copy.rows.length} attachment files)`)
    expect(storeContents(restoredDir).files).toEqual(copy.files)
    const restored = await startCli({ ...env, DATA_DIR: restoredDir })
    const login = await api(restored, 'POST', '/v1/auth/login', undefined, {
      email: 'backup@example.com',
      password: PASSWORD,
    })
    expect(login.status).toBe(200)
    const listed: string[] = []
    for (let cursor = ''; ; ) {
      const page = await api(
        restored,
        'GET',
        `/v1/projects/${projectId}/attachments?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        String(login.body.accessToken),
      )
      listed.push(...(page.body.data as { id: string }[]).map((a) => a.id))
      if (!page.body.nextCursor) break
      cursor = String(page.body.nextCursor)
    }
    expect(listed.sort()).toEqual([...inCopy].sort())
    await expectServes(restored, String(login.body.accessToken), listed)
    restored.child.kill('SIGTERM')
    expect((await restored.exited).code).toBe(0)
  }, 60_000)

  it.skipIf(!postgresUp)(
    'PostgreSQL: dumps one snapshot with exactly its files while uploads and deletions go on, and restores it',
    async () => {
      const schema = `files_${randomBytes(4).toString('hex')}`
      const source = await freshPostgres(schema)
      const dataDir = tempDataDir()
      const env = { DATA_DIR: dataDir, DATABASE_URL: source.url, RATE_LIMITS_ENABLED: 'false', LOG_LEVEL: 'warn' }
      const server = await startCli(env)
      const owner = await userWithProject(server, 'pg-backup@example.com')
      const target = join(tempDataDir(), 'backup')
      const { backup, expectCopyHolds, expectServes } = await backupWhileUploading(server, owner, target, env)
      expect(backup.code, backup.stderr).toBe(0)
      expect(backup.stderr).toBe('')
      expect(backup.stdout).toContain(`schema ${schema} dumped`)
      server.child.kill('SIGTERM')
      expect((await server.exited).code).toBe(0)
      const manifest = JSON.parse(readFileSync(join(target, 'backup.json'), 'utf8'))
      expect(manifest).toMatchObject({ database: 'tasklane.pgdump', postgres: { schema } })

      // Restored into another database (whose schema of that name is made, empty, as the operator would
      // make it for DATABASE_URL's search_path): the dump's rows are the rows whose files the backup holds, each
      // with its bytes, and no file is without its row.
      const restoredDb = await freshPostgres(schema)
      const restoredDir = tempDataDir()
      const restoredEnv = { ...env, DATA_DIR: restoredDir, DATABASE_URL: restoredDb.url }
      const restore = await runCli(['restore', target], restoredEnv)
      expect(restore.code, restore.stderr).toBe(0)
      const rows = await restoredDb.rows()
      expect(rows.length).toBeGreaterThan(0)
      expect(rowsWithoutTheirBytes(restoredDir, rows)).toEqual([])
      expect(filesIn(restoredDir)).toEqual(rows.map((r) => r.key).sort())
      expect(filesIn(target)).toEqual(rows.map((r) => r.key).sort())
      expect(manifest.files).toEqual({
        driver: 'local',
        attachments: rows.length,
        bytes: rows.reduce((n, r) => n + r.size, 0),
        missing: [],
      })
      expectCopyHolds(new Set(rows.map((r) => r.id)))

      // A second restore over it is refused, and changes nothing.
      const again = await runCli(['restore', target], restoredEnv)
      expect(again.code).toBe(1)
      expectOneLine(again.stderr, new RegExp(`schema ${schema} of the database at DATABASE_URL already holds tables`))

      // A server on the restored database serves every file with the bytes that were uploaded.
      const restored = await startCli(restoredEnv)
      const login = await api(restored, 'POST', '/v1/auth/login', undefined, {
        email: 'pg-backup@example.com',
        password: PASSWORD,
      })
      expect(login.status).toBe(200)
      await expectServes(
        restored,
        String(login.body.accessToken),
        rows.map((r) => r.id),
      )
      restored.child.kill('SIGTERM')
      expect((await restored.exited).code).toBe(0)
    },
    90_000,
  )

  it.skipIf(!postgresUp)(
    'PostgreSQL: restores into a database without the schema, and refuses a backup of the other database',
    async () => {
      const schema = `files_${randomBytes(4).toString('hex')}`
      const source = await freshPostgres(schema)
      const env = { DATA_DIR: tempDataDir(), DATABASE_URL: source.url }
      expect((await runCli(['migrate'], env)).code).toBe(0)
      const target = join(tempDataDir(), 'backup')
      const backup = await runCli(['backup', target], env)
      expect(backup.code, backup.stderr).toBe(0)

      const bare = await freshPostgres(schema, { makeSchema: false })
      // A damaged or edited list of the dump's attachment rows is refused in one line, before anything is loaded.
      const rowsFile = join(target, 'attachments.json')
      const rows = readFileSync(rowsFile, 'utf8')
      for (const edited of ['{"rows":[]}', '[{"id":"att_1"}]', '[null]']) {
        writeFileSync(rowsFile, edited)
        const damaged = await runCli(['restore', target], { DATA_DIR: tempDataDir(), DATABASE_URL: bare.url })
        expect(damaged.code, edited).toBe(1)
        expectOneLine(damaged.stderr, /attachments\.json is not a list of attachment rows: the backup is damaged$/)
      }
      writeFileSync(rowsFile, rows)
      const restore = await runCli(['restore', target], { DATA_DIR: tempDataDir(), DATABASE_URL: bare.url })
      expect(restore.code, restore.stderr).toBe(0)
      expect(await bare.query(`select count(*)::int as n from ${schema}.attachments`)).toEqual([{ n: 0 }])
      expect(await bare.rows()).toEqual([])

      const sqliteDir = tempDataDir()
      expect((await runCli(['migrate'], { DATA_DIR: sqliteDir })).code).toBe(0)
      const sqliteBackup = join(tempDataDir(), 'backup')
      expect((await runCli(['backup', sqliteBackup], { DATA_DIR: sqliteDir })).code).toBe(0)
      const crossed = await runCli(['restore', sqliteBackup], { DATA_DIR: tempDataDir(), DATABASE_URL: bare.url })
      expect(crossed.code).toBe(1)
      expectOneLine(crossed.stderr, /is a backup of a SQLite database: restore it with DATABASE_URL unset$/)
      const other = await runCli(['restore', target], { DATA_DIR: tempDataDir() })
      expect(other.code).toBe(1)
      expectOneLine(other.stderr, /is a backup of a PostgreSQL database: set DATABASE_URL to the database to restore/)
    },
    60_000,
  )

  it('fails on a data directory without a database, and writes no copy', async () => {
    const dataDir = tempDataDir()
    const target = join(dataDir, 'backup')
    const result = await runCli(['backup', target], { DATA_DIR: join(dataDir, 'empty') })
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, /^no database to back up: .+tasklane\.db does not exist \(check DATA_DIR\)$/)
    expect(existsSync(target)).toBe(false)
    expect(existsSync(join(dataDir, 'empty'))).toBe(false)
  })

  it('refuses a target directory that is not empty, leaving it as it was', async () => {
    const dataDir = tempDataDir()
    expect((await runCli(['migrate'], { DATA_DIR: dataDir })).code).toBe(0)
    const target = join(dataDir, 'elsewhere')
    mkdirSync(target)
    writeFileSync(join(target, 'keep.txt'), 'mine')
    const result = await runCli(['backup', target], { DATA_DIR: dataDir })
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, /elsewhere is not empty: back up into a new or empty directory$/)
    expect(readdirSync(target)).toEqual(['keep.txt'])
  })

  it('needs a target directory', async () => {
    const result = await runCli(['backup'], { DATA_DIR: tempDataDir() })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('tasklane backup <dir>')
  })
})

describe('tasklane restore', () => {
  it('refuses a data directory that has a database, and a directory that is not a finished backup', async () => {
    const dataDir = tempDataDir()
    expect((await runCli(['migrate'], { DATA_DIR: dataDir })).code).toBe(0)
    const target = join(tempDataDir(), 'backup')
    expect((await runCli(['backup', target], { DATA_DIR: dataDir })).code).toBe(0)

    const over = await runCli(['restore', target], { DATA_DIR: dataDir })
    expect(over.code).toBe(1)
    expectOneLine(over.stderr, /tasklane\.db already exists: restore into a data directory without a database/)

    const unfinished = tempDataDir()
    const notABackup = await runCli(['restore', unfinished], { DATA_DIR: tempDataDir() })
    expect(notABackup.code).toBe(1)
    expectOneLine(notABackup.stderr, /is not a finished Tasklane backup: it has no backup\.json$/)

    writeFileSync(join(target, 'tasklane.db'), 'not a database at all, though long enough to be read as one')
    const damagedInto = tempDataDir()
    const damaged = await runCli(['restore', target], { DATA_DIR: damagedInto })
    expect(damaged.code).toBe(1)
    expectOneLine(damaged.stderr, /tasklane\.db is not a readable Tasklane database: /)
    expect(readdirSync(damagedInto).filter((name) => !name.startsWith('tasklane.lock'))).toEqual([])
  })

  it('refuses a manifest that is damaged or edited, in one line, and restores nothing', async () => {
    const dataDir = tempDataDir()
    expect((await runCli(['migrate'], { DATA_DIR: dataDir })).code).toBe(0)
    const target = join(tempDataDir(), 'backup')
    expect((await runCli(['backup', target], { DATA_DIR: dataDir })).code).toBe(0)
    const manifest = JSON.parse(readFileSync(join(target, 'backup.json'), 'utf8'))
    for (const edited of [
      { ...manifest, files: undefined },
      { ...manifest, files: { ...manifest.files, driver: 'ftp' } },
      { ...manifest, database: '../tasklane.db' },
      { ...manifest, postgres: 'public' },
      null,
    ]) {
      writeFileSync(join(target, 'backup.json'), JSON.stringify(edited))
      const into = tempDataDir()
      const result = await runCli(['restore', target], { DATA_DIR: into })
      expect(result.code, JSON.stringify(edited)).toBe(1)
      expectOneLine(result.stderr, /backup\.json (is damaged: it does not say which database|is not a version 1)/)
      expect(readdirSync(into).filter((name) => !name.startsWith('tasklane.lock'))).toEqual([])
    }
  })

  it('restores a backup that lacks a file, and the sweep then removes the row that has no bytes', async () => {
    const dataDir = tempDataDir()
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const server = await startCli(env)
    const { token, projectId } = await userWithProject(server, 'gap@example.com')
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const res = await uploadRaw(server, token, projectId, randomBytes(5000))
      expect(res.status).toBe(201)
      ids.push(((await res.json()) as { id: string }).id)
    }
    const target = join(tempDataDir(), 'backup')
    expect((await runCli(['backup', target], env)).code).toBe(0)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    // A backup damaged after it was written: one attachment's file is gone.
    const lost = storeContents(target).rows.find((r) => r.id === ids[0]) as { key: string }
    rmSync(join(target, 'files', 'objects', ...lost.key.split('/')))
    const restoredDir = tempDataDir()
    const restore = await runCli(['restore', target], { DATA_DIR: restoredDir })
    expect(restore.code).toBe(0)
    expectOneLine(restore.stderr, /^1 attachment without bytes in the backup; the sweep removes them at start$/)

    const sweep = await runCli(['sweep'], { DATA_DIR: restoredDir, LOG_LEVEL: 'silent' })
    expect(sweep.code, sweep.stderr).toBe(0)
    expect(JSON.parse(sweep.stdout)).toMatchObject({ rowsRemoved: 1, orphanObjectsRemoved: 0 })
    const after = storeContents(restoredDir)
    expect(after.rows.map((r) => r.id)).toEqual([ids[1]])
    expect(after.files).toEqual(after.rows.map((r) => r.key))
  })

  it('refuses a tampered backup whose file is a link out of it, or whose row names a path, without copying either', async () => {
    const dataDir = tempDataDir()
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const server = await startCli(env)
    const { token, projectId } = await userWithProject(server, 'tampered@example.com')
    const res = await uploadRaw(server, token, projectId, randomBytes(64))
    expect(res.status).toBe(201)
    const target = join(tempDataDir(), 'backup')
    expect((await runCli(['backup', target], env)).code).toBe(0)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    // A file of the host that the restoring user can read, as long as the attachment its row records.
    const secret = join(tempDataDir(), 'secret')
    writeFileSync(secret, 'S'.repeat(64))
    const [row] = storeContents(target).rows
    const file = join(target, 'files', 'objects', ...(row?.key ?? '').split('/'))
    rmSync(file)
    symlinkSync(secret, file)
    const linkedInto = tempDataDir()
    const linked = await runCli(['restore', target], { DATA_DIR: linkedInto })
    expect(linked.code).toBe(1)
    expectOneLine(linked.stderr, /is a link or not a regular file: the backup is damaged$/)
    expect(existsSync(join(linkedInto, 'tasklane.db'))).toBe(false)
    expect(filesIn(linkedInto)).toEqual([])

    // A row whose storage key climbs out of the store.
    rmSync(file)
    const db = new SqliteDatabase(join(target, 'tasklane.db'))
    db.prepare('update attachments set storage_key = ?').run(`att/../../../..${secret}`)
    db.close()
    const climbedInto = tempDataDir()
    const climbed = await runCli(['restore', target], { DATA_DIR: climbedInto })
    expect(climbed.code).toBe(1)
    expectOneLine(climbed.stderr, /which is not a storage key: the backup is damaged$/)
    expect(existsSync(join(climbedInto, 'tasklane.db'))).toBe(false)
  })

  it('refuses while a server runs on the data directory', async () => {
    const dataDir = tempDataDir()
    const target = join(tempDataDir(), 'backup')
    expect((await runCli(['migrate'], { DATA_DIR: dataDir })).code).toBe(0)
    expect((await runCli(['backup', target], { DATA_DIR: dataDir })).code).toBe(0)
    const emptyDir = tempDataDir()
    const server = await startCli({ DATA_DIR: emptyDir })
    const result = await runCli(['restore', target], { DATA_DIR: emptyDir })
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, /^Another Tasklane server is already using /)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
  })
})
