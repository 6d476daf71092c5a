import { errorFromResponse } from './errors.js'

type AnyResult = { data?: unknown; error?: unknown; response: Response }

/**
 * The `data` of a successful result type.
 *
 * @example
 * type Health = DataOf<Awaited<ReturnType<typeof tl.GET<'/healthz'>>>>
 */
export type DataOf<R> = R extends { error?: never; data: infer D } ? D : never

/**
 * The throwing style: resolves to `data`, or throws the error class for the status (`NotFoundError`,
 * `RateLimitError`, …) carrying `status`, `code`, `requestId` and the problem body.
 *
 * @example
 * import { createTasklane, unwrap, NotFoundError } from '@tasklane/sdk'
 *
 * const health = await unwrap(tl.GET('/healthz'))
 * console.log(health.status)
 */
export async function unwrap<R extends AnyResult>(result: R | Promise<R>): Promise<DataOf<R>> {
  const r = await result
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
