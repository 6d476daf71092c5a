import { createTasklane, type TasklaneClient, type TasklaneOptions } from '@tasklane/sdk'
import type { paths as FixturePaths } from './fixtures/generated/api.js'
import { idempotentOperations } from './fixtures/generated/idempotent.js'

export type { FixturePaths }

export const BASE_URL = 'http://tasklane.test'

/**
 * Anything that answers a Request in process: a Hono app, the server's `createTestApp()`, an msw-less stub.
 * `env` is passed on (e.g. @hono/node-server's, with the socket).
 */
export interface Fetchable {
  fetch(request: Request, env?: unknown): Response | Promise<Response>
}

/**
 * A client whose requests go to `target.fetch` in process. Retry waits are shortened so that tests run
 * fast; pass `backoff` to test the real ones. With the network of `instrument` in front, faults are
 * injected and requests counted. (The tests against the real server, over real sockets, are in
 * server/test/sdk-live/, with a network of the same shape in front of it.)
 *
 * @example
 * const net = instrument(createFakeServer())
 * const tl = sdkOn(net, { apiKey })
 * net.fault({ drop: 'after' })           // POST acts, response lost: the retry must replay, not create
 */
export function sdkOn<Paths extends {} = FixturePaths>(
  target: Fetchable,
  options: Partial<TasklaneOptions> = {},
): TasklaneClient<Paths> {
  return createTasklane<Paths>({
    baseUrl: BASE_URL,
    backoff: { initialMs: 1, maxMs: 5 },
    // The stand-in API's own, so that what is retried follows fixtures/api.yaml, not openapi.yaml.
    idempotentOperations,
    ...options,
    fetch: options.fetch ?? (async (request) => target.fetch(request)),
  } as TasklaneOptions)
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}
