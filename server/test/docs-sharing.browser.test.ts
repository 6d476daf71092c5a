import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import type { AuthResult, Project, ProjectList, Task, TaskList } from '../src/generated/routes.js'
import { type RunningServer, startServer } from '../src/server.js'
import { chromiumFor, openOfflineBrowser } from './support/browser.js'

const hasChromium = chromiumFor('the browser test of sharing from /docs')

interface Answer<T> {
  status: number
  body: T
}

/** One operation's block on the page, found by Swagger UI's deep-link id (tag whitespace → underscores). */
function operation(page: Page, tag: string, operationId: string): Locator {
  return page.locator(`#operations-${tag.replace(/\s/g, '_')}-${operationId}`)
}

/**
 * Runs an operation the way a reader of the docs does: expand it, "Try it out", fill the parameters and
 * the body, "Execute", and read the status and body Swagger UI shows.
 */
async function execute<T = unknown>(
  page: Page,
  tag: string,
  operationId: string,
  input: { params?: Record<string, string>; body?: unknown } = {},
): Promise<Answer<T>> {
  const block = operation(page, tag, operationId)
  const body = block.locator('.opblock-body')
  if (!(await body.isVisible())) await block.locator('.opblock-summary-control').click()
  // Wait for the block to render its toggle before reading it: it says "Try it out", or "Cancel" when Swagger
  // UI kept the block in try-it-out mode from an earlier call. Execute appears only once the mode is on.
  const toggle = block.locator('.try-out__btn').filter({ hasText: /^\s*(Try it out|Cancel)\s*$/ })
  await toggle.waitFor()
  if ((await toggle.textContent())?.trim() === 'Try it out') await toggle.click()
  await block.getByRole('button', { name: 'Execute' }).waitFor()
  // A previous answer stays on the page until cleared; clear it so the one read below is new.
  const clear = block.getByRole('button', { name: 'Clear' })
  if (await clear.isVisible()) await clear.click()
  for (const [name, value] of Object.entries(input.params ?? {})) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value)
  }
  if (input.body !== undefined) await block.locator('.body-param__text').fill(JSON.stringify(input.body))
  await block.getByRole('button', { name: 'Execute' }).click()
  const live = block.locator('.responses-wrapper .live-responses-table')
  const status = live.locator('tbody .response-col_status').first()
  await status.waitFor()
  const text = await live.locator('tbody .response-col_description pre').first().textContent()
  const answer = { status: Number(await status.textContent()), body: JSON.parse(text ?? '') }
  // Collapsing the block again keeps the page small, so Swagger UI re-renders fast on a busy machine.
  await block.locator('.opblock-summary-control').click()
  await block.locator('.opblock-body').waitFor({ state: 'detached' })
  return answer
}

/**
 * The user-credentials scheme's part of the "Authorize" dialog (the dialog also has one for the operator's
 * METRICS_TOKEN).
 */
function bearerScheme(page: Page) {
  return page
    .locator('.dialog-ux .modal-ux .auth-container')
    .filter({ has: page.locator('h4 code', { hasText: /^bearerAuth$/ }) })
}

/** Authorizes every secured operation with a bearer token through the "Authorize" dialog (its buttons are named by aria-label). */
async function authorize(page: Page, token: string): Promise<void> {
  await page.locator('.scheme-container .auth-wrapper .authorize').click()
  const dialog = page.locator('.dialog-ux .modal-ux')
  const scheme = bearerScheme(page)
  await scheme.locator('input[aria-label="auth-bearer-value"]').fill(token)
  await scheme.locator('.auth-btn-wrapper').getByRole('button', { name: 'Apply credentials' }).click()
  await scheme.locator('.auth-btn-wrapper').getByRole('button', { name: 'Remove authorization' }).waitFor()
  await scheme.getByRole('button', { name: 'Close' }).click()
  await dialog.waitFor({ state: 'detached' })
}

/** Forgets the token again with "Logout" in the "Authorize" dialog. */
async function logOut(page: Page): Promise<void> {
  await page.locator('.scheme-container .auth-wrapper .authorize').click()
  const dialog = page.locator('.dialog-ux .modal-ux')
  const scheme = bearerScheme(page)
  await scheme.locator('.auth-btn-wrapper').getByRole('button', { name: 'Remove authorization' }).click()
  await scheme.locator('input[aria-label="auth-bearer-value"]').waitFor()
  await scheme.getByRole('button', { name: 'Close' }).click()
  await dialog.waitFor({ state: 'detached' })
}

