import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { REPO_ROOT } from './support/cli.js'

const run = promisify(execFile)

describe('examples against a live server', () => {
  let server: RunningServer
  let dataDir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-examples-'))
    server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }))
  })

  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('quickstart reports the server healthy and the database it runs on', async () => {
    const { stdout, stderr } = await run(process.execPath, ['index.js'], {
      cwd: join(REPO_ROOT, 'examples/quickstart'),
      env: { ...process.env, TASKLANE_URL: server.url },
    })
    expect(stderr).toBe('')
    expect(stdout).toBe(`Tasklane at ${server.url}: ok, database sqlite\n`)
  })

  it('quickstart fails with a non-zero exit when no server answers', async () => {
    await expect(
      run(process.execPath, ['index.js'], {
        cwd: join(REPO_ROOT, 'examples/quickstart'),
        env: { ...process.env, TASKLANE_URL: 'http://127.0.0.1:9' },
      }),
    ).rejects.toMatchObject({ code: 1 })
  })
})
