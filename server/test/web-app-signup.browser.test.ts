import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type RunningServer, startServer } from '../src/server.js'
import { chromiumFor } from './support/browser.js'
import { buildWebApp, launchChromium, serveStatic } from './support/web-app.js'

const hasChromium = chromiumFor('the browser test of signing up by email in the web app (examples/web)')

/** The n-th mail to `to` whose subject matches, as written under DATA_DIR/mail (no SMTP_URL), once it lands. */
async function mailTo(dataDir: string, to: string, subject: RegExp, n = 1): Promise<string> {
  const dir = join(dataDir, 'mail')
  const deadline = Date.now() + 10_000
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : []
    const found = files
      .sort()
      .map((file) =>
        readFileSync(join(dir, file), 'utf8')
          .replace(/=\r?\n/g, '')
          .replaceAll('=3D', '='),
      )
      .filter(
        (mail) => new RegExp(`^To: ${to}$`, 'mi').test(mail) && subject.test(/^Subject: (.*)$/m.exec(mail)?.[1] ?? ''),
      )
    if (found[n - 1]) return found[n - 1] as string
    if (Date.now() > deadline) throw new Error(`no mail #${n} to ${to} matching ${subject} in ${dir}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(!hasChromium)('signing up by email in the web app (examples/web)', () => {
  let api: RunningServer
  let app: { server: Server; origin: string }
  let dataDir: string
  let outDir: string
  let browser: Browser

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tasklane-web-signup-'))
    outDir = mkdtempSync(join(tmpdir(), 'tasklane-web-signup-dist-'))
    app = await serveStatic(outDir)
    // Mail goes to files here, so the flow is chosen explicitly; links point to the app (PUBLIC_URL).
    api = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        CORS_ORIGINS: app.origin,
        PUBLIC_URL: app.origin,
        SIGNUP_FLOW: 'verify-first',
      }),
    )
    await buildWebApp(outDir, api.url)
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await api?.stop()
    await new Promise((resolve) => app?.server.close(resolve))
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
  })

  async function askForLink(page: Page, email: string): Promise<void> {
    await page.goto(app.origin)
    await page.getByRole('button', { name: 'Create an account' }).click()
    expect(await page.getByLabel('Password').count()).toBe(0)
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Email me a link' }).click()
    await page.getByRole('heading', { name: 'Check your email' }).waitFor()
  }

  it('asks for the address, then finishes with name and password on the mailed link; a taken address looks the same', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))

    await askForLink(page, 'ada@example.com')
    const link = /(http:\/\/\S+\/complete-signup\?token=[\w-]+)/.exec(
      await mailTo(dataDir, 'ada@example.com', /finish signing up/i),
    )?.[1]
    expect(link).toBeTruthy()
    await page.goto(link as string)
    await page.getByRole('heading', { name: 'Finish creating your account' }).waitFor()
    await page.getByLabel('Name').fill('Ada')
    await page.getByLabel('Password').fill('ada keeps a long passphrase')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Your projects' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/')

    // Someone else tries the same address: the same screen, and Ada is told by mail.
    const other = await (await browser.newContext()).newPage()
    await askForLink(other, 'ada@example.com')
    const notice = await mailTo(dataDir, 'ada@example.com', /tried to sign up/i)
    expect(notice).not.toMatch(/token=/)
    expect(errors).toEqual([])
    await context.close()
  })
})
