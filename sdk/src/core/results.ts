import { errorFromResponse } from './errors.js'
import type { NotModified } from './resource-types.js'

type AnyResult = { data?: unknown; error?: unknown; response: Response }

/**
 * The `data` of a successful result type.
 *
 * @example
 * type Health = DataOf<Awaited<ReturnType<typeof tl.GET<'/healthz'>>>>
 */
export type DataOf<R> = R extends { error?: never; data: infer D }
  ? D
  : R extends { notModified: true }
    ? NotModified
    : never

/**
 * The throwing style: resolves to `data`, or throws the error class for the status (`NotFoundError`,
 * `RateLimitError`, …) carrying `status`, `code`, `requestId` and the problem body.
 *
 * @example
 * import { createTasklane, unwrap, NotFoundError } from '@tasklane/sdk'
 *
 * const health = await unwrap(tl.GET('/healthz'))
 * console.log(health.status)
 *
 * A read sent with `If-None-Match` resolves to `NotModified` (check with `isNotModified`) when the server
 * answered 304.
 */
export async function unwrap<R extends AnyResult>(result: R | Promise<R>): Promise<DataOf<R>> {
  const r = await result
  if (r.response.status === 304) return notModified(r.response) as DataOf<R>
  if (r.error !== undefined || !r.response.ok) throw errorFromResponse(r.response, r.error)
  return r.data as DataOf<R>
}

/**
 * The `ETag` (version) of what a call returned, to send later as `ifMatch`.
 *
 * @example
 * const read = await tl.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })
 * const version = etagOf(read)
 * await tl.PATCH('/v1/projects/{projectId}', { params: { path: { projectId } }, body, ifMatch: version })
 */
export function etagOf(result: { response: Response } | Response): string | null {
  const response = result instanceof Response ? result : result.response
  return response.headers.get('ETag')
}

/** The outcome of a 304: the copy the caller has (the ETag it sent) is current. */
function notModified(response: Response): NotModified {
  return {
    notModified: true,
    etag: response.headers.get('ETag'),
    requestId: response.headers.get('X-Request-Id'),
    response,
  }
}
