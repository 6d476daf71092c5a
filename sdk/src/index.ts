import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, operations, paths } from './generated/openapi.js'

export type { components, operations, paths }

/** An RFC 9457 problem body, as every Tasklane error response carries it. */
export type Problem = components['schemas']['Problem']

export interface TasklaneOptions {
  /** Where the server is, e.g. `http://localhost:3000`. */
  baseUrl: string
  /** An API key (`tl_…`) for scripts and servers. */
  apiKey?: string
  /** A fixed access token. */
  accessToken?: string
  /** Headers sent with every request. */
  headers?: Record<string, string>
  /** A fetch to use instead of the global one (tests pass an in-process server's). */
  fetch?: (request: Request) => Promise<Response>
}

export type TasklaneClient = Client<paths>

/**
 * Creates a typed Tasklane client. Every path, parameter, body and response is typed from the API's
 * OpenAPI description.
 *
 * @example
 * import { createTasklane } from '@tasklane/sdk'
 *
 * const tl = createTasklane({ baseUrl: 'http://localhost:3000' })
 * const { data, error } = await tl.GET('/healthz')
 */
export function createTasklane(options: TasklaneOptions): TasklaneClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const token = options.apiKey ?? options.accessToken
  if (token) client.use(bearer(token))
  return client
}

function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${token}`)
      return request
    },
  }
}
