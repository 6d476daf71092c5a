// The built SDK in headless Chromium against the live server on another origin, so that CORS is exercised
// for real: sign up, create a project, create tasks, paginate them, follow the project's changes.
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'
import { chromium } from 'playwright-core'
import { expect, onTestFinished, test } from 'vitest'
import { REPO_ROOT } from '../support/cli.js'
import { startLiveServer } from './support/live.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available && process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing`)

// The package's own files, unbundled, as a browser app would load them from a CDN or its build: the built
// dist/ (the system tests' global setup builds it) and its dependencies, mapped by an import map.
const SDK_DIST = join(REPO_ROOT, 'sdk', 'dist')
const DEPENDENCIES: Record<string, string> = {
  '/openapi-fetch.js': join(REPO_ROOT, 'node_modules', 'openapi-fetch', 'dist', 'index.mjs'),
  '/eventsource-parser.js': join(REPO_ROOT, 'node_modules', 'eventsource-parser', 'dist', 'index.js'),
}

const page = `<!doctype html>
<script type="importmap">
{ "imports": { "openapi-fetch": "/openapi-fetch.js", "eventsource-parser": "/eventsource-parser.js" } }
</script>
<script type="module">
import { createTasklane, unwrap, localStorageTokenStorage } from '/sdk/index.js'
import { events } from '/sdk/events.js'
try {
  const tl = createTasklane({ baseUrl: window.API, session: { storage: localStorageTokenStorage() } })
  await tl.session.set(await unwrap(tl.POST('/v1/auth/signup', {
    body: { email: 'ada@example.com', password: 'a long enough test passphrase', name: 'Ada' },
  })))
  const created = await tl.POST('/v1/projects', { body: { name: 'Browser' } })
  const project = await unwrap(created)
  for (let i = 1; i <= 7; i++) {
    await unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId: project.id } }, body: { title: 'Task ' + i } }))
  }
  const titles = []
  const walk = tl.paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId: project.id }, query: { limit: 2 } } })
  for await (const task of walk) titles.push(task.title)
  const changes = []
  for await (const event of events(tl, { since: '0', projectId: project.id })) {
    if (event.type === 'task.created') changes.push(event.data.title)
    if (changes.length === 7) break
  }
  window.done({
    titles,
    changes,
    projectId: project.id,
    requestId: created.requestId,
    etag: created.response.headers.get('ETag'),
    stored: JSON.parse(localStorage.getItem('tasklane.session')).refreshToken.length > 0,
  })
} catch (e) { window.done({ error: String(e) + ' ' + e.stack }) }
</script>`

test.skipIf(!available)(
  'the built SDK runs sign-up → create project → create tasks → paginate → follow changes in Chromium, across origins',
  async () => {
    const served: string[] = []
    const pages = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://page')
      served.push(url.pathname)
      const js = { 'Content-Type': 'text/javascript' }
      if (url.pathname === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page)
      const dependency = DEPENDENCIES[url.pathname]
      if (dependency) return void res.writeHead(200, js).end(readFileSync(dependency))
      const file = normalize(join(SDK_DIST, url.pathname.replace(/^\/sdk\//, '')))
      if (url.pathname.startsWith('/sdk/') && file.startsWith(SDK_DIST) && existsSync(file)) {
        return void res.writeHead(200, js).end(readFileSync(file))
      }
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => pages.close(() => resolve())))
    const pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
    const live = await startLiveServer({ CORS_ORIGINS: pageOrigin })

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    })
    try {
      const tab = await browser.newPage()
      const result = new Promise<Record<string, unknown>>((resolve) => void tab.exposeFunction('done', resolve))
      await tab.addInitScript(`window.API = ${JSON.stringify(live.url)}`)
      await tab.goto(pageOrigin)
      const outcome = await result
      expect(outcome.error).toBeUndefined()
      expect(served).toContain('/sdk/core/transport.js') // the package's modules, not a bundle
      expect(outcome.titles).toEqual(Array.from({ length: 7 }, (_, i) => `Task ${i + 1}`))
      expect(outcome.requestId).toMatch(/\S/) // readable only when CORS exposes it
      expect(outcome.etag).toMatch(/^(W\/)?"/)
      expect(outcome.stored).toBe(true)
      expect(live.count('GET', `/v1/projects/${outcome.projectId}/tasks`)).toBe(4) // 7 tasks, 2 a page
      // The event stream over fetch, its Authorization and Last-Event-ID let through by CORS.
      expect(outcome.changes).toEqual(Array.from({ length: 7 }, (_, i) => `Task ${i + 1}`))
      const stream = live.requests.find((r) => r.method === 'GET' && r.path === '/v1/events')
      expect(stream?.headers.get('authorization')).toMatch(/^Bearer /)
      expect(stream?.headers.get('last-event-id')).toBe('0')
      // The browser asked before its cross-origin POSTs with credentials and an Idempotency-Key.
      expect(live.requests.some((r) => r.method === 'OPTIONS')).toBe(true)
    } finally {
      await browser.close()
    }
  },
  60_000,
)
