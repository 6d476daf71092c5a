import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createTasklane, unwrap } from '@tasklane/sdk'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { REPO_ROOT } from './support/cli.js'

const run = promisify(execFile)

/** Runs an example with plain `node` (it imports the SDK's built dist/), collecting its output. */
function start(example: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['index.js', ...args], {
    cwd: join(REPO_ROOT, 'examples', example),
    env: { ...process.env, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return {
    child,
    exited,
    lines: () => stdout.split('\n').filter(Boolean),
    stdout: () => stdout,
    stderr: () => stderr,
  }
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('examples against a live server', () => {
  let server: RunningServer
  let dataDir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-examples-'))
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        // The webhook receiver runs on this machine.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
        QUEUE_POLL_MS: '100',
      }),
    )
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

  describe('live-watcher', () => {
    const password = 'a long enough example passphrase'
    let users = 0

    /**
     * A user with a project, where following it starts (`since`, the syncToken after loading its changes),
     * and `change(title)`: creates a task through the API and answers the line the watcher should print.
     */
    async function projectOfNewUser() {
      const email = `watcher${++users}@example.com`
      const tl = createTasklane({ baseUrl: server.url })
      const user = await unwrap(tl.POST('/v1/auth/signup', { body: { email, password, name: 'Watcher' } }))
      const owner = createTasklane({ baseUrl: server.url, accessToken: user.accessToken })
      const project = await unwrap(owner.POST('/v1/projects', { body: { name: 'Watched' } }))
      const key = await unwrap(owner.POST('/v1/me/api-keys', { body: { name: 'watcher', scopes: ['read'] } }))
      const loaded = owner.paginate('/v1/changes', { params: { query: { projectId: project.id } } })
      await loaded.toArray({ maxItems: 100 })
      let since = loaded.lastPage?.body.syncToken ?? '0'
      const change = async (title: string) => {
        const path = { projectId: project.id }
        const task = await unwrap(owner.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title } }))
        const [made] = await owner
          .paginate('/v1/changes', { params: { query: { since, projectId: project.id } } })
          .toArray({ maxItems: 1 })
        since = made?.seq ?? since
        return `${made?.seq} task.created ${task.id} "${title}"`
      }
      return { email, project, apiKey: key.key, since, change }
    }

    it('logs in, prints each change of the project as it happens, and stops after --max-events', async () => {
      const { email, project, since, change } = await projectOfNewUser()
      const watcher = start('live-watcher', [project.id, '--since', since, '--max-events', '3'], {
        TASKLANE_URL: server.url,
        TASKLANE_EMAIL: email,
        TASKLANE_PASSWORD: password,
      })
      const expected = [await change('Write the report')]
      await until(() => watcher.lines().length === 1, 'the first line')
      expected.push(await change('Review it'), await change('Ship it'))
      expect(await watcher.exited).toBe(0)
      expect(watcher.lines()).toEqual(expected)
      expect(watcher.stderr()).toBe(`3 changes; resume with --since ${expected[2]?.split(' ')[0]}\n`)
    })

    it('with an API key, runs until Ctrl-C and then exits cleanly, saying where to resume', async () => {
      const { project, apiKey, since, change } = await projectOfNewUser()
      const watcher = start('live-watcher', [project.id, '--since', since], {
        TASKLANE_URL: server.url,
        TASKLANE_API_KEY: apiKey,
      })
      const line = await change('Only this')
      await until(() => watcher.lines().length === 1, 'the line')
      watcher.child.kill('SIGINT')
      expect(await watcher.exited).toBe(0)
      expect(watcher.lines()).toEqual([line])
      expect(watcher.stderr()).toBe(`1 change; resume with --since ${line.split(' ')[0]}\n`)
    })

    it('fails with a clear message and exit code when the credentials are refused', async () => {
      const { project } = await projectOfNewUser()
      const watcher = start('live-watcher', [project.id], { TASKLANE_URL: server.url, TASKLANE_API_KEY: 'tl_wrong' })
      expect(await watcher.exited).toBe(1)
      expect(watcher.stdout()).toBe('')
      expect(watcher.stderr()).toMatch(/^token_invalid: /)
    })
  })

  it('webhook-receiver verifies deliveries, handles each webhook-id once and prints the task changes', async () => {
    const tl = createTasklane({ baseUrl: server.url })
    const user = await unwrap(
      tl.POST('/v1/auth/signup', {
        body: { email: 'hooks@example.com', password: 'a long enough example passphrase', name: 'Hooks' },
      }),
    )
    const owner = createTasklane({ baseUrl: server.url, accessToken: user.accessToken })
    const project = await unwrap(owner.POST('/v1/projects', { body: { name: 'Hooked' } }))
    const port = await freePort()
    const endpoint = await unwrap(
      owner.POST('/v1/projects/{projectId}/webhooks', {
        params: { path: { projectId: project.id } },
        body: { url: `http://127.0.0.1:${port}/webhooks`, eventTypes: ['task.*'] },
      }),
    )
    const receiver = start('webhook-receiver', [], { PORT: String(port), TASKLANE_WEBHOOK_SECRET: endpoint.secret })
    await until(() => receiver.stderr().includes('listening on'), 'the receiver to listen')

    const path = { projectId: project.id }
    const task = await unwrap(
      owner.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'Ship it' } }),
    )
    await until(() => receiver.lines().length === 1, 'the first change')
    const [delivery] = await unwrap(
      owner.GET('/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId: endpoint.id } } }),
    ).then((page) => page.data)
    expect(receiver.lines()).toEqual([`${delivery?.changeSeq} task.created ${task.id} "Ship it"`])

    // The same delivery again (same webhook-id): acknowledged, not handled twice.
    await until(() => delivery !== undefined, 'a delivery')
    let settled = delivery
    while (settled?.status === 'pending') {
      await new Promise((r) => setTimeout(r, 50))
      settled = (
        await unwrap(owner.GET('/v1/webhooks/{webhookId}/deliveries', { params: { path: { webhookId: endpoint.id } } }))
      ).data[0]
    }
    await unwrap(
      owner.POST('/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', {
        params: { path: { webhookId: endpoint.id, deliveryId: delivery?.id ?? '' } },
      }),
    )
    await until(() => receiver.stderr().includes('already handled'), 'the repeat')

    // A forged delivery is refused.
    const forged = await fetch(`http://127.0.0.1:${port}/webhooks`, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,Zm9yZ2Vk',
      },
      body: '{}',
    })
    expect(forged.status).toBe(401)

    await unwrap(owner.DELETE('/v1/tasks/{taskId}', { params: { path: { taskId: task.id } } }))
    await until(() => receiver.lines().length === 2, 'the deletion')
    expect(receiver.lines()[1]).toMatch(new RegExp(`^\\d+ task.deleted ${task.id}$`))
    receiver.child.kill('SIGTERM')
    expect(await receiver.exited).toBe(0)
  })
})

/** A TCP port nothing listens on now, for a program that must be told its port before it starts. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}
