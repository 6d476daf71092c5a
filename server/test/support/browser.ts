import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * Whether Debian's Chromium is here. Without it a browser test is skipped with a message, unless CI asks
 * for it (REQUIRE_CHROMIUM=1), where its absence fails the run instead.
 */
export function chromiumFor(what: string): boolean {
  if (existsSync(CHROMIUM)) return true
  const message = `${CHROMIUM} is missing: ${what} cannot run (apt-get install -y chromium)`
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${message}`)
  console.warn(`\n[tasklane] ${message}; skipped.\n`)
  return false
}

export interface OfflineBrowser {
  page: Page
  /** Every request the page tried to send anywhere but `origin` (each was refused). */
  outside: string[]
  pageErrors: string[]
  close(): Promise<void>
}

/**
 * Headless Chromium on a fresh profile, with the flags this machine needs, that lets the page reach only
 * `origin`: the docs must work with no network, so anything else is recorded and refused.
 */
export async function openOfflineBrowser(origin: string): Promise<OfflineBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tasklane-chromium-'))
  let context: BrowserContext | undefined
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 1000 },
    })
    const outside: string[] = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (new URL(url).origin === origin || url.startsWith('data:')) return route.continue()
      outside.push(url)
      return route.abort()
    })
    const pageErrors: string[] = []
    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    const opened = context
    return {
      page,
      outside,
      pageErrors,
      close: async () => {
        await opened.close()
        rmSync(userDataDir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await context?.close()
    rmSync(userDataDir, { recursive: true, force: true })
    throw err
  }
}
