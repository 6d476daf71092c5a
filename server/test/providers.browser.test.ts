// A person signs in to a browser app through an OpenID Connect provider's own login page, in headless
// Chromium: the app (on its own origin, using the built SDK) starts the sign-in, the browser goes to the
// real in-process provider, signs in there, comes back through the server's callback to the app with a
// one-time code, and the app exchanges it for a session.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { chromium } from 'playwright-core'
import { expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../src/config.js'
import { startServer } from '../src/server.js'
import { startOidcProvider } from '../src/test/oidc-provider.js'
import { CHROMIUM, chromiumFor } from './support/browser.js'
import { REPO_ROOT } from './support/cli.js'

const hasChromium = chromiumFor('the provider sign-in browser test')

const SDK_DIST = join(REPO_ROOT, 'sdk', 'dist')
const DEPENDENCIES: Record<string, string> = {
  '/openapi-fetch.js': join(REPO_ROOT, 'node_modules', 'openapi-fetch', 'dist', 'index.mjs'),
  '/eventsource-parser.js': join(REPO_ROOT, 'node_modules', 'eventsource-parser', 'dist', 'index.js'),
}

/** The app: a button that starts the sign-in, and a callback page that finishes it and greets the user. */
const page = (api: string) => `<!doctype html>
<script type="importmap">
{ "imports": { "openapi-fetch": "/openapi-fetch.js", "eventsource-parser": "/eventsource-parser.js" } }
</script>
<p id="status">loading</p>
<button id="sign-in" hidden>Continue with Test ID</button>
<script type="module">
import { createTasklane, unwrap, localStorageTokenStorage } from '/sdk/index.js'
import { beginProviderSignIn, completeProviderSignIn } from '/sdk/providers.js'
const tl = createTasklane({ baseUrl: ${JSON.stringify(api)}, session: { storage: localStorageTokenStorage() } })
const status = document.getElementById('status')
try {
  if (location.pathname === '/auth/callback') {
    await completeProviderSignIn(tl, location.href)
    const me = await unwrap(tl.GET('/v1/me'))
    status.textContent = 'Signed in as ' + me.email
  } else {
    const { data } = await unwrap(tl.GET('/v1/auth/providers'))
    const button = document.getElementById('sign-in')
    button.textContent = 'Continue with ' + data[0].name
    button.hidden = false
    button.onclick = async () => {
      const { url } = await beginProviderSignIn(tl, data[0].id, { redirectUri: location.origin + '/auth/callback' })
      location.assign(url)
    }
    status.textContent = 'ready'
  }
} catch (e) { status.textContent = 'failed: ' + (e.code ?? '') + ' ' + e.message }
</script>`

/** A port nobody listens on right now, so the provider can be told the server's callback before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

it.skipIf(!hasChromium)(
  "signs in through the provider's login page in Chromium and lands signed in",
  async () => {
    const apiPort = await freePort()
    const api = `http://127.0.0.1:${apiPort}`
    const op = await startOidcProvider({ redirectUris: [`${api}/v1/auth/providers/test/callback`] })
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' })

    const pages = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://page')
      const js = { 'Content-Type': 'text/javascript' }
      if (url.pathname === '/' || url.pathname === '/auth/callback')
        return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page(api))
      const dependency = DEPENDENCIES[url.pathname]
      if (dependency) return void res.writeHead(200, js).end(readFileSync(dependency))
      const file = normalize(join(SDK_DIST, url.pathname.replace(/^\/sdk\//, '')))
      if (url.pathname.startsWith('/sdk/') && file.startsWith(SDK_DIST) && existsSync(file))
        return void res.writeHead(200, js).end(readFileSync(file))
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => pages.close(() => resolve())))
    const appOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`

    const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-providers-'))
    const server = await startServer(
      loadConfig({
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        CORS_ORIGINS: appOrigin,
        SERVER_URL: api,
        AUTH_REDIRECT_URLS: `${appOrigin}/auth/callback`,
        AUTH_PROVIDERS: 'test',
        AUTH_PROVIDER_TEST_ISSUER: op.issuer,
        AUTH_PROVIDER_TEST_CLIENT_ID: op.clientId,
        AUTH_PROVIDER_TEST_CLIENT_SECRET: op.clientSecret,
        AUTH_PROVIDER_TEST_NAME: 'Test ID',
      }),
    )
    onTestFinished(async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    })

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    })
    try {
      const tab = await browser.newPage()
      const visited: string[] = []
      tab.on('framenavigated', (frame) => {
        if (frame === tab.mainFrame()) visited.push(frame.url())
      })
      await tab.goto(appOrigin)
      await tab.getByText('Continue with Test ID').click()
      // The provider's own login page.
      await tab.waitForURL(`${op.issuer}/interaction/**`)
      await tab.locator('input[name="login"]').fill('ada')
      await tab.locator('input[name="password"]').fill('any password at all')
      await tab.getByRole('button', { name: 'Sign-in' }).click()
      await tab.waitForURL(`${appOrigin}/auth/callback?**`)
      await expect
        .poll(() => tab.locator('#status').textContent(), { timeout: 20_000 })
        .toBe('Signed in as ada@example.com')
      // The session is the app's now, and no token ever appeared in a URL the browser visited.
      const stored = await tab.evaluate(() => localStorage.getItem('tasklane.session'))
      expect(JSON.parse(stored ?? '{}').refreshToken).toMatch(/^rt_/)
      const back = new URL(visited.find((u) => u.startsWith(`${appOrigin}/auth/callback`)) ?? '')
      expect([...back.searchParams.keys()].sort()).toEqual(['code', 'state'])
      expect(visited.join(' ')).not.toMatch(/rt_|eyJ/)
    } finally {
      await browser.close()
    }
  },
  90_000,
)
