// An app's own test, written as an SDK user writes it: the app code takes a client, the test gives it one
// that talks to the SDK's mocks, and overrides one answer to test the unhappy path. No server runs.
import { createTasklane, type TasklaneClient } from '@tasklane/sdk'
import { fixture, tasklaneHandlers, tasklaneHttp } from '@tasklane/sdk/testing'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'

// --- the app's code -------------------------------------------------------------------------------------
async function statusLine(tl: TasklaneClient): Promise<string> {
  const ready = await tl.GET('/readyz')
  if (ready.error) return `Tasklane is down: ${ready.error.detail ?? ready.error.title} (${ready.requestId})`
  return `Tasklane is ready on ${ready.data.database}`
}

// --- the app's test -------------------------------------------------------------------------------------
const baseUrl = 'http://tasklane.test'
const server = setupServer(...tasklaneHandlers({ baseUrl }))
const api = tasklaneHttp(baseUrl)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

// Mocks answer at once; no need to wait for retries in the app's tests.
const client = () => createTasklane({ baseUrl, maxRetries: 0 })

test('shows the database when Tasklane is ready', async () => {
  expect(await statusLine(client())).toBe('Tasklane is ready on sqlite')
})

test('shows the problem and request id when Tasklane is not ready', async () => {
  server.use(
    api.get('/readyz', ({ response }) =>
      response(503).json(
        fixture('Problem', { status: 503, code: 'service_unavailable', detail: 'The database is not answering.' }),
        { headers: { 'X-Request-Id': 'req_42' } },
      ),
    ),
  )
  expect(await statusLine(client())).toBe('Tasklane is down: The database is not answering. (req_42)')
})
