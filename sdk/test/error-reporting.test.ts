// Errors as an app sees them: names that survive a minifier, network failures that say what failed, and a
// session revoked elsewhere that ends the session instead of failing request after request.
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { ConnectionError, createTasklane, SessionExpiredError, unwrap } from '@tasklane/sdk'
import { fixture, tasklaneHttp } from '@tasklane/sdk/testing'
import { build } from 'esbuild'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest'

const baseUrl = 'http://tasklane.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

test('error class names survive minification', async () => {
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('../src/core/errors.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
  })
  const code = bundled.outputFiles[0]?.text ?? ''
  const errors = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
  const notFound = errors.errorFromResponse(new Response(null, { status: 404 }), undefined)
  expect(notFound.name).toBe('NotFoundError')
  expect(new errors.TimeoutError().name).toBe('TimeoutError')
  expect(new errors.SessionExpiredError(401, undefined, new Headers()).name).toBe('SessionExpiredError')
})

test('a refused connection says what was refused, and which call', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
  const tl = createTasklane({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 })
  const error = await unwrap(tl.POST('/v1/projects', { body: { name: 'x' } })).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ConnectionError)
  expect((error as Error).message).toBe(`connect ECONNREFUSED 127.0.0.1:${port} (POST /v1/projects)`)
})

test('session_revoked ends the session: tokens cleared, onExpired called, SessionExpiredError thrown', async () => {
  const api = tasklaneHttp(baseUrl)
  server.use(
    api.get('/v1/me', ({ response }) =>
      response(401).json(fixture('Problem', { status: 401, code: 'session_revoked', detail: 'Logged out elsewhere.' })),
    ),
  )
  const onExpired = vi.fn()
  const tl = createTasklane({ baseUrl, session: { onExpired } })
  await tl.session.set({ accessToken: 'at', refreshToken: 'rt', expiresIn: 900 })
  const error = await unwrap(tl.GET('/v1/me')).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(SessionExpiredError)
  expect((error as SessionExpiredError).code).toBe('session_revoked')
  expect(await tl.session.get()).toBeNull()
  expect(onExpired).toHaveBeenCalledTimes(1)
  expect(onExpired.mock.calls[0]?.[0]).toBeInstanceOf(SessionExpiredError)
})