/** The invitation token from the mail written under DATA_DIR/mail (no SMTP_URL), waiting for it to land. */
async function invitationTokenFromMail(dataDir: string, to: string): Promise<string> {
  const dir = join(dataDir, 'mail')
  const deadline = Date.now() + 5_000
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : []
    for (const file of files) {
      // Undo quoted-printable soft line breaks so a token is never split across lines.
      const mail = readFileSync(join(dir, file), 'utf8').replace(/=\r?\n/g, '')
      if (!new RegExp(`^To: ${to}$`, 'mi').test(mail)) continue
      const token = /Your invitation token: (inv_[\w-]+)/.exec(mail)?.[1]
      if (token) return token
    }
    if (Date.now() > deadline) throw new Error(`no invitation mail to ${to} in ${dir}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(!hasChromium)('sharing a project from /docs in a browser', () => {
  let server: RunningServer
  let dataDir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-docs-sharing-'))
    // No SMTP_URL: mail is written as .eml files under DATA_DIR/mail.
    server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }))
  })

  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('Alice shares a project with Bob as viewer; Bob reads it and its tasks but may not add tasks', async () => {
    const browser = await openOfflineBrowser(new URL(server.url).origin)
    const { page, outside, pageErrors } = browser
    try {
      await page.goto(`${server.url}/docs`)
      await page.locator('.opblock').first().waitFor()

      // Alice: sign up, authorize, create a project and invite Bob as viewer.
      const alice = await execute<AuthResult>(page, 'Auth', 'signUp', {
        body: { email: 'alice@example.com', password: 'alice keeps a long passphrase', name: 'Alice' },
      })
      expect(alice.status).toBe(201)
      await authorize(page, alice.body.accessToken)

      const created = await execute<Project>(page, 'Projects', 'createProject', { body: { name: 'Garden plans' } })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ name: 'Garden plans', role: 'owner' })
      const projectId: string = created.body.id

      const invited = await execute(page, 'Invitations', 'createInvitation', {
        params: { projectId },
        body: { email: 'bob@example.com', role: 'viewer' },
      })
      expect(invited.status).toBe(201)
      expect(invited.body).toMatchObject({ email: 'bob@example.com', role: 'viewer' })
      const sown = await execute<Task>(page, 'Tasks', 'createTask', {
        params: { projectId },
        body: { title: 'Sow beans' },
      })
      expect(sown.status).toBe(201)
      await logOut(page)

      // Bob: sign up, authorize, accept with the token from his mail.
      const bob = await execute<AuthResult>(page, 'Auth', 'signUp', {
        body: { email: 'bob@example.com', password: 'bob keeps another passphrase', name: 'Bob' },
      })
      expect(bob.status).toBe(201)
      expect(bob.body.user.id).not.toBe(alice.body.user.id)
      await authorize(page, bob.body.accessToken)

      const token = await invitationTokenFromMail(dataDir, 'bob@example.com')
      const accepted = await execute(page, 'Invitations', 'acceptInvitation', { body: { token } })
      expect(accepted.status).toBe(200)
      expect(accepted.body).toMatchObject({ projectId, userId: bob.body.user.id, role: 'viewer' })

      const project = await execute(page, 'Projects', 'getProject', { params: { projectId } })
      expect(project.status).toBe(200)
      expect(project.body).toMatchObject({ id: projectId, name: 'Garden plans', role: 'viewer' })

      // "Try it out" with only the project id lists every task: no optional filter is filled in for the reader.
      const tasks = await execute<TaskList>(page, 'Tasks', 'listTasks', { params: { projectId } })
      expect(tasks.status).toBe(200)
      expect(tasks.body.data).toEqual([expect.objectContaining({ id: sown.body.id, title: 'Sow beans' })])

      // A member whose role may not create tasks gets 403 (server/src/authorization/permissions.ts).
      const task = await execute(page, 'Tasks', 'createTask', {
        params: { projectId },
        body: { title: 'Plant tomatoes' },
      })
      expect(task.status).toBe(403)
      expect(task.body).toMatchObject({ status: 403, code: 'forbidden' })

      const projects = await execute<ProjectList>(page, 'Projects', 'listProjects')
      expect(projects.status).toBe(200)
      expect(projects.body.data).toEqual([expect.objectContaining({ id: projectId, role: 'viewer' })])

      if (process.env.DOCS_SCREENSHOT) {
        const block = operation(page, 'Projects', 'listProjects')
        await block.locator('.opblock-summary-control').click()
        await block.locator('.live-responses-table').waitFor()
        await block.screenshot({ path: process.env.DOCS_SCREENSHOT })
      }
      expect(outside).toEqual([])
      expect(pageErrors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
