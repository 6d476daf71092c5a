import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTasklane, unwrap } from '@tasklane/sdk'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Config, loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { chromiumFor } from './support/browser.js'
import { buildWebApp, launchChromium, SHOTS, serveStatic } from './support/web-app.js'

const hasChromium = chromiumFor('the browser test of the web app (examples/web)')

/** The invitation link from the mail written under DATA_DIR/mail (no SMTP_URL), waiting for it to land. */
async function invitationLink(dataDir: string, to: string): Promise<string> {
  const dir = join(dataDir, 'mail')
  const deadline = Date.now() + 10_000
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : []
    for (const file of files) {
      const mail = readFileSync(join(dir, file), 'utf8').replace(/=\r?\n/g, '')
      if (!new RegExp(`^To: ${to}$`, 'mi').test(mail)) continue
      const link =
        /(http:\/\/\S+\/accept-invitation\?token=3D[\w-]+|http:\/\/\S+\/accept-invitation\?token=[\w-]+)/.exec(
          mail,
        )?.[1]
      if (link) return link.replace('token=3D', 'token=')
    }
    if (Date.now() > deadline) throw new Error(`no invitation mail to ${to} in ${dir}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Tab {
  page: Page
  /** Console errors, page errors and CSP violations, each as text. */
  problems: string[]
}

describe.skipIf(!hasChromium)('the web app (examples/web) in a browser', () => {
  let api: RunningServer
  let config: Config
  let app: { server: Server; origin: string }
  let dataDir: string
  let outDir: string
  let browser: Browser
  const contexts: BrowserContext[] = []
  /** While the API is down on purpose, refused connections are expected in the console. */
  let outage = false
  /** The one 412 the conflict step provokes on purpose. */
  let conflicts = 0
  /** While a session is revoked on purpose, the refused refresh (401) is expected in the console. */
  let revoking = false

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-web-'))
    outDir = mkdtempSync(join(tmpdir(), 'tasklane-web-dist-'))
    mkdirSync(SHOTS, { recursive: true })
    app = await serveStatic(outDir)
    // The invitation mail links to the app (PUBLIC_URL), and the API lets the app's origin call it.
    config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      CORS_ORIGINS: app.origin,
      PUBLIC_URL: app.origin,
    })
    api = await startServer(config)
    // Built as a user builds it, against this server.
    await buildWebApp(outDir, api.url)
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await api?.stop()
    await new Promise((resolve) => app?.server.close(resolve))
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
  })

  async function user(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    contexts.push(context)
    // Nothing but the app and its API: every asset comes from the app's own files.
    await context.route('**/*', (route) => {
      const origin = new URL(route.request().url()).origin
      return origin === app.origin || origin === new URL(api.url).origin ? route.continue() : route.abort()
    })
    return context
  }

  async function tab(context: BrowserContext): Promise<Tab> {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() !== 'error') return
      const text = message.text()
      if (outage && /net::ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|network error/i.test(text)) return
      if (revoking && /status of 401/.test(text)) return
      if (conflicts > 0 && /status of 412/.test(text)) {
        conflicts--
        return
      }
      problems.push(text)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`)
      })
    })
    return { page, problems }
  }

  async function signUp(page: Page, name: string, email: string): Promise<void> {
    await page.getByRole('button', { name: 'Create an account' }).click()
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(`${name.toLowerCase()} keeps a long passphrase`)
    await page.getByRole('button', { name: 'Create account' }).click()
  }

  it('two users share a project, see each other live, get notified and are told of a conflicting edit', async () => {
    const aliceContext = await user()
    const alice = await tab(aliceContext)
    const a = alice.page

    // Alice signs up, starts a project and adds a task.
    await a.goto(app.origin)
    await a.getByRole('heading', { name: 'Log in to Tasklane' }).waitFor()
    await a.screenshot({ path: join(SHOTS, 'login.png') })
    await signUp(a, 'Alice', 'alice@example.com')
    await a.getByRole('heading', { name: 'Your projects' }).waitFor()
    await a.getByLabel('New project name').fill('Garden plans')
    await a.getByRole('button', { name: 'Create project' }).click()
    await a.getByRole('heading', { name: 'Garden plans' }).waitFor()
    const projectPath = new URL(a.url()).pathname
    await a.getByLabel('New task').fill('Sow beans')
    await a.getByRole('button', { name: 'Add task' }).click()
    await a.getByRole('link', { name: 'Sow beans' }).waitFor()

    // The session survives a reload.
    await a.reload()
    await a.getByRole('link', { name: 'Sow beans' }).waitFor()

    // Alice invites Bob as an editor.
    await a.getByRole('link', { name: 'Members' }).click()
    await a.getByLabel('Invite by email').fill('bob@example.com')
    await a.getByLabel('Role').selectOption('editor')
    await a.getByRole('button', { name: 'Send invitation' }).click()
    await a.getByRole('list', { name: 'Open invitations' }).getByText('bob@example.com').waitFor()

    // Bob opens the link from his mail, signs up there and accepts.
    const link = await invitationLink(dataDir, 'bob@example.com')
    expect(new URL(link).origin).toBe(app.origin)
    const bobContext = await user()
    const bob = await tab(bobContext)
    const b = bob.page
    await b.goto(link)
    await b.getByText('You have been invited to a project').waitFor()
    await b.getByLabel('Name').fill('Bob')
    await b.getByLabel('Email').fill('bob@example.com')
    await b.getByLabel('Password').fill('bob keeps another passphrase')
    await b.getByRole('button', { name: 'Create account' }).click()
    await b.getByRole('button', { name: 'Accept invitation' }).click()
    await b.getByRole('heading', { name: 'Garden plans' }).waitFor()
    await b.getByRole('link', { name: 'Sow beans' }).waitFor()
    // Alice's members list shows Bob without a reload.
    await a.getByRole('list', { name: 'Members' }).getByText('bob@example.com').waitFor()

    // A second tab of Alice's follows the task list; Bob adds a task and it appears there live.
    const alice2 = await tab(aliceContext)
    const a2 = alice2.page
    await a2.goto(`${app.origin}${projectPath}`)
    await a2.getByRole('link', { name: 'Sow beans' }).waitFor()
    await b.getByLabel('New task').fill('Water the beans')
    await b.getByRole('button', { name: 'Add task' }).click()
    await a2.getByRole('link', { name: 'Water the beans' }).waitFor()

    // Search and the status filter narrow the list (server-side `q` and `status`).
    await a2.getByLabel('Search').fill('water')
    await a2.getByRole('link', { name: 'Sow beans' }).waitFor({ state: 'detached' })
    await a2.getByRole('link', { name: 'Water the beans' }).waitFor()
    await a2.getByLabel('Search').fill('')
    await a2.getByRole('link', { name: 'Sow beans' }).waitFor()
    await a2.screenshot({ path: join(SHOTS, 'tasks.png') })

    // Both open "Sow beans"; Alice mentions Bob in a comment and Bob sees it arrive.
    await a.goto(`${app.origin}${projectPath}`)
    await a.getByRole('link', { name: 'Sow beans' }).click()
    await a.getByRole('heading', { name: 'Sow beans' }).waitFor()
    const taskPath = new URL(a.url()).pathname
    await b.getByRole('link', { name: 'Sow beans' }).click()
    await b.getByRole('heading', { name: 'Sow beans' }).waitFor()
    expect(new URL(b.url()).pathname).toBe(taskPath)
    await a.getByLabel('Add a comment').fill('@bob@example.com could you water them tomorrow?')
    await a.getByRole('button', { name: 'Comment', exact: true }).click()
    const comments = b.getByRole('list', { name: 'Comments' })
    await comments.getByText('could you water them tomorrow?').waitFor()
    await expect(comments.locator('.mention').textContent()).resolves.toBe('@bob@example.com')

    // Bob's bell counts it; opening it shows the mention and leads to the task.
    const bell = b.getByRole('button', { name: 'Notifications, 1 unread' })
    await bell.waitFor()
    await bell.click()
    await b.getByRole('region', { name: 'Notifications' }).getByText('mentioned you').waitFor()
    await b.screenshot({ path: join(SHOTS, 'notifications.png') })
    await b.getByRole('button', { name: /mentioned you/ }).click()
    await b.getByRole('button', { name: 'Notifications', exact: true }).waitFor()

    // A concurrent edit: Bob starts editing, Alice saves first, Bob's save is refused with a clear message.
    await b.getByLabel('Title').fill('Sow broad beans')
    await a.getByLabel('Title').fill('Sow runner beans')
    await a.getByRole('button', { name: 'Save' }).click()
    await a.getByText('Saved.').waitFor()
    await b.getByText('Someone else just changed this task').waitFor()
    conflicts = 1
    await b.getByRole('button', { name: 'Save' }).click()
    await b.getByText('Conflict: someone else saved this task while you were editing it').waitFor()
    await b.getByText('Their version: “Sow runner beans”').waitFor()
    await expect(b.getByLabel('Title').inputValue()).resolves.toBe('Sow broad beans')
    await b.screenshot({ path: join(SHOTS, 'task-conflict.png'), fullPage: true })
    // Taking theirs shows their title again.
    await b.getByRole('button', { name: 'Discard my edits' }).click()
    await expect(b.getByLabel('Title').inputValue()).resolves.toBe('Sow runner beans')

    // The API goes away: a banner says so; when it is back the stream resumes and nothing is lost.
    outage = true
    await api.stop()
    await a2.getByText('Connection lost: reconnecting').waitFor({ timeout: 20_000 })
    api = await startServer({ ...config, PORT: Number(new URL(api.url).port) })
    await b.getByLabel('Add a comment').fill('Done, watered them.')
    await b.getByRole('button', { name: 'Comment', exact: true }).click()
    await b.getByRole('list', { name: 'Comments' }).getByText('Done, watered them.').waitFor()
    await a.getByRole('list', { name: 'Comments' }).getByText('Done, watered them.').waitFor({ timeout: 40_000 })
    await a2.getByText('Connection lost: reconnecting').waitFor({ state: 'hidden', timeout: 40_000 })
    outage = false

    // Completing a task in the list is optimistic and sticks.
    const done = a2.getByRole('checkbox', { name: 'Done: Sow runner beans' })
    await done.check()
    await a2.locator('.task.done', { hasText: 'Sow runner beans' }).waitFor()
    await b.goto(`${app.origin}${projectPath}`)
    await b.locator('.task.done', { hasText: 'Sow runner beans' }).waitFor()

    // A note in Markdown: the preview renders it, and anything unsafe in it is dropped.
    await a.goto(`${app.origin}${projectPath}/notes`)
    await a.getByRole('button', { name: 'New note' }).click()
    await a.getByLabel('Title').fill('Planting plan')
    await a
      .getByLabel('Text (Markdown)')
      .fill('# Beds\n\n- **runner** beans by the fence\n- peas\n\n<script>alert(1)</script>')
    const preview = a.locator('.preview')
    await preview.locator('strong', { hasText: 'runner' }).waitFor()
    await expect(preview.locator('script').count()).resolves.toBe(0)
    await a.getByRole('button', { name: 'Save note' }).click()
    await a.getByText('Saved.').waitFor()
    await a.screenshot({ path: join(SHOTS, 'notes.png') })

    // A long list loads page by page (cursors) as it is scrolled.
    const aliceApi = createTasklane({ baseUrl: api.url })
    await aliceApi.session.set(
      await unwrap(
        aliceApi.POST('/v1/auth/login', {
          body: { email: 'alice@example.com', password: 'alice keeps a long passphrase' },
        }),
      ),
    )
    const projectId = projectPath.split('/')[2] ?? ''
    for (let i = 1; i <= 30; i++) {
      await unwrap(
        aliceApi.POST('/v1/projects/{projectId}/tasks', {
          params: { path: { projectId } },
          body: { title: `Chore ${i}` },
        }),
      )
    }
    await a2.reload()
    const rows = a2.getByRole('list', { name: 'Tasks' }).getByRole('listitem')
    await a2.getByRole('link', { name: 'Sow runner beans' }).waitFor()
    await expect(rows.count()).resolves.toBe(25)
    await a2.locator('.sentinel').scrollIntoViewIfNeeded()
    await a2.getByRole('link', { name: 'Chore 30', exact: true }).waitFor()
    await expect(rows.count()).resolves.toBe(32)
    await a2.evaluate(() => window.scrollTo(0, 0))

    // At phone width the task list still fits.
    await a2.setViewportSize({ width: 390, height: 800 })
    await a2.screenshot({ path: join(SHOTS, 'tasks-phone.png') })
    const overflow = await a2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)

    // Bob's session is ended from another device while he is writing a comment: the app goes back to the
    // login screen, and after logging in again he is on the same task with his text still there.
    await b.goto(`${app.origin}${taskPath}`)
    await b.getByLabel('Add a comment').fill('Half-written thought')
    const elsewhere = createTasklane({ baseUrl: api.url })
    await elsewhere.session.set(
      await unwrap(
        elsewhere.POST('/v1/auth/login', {
          body: { email: 'bob@example.com', password: 'bob keeps another passphrase' },
        }),
      ),
    )
    revoking = true
    for await (const session of elsewhere.paginate('/v1/me/sessions')) {
      if (!session.current) {
        await unwrap(elsewhere.DELETE('/v1/me/sessions/{sessionId}', { params: { path: { sessionId: session.id } } }))
      }
    }
    await b.getByText('Your session has expired').waitFor({ timeout: 30_000 })
    await b.getByRole('heading', { name: 'Log in to Tasklane' }).waitFor()
    revoking = false
    await b.getByLabel('Email').fill('bob@example.com')
    await b.getByLabel('Password').fill('bob keeps another passphrase')
    await b.getByRole('button', { name: 'Log in' }).click()
    await b.getByRole('heading', { name: 'Sow runner beans' }).waitFor()
    await expect(b.getByLabel('Add a comment').inputValue()).resolves.toBe('Half-written thought')

    // Logging out goes back to the login screen, also after a reload; Alice's other tab follows.
    await b.getByRole('button', { name: 'Log out' }).click()
    await b.getByRole('heading', { name: 'Log in to Tasklane' }).waitFor()
    await b.reload()
    await b.getByRole('heading', { name: 'Log in to Tasklane' }).waitFor()
    await a.getByRole('button', { name: 'Log out' }).click()
    await a.getByRole('heading', { name: 'Log in to Tasklane' }).waitFor()
    await a2.getByText('You logged out in another tab.').waitFor()

    expect(alice.problems).toEqual([])
    expect(alice2.problems).toEqual([])
    expect(bob.problems).toEqual([])
    expect(conflicts).toBe(0)
  }, 180_000)
})
