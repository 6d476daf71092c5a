// The package as npm users get it: `npm pack`, installed into an empty folder, imported from plain ESM and
// type-checked by TypeScript under `node16` and `bundler` resolution. Nothing here sees the sources.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'

const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const rootModules = join(sdkDir, '..', 'node_modules')
const operationCount = Object.values(
  parse(readFileSync(join(sdkDir, '..', 'openapi.yaml'), 'utf8')).paths as Record<string, Record<string, unknown>>,
).flatMap((item) =>
  Object.keys(item).filter((key) => ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'].includes(key)),
).length
const tsc = join(rootModules, 'typescript', 'bin', 'tsc')
let dir: string

function sh(cmd: string, args: string[], cwd: string) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasklane-sdk-pack-'))
  sh('npm', ['pack', '--silent', '--pack-destination', dir], sdkDir)
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack produced no tarball')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  // openapi-fetch comes from the npm cache when there is no network; the registry otherwise.
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], dir)
  // The optional peers of the testing entry, as an app that uses it has them installed.
  for (const peer of ['msw', 'openapi-msw'])
    symlinkSync(join(rootModules, peer), join(dir, 'node_modules', peer), 'dir')
}, 180_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const app = `
import { createTasklane, unwrap, NotFoundError, TasklaneError } from '@tasklane/sdk'
import { tasklaneHandlers, fixture, mockUploads } from '@tasklane/sdk/testing'
import { events, loadThenFollow, EventStream } from '@tasklane/sdk/events'
import { upload, download, RESUMABLE_THRESHOLD } from '@tasklane/sdk/uploads'

const fetch = async (request) =>
  request.url.endsWith('/healthz')
    ? Response.json({ status: 'ok' }, { headers: { 'X-Request-Id': 'req_pack' } })
    : Response.json({ type: 'about:blank', title: 'Not found', status: 404, code: 'not_found', requestId: 'req_404' }, { status: 404 })
const tl = createTasklane({ baseUrl: 'http://tasklane.test', fetch })
const health = await tl.GET('/healthz')
let notFound
try { await unwrap(tl.GET('/readyz')) } catch (e) { notFound = e instanceof NotFoundError && e instanceof TasklaneError && e.requestId }
const stream = events(tl, { since: '0' })
const uploads = { upload: typeof upload, download: typeof download, threshold: RESUMABLE_THRESHOLD, mocks: mockUploads().handlers.length }
console.log(JSON.stringify({ status: health.data.status, requestId: health.requestId, notFound, handlers: tasklaneHandlers().length, problem: fixture('Problem').code, stream: stream instanceof EventStream && stream.lastEventId, follow: typeof loadThenFollow, uploads }))
`

const typed = `
import { createTasklane, unwrap, type Problem, type TasklaneClient } from '@tasklane/sdk'
import { fixture, tasklaneHttp } from '@tasklane/sdk/testing'
import { events } from '@tasklane/sdk/events'
import { upload, type UploadProgress } from '@tasklane/sdk/uploads'

const tl: TasklaneClient = createTasklane({ baseUrl: 'http://x', maxRetries: 1 })
export async function ready(): Promise<'sqlite' | 'postgres'> {
  return (await unwrap(tl.GET('/readyz'))).database
}
export const problem: Problem = fixture('Problem')
export const handler = tasklaneHttp().get('/healthz', ({ response }) => response(200).json({ status: 'ok' }))
export async function attach(file: Blob): Promise<string> {
  const attachment = await upload(tl, { projectId: 'prj_1', file, attachTo: { taskId: 'tsk_1' }, onProgress: (p: UploadProgress) => p.bytesSent })
  return attachment.sha256
}
// @ts-expect-error one of a task, a note or a comment
upload(tl, { projectId: 'prj_1', file: new Blob([]), attachTo: { projectId: 'prj_1' } })
// @ts-expect-error the published types know the paths
tl.GET('/nope')
export async function titles(projectId: string): Promise<string[]> {
  const seen: string[] = []
  for await (const event of events(tl, { projectId })) if (event.type === 'task.updated') seen.push(event.data.title)
  return seen
}
`

function typecheck(compilerOptions: Record<string, unknown>) {
  const sub = join(dir, String(compilerOptions.moduleResolution))
  mkdirSync(sub, { recursive: true })
  writeFileSync(join(sub, 'index.ts'), typed)
  const base = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false }
  writeFileSync(
    join(sub, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files: ['index.ts'] }),
  )
  return sh(process.execPath, [tsc, '-p', sub], dir)
}

