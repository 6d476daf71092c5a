import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { REPO_ROOT } from './support/cli.js'

const APP_DIR = join(REPO_ROOT, 'examples/todo')
const BIN = join(APP_DIR, 'bin/tasklane-todo.js')
const PASSWORD = 'correct horse battery staple'

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `tasklane-todo` as a script would: no terminal, colours off, its own config file. */
function todo(config: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, HOME: tmpdir(), TASKLANE_TODO_CONFIG: config, NO_COLOR: '1', ...options.env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

/**
 * Runs `tasklane-todo` in a terminal (a tmux pane), as a person would: each answer is typed once the
 * prompt it answers is the active one on the screen (clack marks it ◆), and the screen is read as shown.
 */
function atTerminal(config: string, args: string[]) {
  const socket = `tasklane-todo-${process.pid}-${++terminals}`
  const tmux = (...tmuxArgs: string[]) => execFileSync('tmux', ['-L', socket, ...tmuxArgs], { encoding: 'utf8' })
  const exitFile = join(dir, `${socket}.exit`)
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  tmux(
    'new-session',
    '-d',
    '-x',
    '120',
    '-y',
    '50',
    '-s',
    'todo',
    `cd '${APP_DIR}' && env TASKLANE_TODO_CONFIG='${config}' NO_COLOR=1 ${command}; echo $? > '${exitFile}'; sleep 60`,
  )
  onTestFinished(() => {
    try {
      tmux('kill-server')
    } catch {
      // Already gone.
    }
  })
  const screen = () => tmux('capture-pane', '-p', '-S', '-200', '-t', 'todo')
  return {
    screen,
    /** Waits for `prompt` to be the active question, then types `keys` (tmux key names, or text with `literal`). */
    async answer(prompt: string, keys: string[], literal?: string) {
      await until(() => screen().includes(`◆  ${prompt}`), `"${prompt}" on the terminal; it shows:\n${screen()}`)
      if (literal !== undefined) tmux('send-keys', '-t', 'todo', '-l', literal)
      if (keys.length > 0) tmux('send-keys', '-t', 'todo', ...keys)
      // The answered question turns from ◆ to ◇ before the next is asked.
      await until(() => !screen().includes(`◆  ${prompt}`), `"${prompt}" to be answered`)
    },
    async exited(): Promise<number> {
      await until(() => existsSync(exitFile), `the app to exit; it shows:\n${screen()}`)
      return Number(readFileSync(exitFile, 'utf8').trim())
    },
  }
}

let terminals = 0
/** The test run's folder: data, config files, exit codes. */
let dir: string

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('tasklane-todo against a live server', () => {
  let server: RunningServer
  let email = 0
  const nextEmail = () => `todo${++email}@example.com`

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tasklane-todo-'))
    // Signing up by email, with the mail written under DATA_DIR/mail (no SMTP_URL) where the test reads it.
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'silent',
        SIGNUP_FLOW: 'verify-first',
      }),
    )
  })

  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A config file of its own, signed up as a new account: the address first, then the mailed link's token. */
  async function signedUp(): Promise<{ config: string; email: string }> {
    const config = join(mkdtempSync(join(dir, 'cfg-')), 'config.json')
    const address = nextEmail()
    const mailed = await todo(config, ['login', '--url', server.url, '--email', address, '--signup'])
    expect(mailed.stderr).toBe('')
    expect(mailed.code).toBe(0)
    expect(mailed.stdout).toContain(`Sent a link to ${address}`)
    const link = await signUpLink(address)
    const res = await todo(config, ['login', '--url', server.url, '--signup', '--token', link, '--name', 'Ada'], {
      input: `${PASSWORD}\n`,
    })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toContain(`as ${address}`)
    return { config, email: address }
  }

  /** The sign-up link mailed to `to`, from the files the server writes the mail to. */
  async function signUpLink(to: string): Promise<string> {
    const mailDir = join(dir, 'data', 'mail')
    let link: string | undefined
    await until(() => {
      const files = existsSync(mailDir) ? readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : []
      for (const file of files) {
        const mail = readFileSync(join(mailDir, file), 'utf8')
          .replace(/=\r?\n/g, '')
          .replaceAll('=3D', '=')
        if (!new RegExp(`^To: ${to}$`, 'mi').test(mail)) continue
        link = /(http:\/\/\S+\/complete-signup\?token=[\w-]+)/.exec(mail)?.[1]
      }
      return link !== undefined
    }, `the sign-up mail to ${to}`)
    return link as string
  }

  it('signs up, adds, lists, completes, edits and removes tasks, and logs out', async () => {
    const { config, email } = await signedUp()
    // The session is a credential: only its owner may read the file.
    expect(statSync(config).mode & 0o777).toBe(0o600)
    expect(statSync(join(config, '..')).mode & 0o777 & 0o077).toBe(0)

    const added = await todo(config, ['add', 'Buy', 'milk', '--due', 'tomorrow', '--label', 'home', '--json'])
    expect(added.code).toBe(0)
    const milk = JSON.parse(added.stdout)
    expect(milk).toMatchObject({ title: 'Buy milk', labels: ['home'], status: 'todo' })
    expect(new Date(milk.dueAt).getTime()).toBeGreaterThan(Date.now())
    expect((await todo(config, ['add', 'Write the launch post', '-p', '2'])).stdout).toMatch(
      /^\+ ○ \w{6} {2}Write the launch post {2}!!\n$/,
    )

    const listed = await todo(config, ['ls'])
    expect(listed.code).toBe(0)
    // Soonest due first; each line starts with the short id the other commands take.
    expect(listed.stdout.split('\n').filter(Boolean)).toEqual([
      `○ ${milk.id.slice(-6)}  Buy milk  tomorrow  #home`,
      expect.stringMatching(/^○ \w{6} {2}Write the launch post {2}!!$/),
    ])

    const done = await todo(config, ['done', milk.id.slice(-6).toLowerCase()])
    expect(done.code).toBe(0)
    expect(done.stdout).toBe(`✓ ${milk.id.slice(-6)}  Buy milk  #home\n`)
    expect((await todo(config, ['ls'])).stdout).not.toContain('Buy milk')
    expect((await todo(config, ['ls', '--all'])).stdout).toContain(`✓ ${milk.id.slice(-6)}  Buy milk`)
    expect((await todo(config, ['ls', '--all', '--search', 'milk', '--json'])).stdout).toContain(milk.id)

    const edited = await todo(config, ['edit', milk.id, '--title', 'Buy oat milk', '--due', 'none', '--json'])
    expect(edited.code).toBe(0)
    expect(JSON.parse(edited.stdout)).toMatchObject({ id: milk.id, title: 'Buy oat milk', dueAt: null })
    const undone = await todo(config, ['undo', milk.id, '--json'])
    expect(JSON.parse(undone.stdout)[0]).toMatchObject({ status: 'todo', completedAt: null })

    const removed = await todo(config, ['rm', milk.id.slice(-6)])
    expect(removed).toMatchObject({ code: 0, stdout: '- Buy oat milk\n' })
    expect((await todo(config, ['ls', '--all', '--json'])).stdout).not.toContain(milk.id)

    expect((await todo(config, ['whoami'])).stdout).toBe(
      `Ada <${email}> on ${server.url}, project "To-do" (${milk.projectId})\n`,
    )
    expect(await todo(config, ['logout'])).toMatchObject({ code: 0, stdout: 'Logged out.\n' })
    const after = await todo(config, ['ls'])
    expect(after.code).toBe(4)
    expect(after.stderr).toContain('not logged in: run tasklane-todo login')
  })

  it('says what went wrong, with an exit code a script can act on', async () => {
    const { config, email } = await signedUp()

    const wrong = await todo(config, ['login', '--email', email], { input: 'not the password\n' })
    expect(wrong).toMatchObject({ code: 1, stderr: '✗ Wrong email or password.\n' })
    const wrongJson = await todo(config, ['login', '--email', email, '--json'], { input: 'not the password\n' })
    expect(JSON.parse(wrongJson.stderr)).toEqual({
      error: { code: 'invalid_credentials', message: 'Wrong email or password.' },
    })

    const down = await todo(config, ['login', '--url', 'http://127.0.0.1:9', '--email', email], {
      input: `${PASSWORD}\n`,
    })
    expect(down.code).toBe(3)
    expect(down.stderr).toContain('Cannot reach the Tasklane server at http://127.0.0.1:9')

    const unknown = await todo(config, ['frobnicate'])
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') })
    const badDue = await todo(config, ['add', 'Pay rent', '--due', 'someday'])
    expect(badDue.code).toBe(2)
    expect(badDue.stderr).toContain('"someday" is not a due date')
    const badOption = await todo(config, ['ls', '--colour'])
    expect(badOption.code).toBe(2)
    expect(badOption.stderr).toContain('usage: tasklane-todo ls')
    const missing = await todo(config, ['done', 'ZZZZZZ'])
    expect(missing).toMatchObject({ code: 1, stderr: '✗ No task ZZZZZZ\n' })
    const invalid = await todo(config, ['add', 'x'.repeat(501)])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/title/)

    for (const command of ['login', 'logout', 'whoami', 'add', 'ls', 'done', 'undo', 'edit', 'rm', 'watch']) {
      const help = await todo(config, [command, '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(new RegExp(`^usage: tasklane-todo ${command}\\b`))
    }
    const overall = await todo(config, ['--help'])
    expect(overall.stdout).toContain('exit codes: 0 ok, 1 failed, 2 usage, 3 server unreachable, 4 not logged in')

    // Logged out elsewhere: the stored session is refused, and the app says so instead of failing oddly.
    const other = join(mkdtempSync(join(dir, 'cfg-')), 'config.json')
    rmSync(other, { force: true })
    const copy = await import('node:fs/promises')
    await copy.copyFile(config, other)
    expect((await todo(other, ['logout'])).code).toBe(0)
    await copy.copyFile(config, other)
    const revoked = await todo(other, ['ls'])
    expect(revoked.code).toBe(4)
    expect(revoked.stderr).toContain('Your session has ended')
  })

  it('watch prints the project’s changes as they happen', async () => {
    const { config } = await signedUp()
    const child = spawn(process.execPath, [BIN, 'watch', '--max-events', '2', '--json'], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, TASKLANE_TODO_CONFIG: config, NO_COLOR: '1' },
    })
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
    // Once it says so, it follows from where the log stood, whether or not its stream is connected yet.
    await until(() => err.includes('Watching for changes'), 'the watcher to start')
    await todo(config, ['add', 'Water the plants'])
    const done = JSON.parse((await todo(config, ['add', 'Call mum', '--json'])).stdout)
    expect(await exited).toBe(0)
    const events = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    expect(events.map((e) => [e.type, e.data.title])).toEqual([
      ['task.created', 'Water the plants'],
      ['task.created', 'Call mum'],
    ])
    expect(events[1].resourceId).toBe(done.id)
  })

  it('works at a terminal: the interactive mode adds a task, and an ended session asks to log in again', async () => {
    const { config, email } = await signedUp()
    const session = atTerminal(config, [])
    await session.answer('What next?', ['Down', 'Enter'])
    await session.answer('Title', ['Enter'], 'Fix the bike')
    await session.answer('Due', ['Enter'])
    await until(() => session.screen().includes('Fix the bike'), 'the task to be added')
    await session.answer('What next?', ['Down', 'Down', 'Down', 'Enter'])
    expect(await session.exited()).toBe(0)
    expect(session.screen()).toContain('Bye.')
    expect((await todo(config, ['ls'])).stdout).toContain('Fix the bike')

    // The session ends elsewhere; at a terminal the app asks for the password and carries on.
    const copy = join(mkdtempSync(join(dir, 'cfg-')), 'config.json')
    const fs = await import('node:fs/promises')
    await fs.copyFile(config, copy)
    expect((await todo(copy, ['logout'])).code).toBe(0)
    const relogin = atTerminal(config, ['ls'])
    await relogin.answer('Email', ['Enter'])
    await relogin.answer('Password', ['Enter'], PASSWORD)
    expect(await relogin.exited()).toBe(0)
    const shown = relogin.screen()
    expect(shown).toContain('Your session has ended; log in again to continue.')
    expect(shown).toContain(`Logged in to ${server.url} as ${email}`)
    expect(shown).toContain('Fix the bike')
  })
})
