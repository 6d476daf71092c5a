// The built SDK, bundled for browsers, in headless Chromium against the in-process fake of the API on another
// origin (so CORS is exercised): sign up, create a project, create tasks, paginate them. The same journey
// against the real server, with the package's files unbundled, is server/test/sdk-live/browser.test.ts.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { build } from 'esbuild'
import { Hono } from 'hono'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createFakeServer } from './fake-server.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available && process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing`)

const sdkDir = join(import.meta.dirname, '..')
const servers: { close: () => void }[] = []

function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`))
    servers.push(server)
  })
}

afterAll(() => {
  for (const server of servers) server.close()
})

let bundle = ''
beforeAll(async () => {
  if (!available) return
  // The package build, into a folder of its own so that the pack test's build of dist/ cannot race it.
  const outDir = mkdtempSync(join(tmpdir(), 'tasklane-sdk-browser-'))
  servers.push({ close: () => rmSync(outDir, { recursive: true, force: true }) })
  const tsc = join(sdkDir, '..', 'node_modules', 'typescript', 'bin', 'tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: sdkDir,
    stdio: 'ignore',
  })
  // platform 'browser' fails the build on any Node built-in the main or events entry might import.
  const out = await build({
    stdin: { contents: "export * from './index.js'\nexport * from './events.js'", resolveDir: outDir },
    nodePaths: [join(sdkDir, '..', 'node_modules')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    minify: true,
  })
  bundle = out.outputFiles[0]?.text ?? ''
}, 120_000)

const page = `<!doctype html><script type="module">
import { createTasklane, events, unwrap, localStorageTokenStorage } from './sdk.js'
try {
  const tl = createTasklane({ baseUrl: window.API, session: { storage: localStorageTokenStorage() } })
  await tl.session.set(await unwrap(tl.POST('/v1/auth/signup', { body: { email: 'ada@example.com', password: 'correct horse' } })))
  const created = await tl.POST('/v1/projects', { body: { name: 'Browser' } })
  const project = await unwrap(created)
  for (let i = 1; i <= 7; i++) {
    await unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path: { projectId: project.id } }, body: { title: 'Task ' + i } }))
  }
  const titles = []
  for await (const task of tl.paginate('/v1/projects/{projectId}/tasks', { params: { path: { projectId: project.id }, query: { limit: 2 } } })) titles.push(task.title)
  const changes = []
  const stream = events(tl, { since: '0', projectId: project.id })
  for await (const event of stream) {
    changes.push(event.seq + ' ' + event.type)
    if (changes.length === 8) break
  }
  window.done({ titles, changes, requestId: created.requestId, etag: created.response.headers.get('ETag'), stored: !!localStorage.getItem('tasklane.session') })
} catch (e) { window.done({ error: String(e) + ' ' + e.stack }) }
</script>`

test.skipIf(!available)(
  'the built SDK runs sign-up → create project → create tasks → paginate → follow the changes in Chromium',
  async () => {
    const pageApp = new Hono()
    pageApp.get('/', (c) => c.html(page))
    pageApp.get('/sdk.js', (c) => c.body(bundle, 200, { 'Content-Type': 'text/javascript' }))
    const pageOrigin = await listen(pageApp.fetch)
    const fake = createFakeServer({ corsOrigin: pageOrigin })
    const api = await listen(fake.fetch)

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      const tab = await browser.newPage()
      const result = new Promise<Record<string, unknown>>((resolve) => void tab.exposeFunction('done', resolve))
      await tab.addInitScript(`window.API = ${JSON.stringify(api)}`)
      await tab.goto(pageOrigin)
      const outcome = await result
      expect(outcome.error).toBeUndefined()
      expect(outcome.titles).toEqual(Array.from({ length: 7 }, (_, i) => `Task ${i + 1}`))
      // The event stream over fetch, with Authorization and Last-Event-ID through CORS.
      expect(outcome.changes).toEqual([
        '1 project.created',
        ...Array.from({ length: 7 }, (_, i) => `${i + 2} task.created`),
      ])
      const stream = fake.requests.find((r) => r.method === 'GET' && r.path === '/v1/events')
      expect(stream?.headers.get('Authorization')).toMatch(/^Bearer at_/)
      expect(stream?.headers.get('Last-Event-ID')).toBe('0')
      expect(outcome.requestId).toMatch(/^req_/) // exposed through CORS
      expect(outcome.etag).toBe('"1"')
      expect(outcome.stored).toBe(true)
      const [projectId] = fake.state.projects.keys()
      expect(fake.count('GET', `/v1/projects/${projectId}/tasks`)).toBe(4) // 7 tasks, 2 a page
    } finally {
      await browser.close()
    }
  },
  120_000,
)
