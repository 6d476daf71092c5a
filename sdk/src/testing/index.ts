import type { HttpHandler } from 'msw'
import { createOpenApiHttp } from 'openapi-msw'
import type { components, paths } from '../generated/openapi.js'
import { spec } from '../generated/spec.js'
import { createFixtureFactory, type FixtureFactory } from './fixtures.js'
import { createMockHandlers, type MockHandlerOptions } from './handlers.js'

export { signWebhook } from '../webhooks.js'
export { createFixtureFactory, type FixtureFactory } from './fixtures.js'
export { createMockHandlers, type MockHandlerOptions } from './handlers.js'
export type { OpenApiDocument } from './spec-types.js'
export { type MockUploads, type MockUploadsOptions, mockUploads } from './uploads.js'

/**
 * msw handlers for every operation of the Tasklane API, answering with the examples of its OpenAPI
 * description, so an app's tests run offline with one line.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { tasklaneHandlers } from '@tasklane/sdk/testing'
 *
 * const server = setupServer(...tasklaneHandlers({ baseUrl: 'http://tasklane.test' }))
 * beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
 * afterEach(() => server.resetHandlers())
 * afterAll(() => server.close())
 */
export function tasklaneHandlers(options: MockHandlerOptions = {}): HttpHandler[] {
  return createMockHandlers(spec, options)
}

/**
 * openapi-msw's `http`, typed by the Tasklane API: per-test overrides whose paths, params and response
 * bodies are checked against the spec.
 *
 * @example
 * const api = tasklaneHttp('http://tasklane.test')
 * server.use(api.get('/readyz', ({ response }) => response(503).json({ ...problem, status: 503 })))
 */
export function tasklaneHttp(baseUrl = '*') {
  return createOpenApiHttp<paths>({ baseUrl: baseUrl.replace(/\/+$/, '') })
}

/**
 * Builds a valid object of any schema of the API, from the spec's examples, with your overrides on top.
 *
 * @example
 * import { fixture } from '@tasklane/sdk/testing'
 *
 * const problem = fixture('Problem', { status: 404, code: 'not_found' })
 */
export const fixture: FixtureFactory<components['schemas']> = createFixtureFactory<components['schemas']>(spec)