describe('the packed package', () => {
  test('imports from an ESM script (main, testing and events entries) and works', () => {
    writeFileSync(join(dir, 'app.mjs'), app)
    const out = JSON.parse(sh(process.execPath, ['app.mjs'], dir))
    expect(out).toEqual({
      status: 'ok',
      requestId: 'req_pack',
      notFound: 'req_404',
      // One mock handler per operation of openapi.yaml.
      handlers: operationCount,
      problem: 'validation_failed',
      // The event stream's entry: a stream that has not connected yet knows where it starts.
      stream: '0',
      follow: 'function',
      uploads: { upload: 'function', download: 'function', threshold: 8 * 1024 * 1024, mocks: 6 },
    })
  })

  // Whole-program checks (and attw below) take tens of seconds when the machine is busy.
  test('type-checks under TypeScript node16 resolution', () => {
    expect(typecheck({ module: 'node16', moduleResolution: 'node16' })).toBe('')
  }, 120_000)

  test('type-checks under TypeScript bundler resolution', () => {
    expect(typecheck({ module: 'esnext', moduleResolution: 'bundler' })).toBe('')
  }, 120_000)

  test('ships no tests, and the main entry uses no Node-only API (it runs in browsers)', () => {
    const dist = join(dir, 'node_modules/@tasklane/sdk/dist')
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))
    expect(files.filter((f) => /\.test\./.test(f))).toEqual([])
    const main = files.filter((f) => !f.startsWith('testing') && f !== 'uploads.js')
    expect(main).toContain('index.js')
    const nodeOnly = main.filter((f) =>
      /from ['"]node:|require\(|\bprocess\.|\bBuffer\b/.test(readFileSync(join(dist, f), 'utf8')),
    )
    expect(nodeOnly).toEqual([])
    // The uploads entry runs in browsers too: Node's modules are loaded only when a Node-only input (a path,
    // a Node stream) is given, and Node's buffers are only looked for on globalThis.
    const uploads = readFileSync(join(dist, 'uploads.js'), 'utf8')
    expect(uploads).not.toMatch(/from ['"]node:|require\(|\bprocess\./)
  })

  // The package checks CI runs, here so that `npm test` runs them (dist was built by `npm pack` above).
  test('publint --strict finds nothing', () => {
    expect(sh(join(rootModules, '.bin', 'publint'), ['--strict'], sdkDir)).toMatch(/All good/)
  })

  test('attw --pack --profile esm-only finds no problem', () => {
    // attw exits non-zero on any problem the profile does not ignore, which fails `sh`.
    const out = sh(join(rootModules, '.bin', 'attw'), ['--pack', '--profile', 'esm-only'], sdkDir)
    expect(out).not.toMatch(/❌/)
    // ., ./events, ./providers, ./testing, ./uploads and ./webhooks
    expect(out.match(/node16 \(from ESM\): 🟢 \(ESM\)/g)).toHaveLength(6)
  }, 120_000)

  // The event stream (eventsource-parser and its reconnecting loop, about 1.9 KB) is the entry
  // @tasklane/sdk/events, as the provider sign-in helpers are ./providers, so that the main entry stays
  // within 9.5 KB with the resource methods' table, the error classes and the session.
  test('the main entry with openapi-fetch is at most 9.5 KB minified and gzipped (size-limit)', () => {
    const [main, withEvents] = JSON.parse(sh(join(rootModules, '.bin', 'size-limit'), ['--json'], sdkDir))
    expect(main.name).toMatch(/main entry/)
    expect(main.passed).toBe(true)
    expect(main.size).toBeLessThanOrEqual(9_500)
    // An app that follows changes pays for the stream on top; its own budget keeps that honest too.
    expect(withEvents.name).toMatch(/@tasklane\/sdk\/events/)
    expect(withEvents.passed).toBe(true)
  })

  // tus-js-client is most of it (about 17 KB): apps that upload pay for it, the main entry does not.
  test('the uploads entry with tus-js-client is at most 20 KB minified and gzipped (size-limit)', () => {
    const results = JSON.parse(sh(join(rootModules, '.bin', 'size-limit'), ['--json'], sdkDir)) as {
      name: string
      passed: boolean
      size: number
    }[]
    const uploads = results.find((r) => r.name.startsWith('@tasklane/sdk/uploads'))
    expect(uploads?.passed).toBe(true)
    expect(uploads?.size).toBeLessThanOrEqual(20_000)
  })

  test('the tarball holds the build, the README and the changelog, no sources or maps, and runs no script on install', () => {
    const installed = join(dir, 'node_modules/@tasklane/sdk')
    const top = readdirSync(installed).sort()
    expect(top).toEqual(['CHANGELOG.md', 'README.md', 'dist', 'package.json'])
    const files = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' })
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    const scripts = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).scripts ?? {}
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(scripts[hook]).toBeUndefined()
  })

  test('the installed version is the one the client announces and the changelog describes', async () => {
    const installed = join(dir, 'node_modules/@tasklane/sdk')
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
    const { createTasklane } = await import(join(installed, 'dist/index.js'))
    let sent: string | null = null
    const tl = createTasklane({
      baseUrl: 'http://tasklane.test',
      apiKey: 'tl_test',
      fetch: async (request: Request) => {
        sent = request.headers.get('Tasklane-Client')
        return Response.json({ status: 'ok' })
      },
    })
    await tl.GET('/healthz')
    expect(sent).toBe(`tasklane-sdk-js/${version}`)
    expect(readFileSync(join(installed, 'CHANGELOG.md'), 'utf8')).toContain(`## ${version}\n`)
  })
})
