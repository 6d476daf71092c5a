import type { FetchResponse, MaybeOptionalInit } from 'openapi-fetch'
import type { CallOptions } from './transport.js'

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace'
// An interface of paths (as openapi-typescript writes them) has no index signature, so no Record constraint.
export type AnyPaths = object

type RequiredKeysOf<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K }[keyof T]

/** Paths of `Paths` that have an operation for `Method`. */
export type PathsWith<Paths, Method extends HttpMethod> = {
  [P in keyof Paths]: Paths[P] extends { [M in Method]: unknown } ? P : never
}[keyof Paths]

/**
 * Every result carries the server's `X-Request-Id`, so it can be quoted in a bug report.
 *
 * @example
 * const { error, requestId } = await tl.GET('/readyz')
 * if (error) console.error(`failed, request ${requestId}`)
 */
export type WithRequestId<R> = R & { requestId: string | null }

export type InitArg<Init> = RequiredKeysOf<Init> extends never ? [(Init & CallOptions)?] : [Init & CallOptions]

/** Media types of bytes (a download, a thumbnail), as the SDK's generator tells them apart from text. */
type BinaryMedia = 'application/octet-stream' | '*/*' | `image/${string}` | `audio/${string}` | `video/${string}`

/**
 * The init as the call is read: one that names no `parseAs`, of an operation that answers bytes, reads them as
 * a Blob (as the client reads it: see `addResources`), and its `data` is typed so.
 */
type ParsedInit<Op, Init> = Init extends { parseAs: unknown }
  ? Init
  : Op extends { responses: { 200: { content: infer C } } }
    ? [keyof C] extends [BinaryMedia]
      ? Init & { parseAs: 'blob' }
      : Init
    : Init

/**
 * One HTTP method of the client: a path of the spec, its typed init, and the typed result.
 *
 * @example
 * const get: TasklaneMethod<paths, 'get'> = tl.GET
 */
export type TasklaneMethod<Paths extends AnyPaths, Method extends HttpMethod> = <
  Path extends PathsWith<Paths, Method>,
  Init extends MaybeOptionalInit<Paths[Path], Method & keyof Paths[Path]>,
>(
  url: Path,
  ...init: InitArg<Init>
) => Promise<
  WithRequestId<
    | (FetchResponse<
        Paths[Path][Method & keyof Paths[Path]] & {},
        ParsedInit<Paths[Path][Method & keyof Paths[Path]], Init>,
        `${string}/${string}`
      > & {
        notModified?: false
      })
    | NotModifiedOf<Paths[Path][Method & keyof Paths[Path]], Init>
  >
>

/**
 * A 304 answer, in the result pattern: neither `data` nor `error`, `notModified: true`. Only operations that
 * document 304 (reads that take `If-None-Match`) can answer it, and only calls that send that header.
 *
 * @example
 * const read = await tl.GET('/v1/tasks/{taskId}', { params: { path: { taskId }, header: { 'If-None-Match': etag } } })
 * if (read.notModified) return cached
 */
export interface NotModifiedResult {
  data?: undefined
  error?: undefined
  notModified: true
  response: Response
}

/** Whether a call's init passes `If-None-Match` in `params.header` (or may: a header typed as optional). */
type SendsIfNoneMatch<Init> = Init extends { params?: { header?: infer H } }
  ? [NonNullable<H>] extends [never]
    ? false
    : 'If-None-Match' extends keyof NonNullable<H>
      ? true
      : false
  : false

/**
 * A 304 is only possible when the call sends `If-None-Match` (or may send it: a header typed as optional),
 * so a plain read's result has no `notModified` branch to check.
 */
type NotModifiedOf<Op, Init> = Op extends { responses: { 304: unknown } }
  ? SendsIfNoneMatch<Init> extends true
    ? NotModifiedResult
    : never
  : never

/** The 200 JSON body of an operation. */
type Ok<Op> = Op extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never

/**
 * The GET paths that are cursor-paginated lists: `cursor` in the query, `{ data, nextCursor }` answered.
 *
 * @example
 * type Lists = ListPaths<paths> // e.g. '/v1/projects' | '/v1/projects/{projectId}/tasks'
 */
export type ListPaths<Paths> = {
  [P in keyof Paths]: Paths[P] extends { get: infer Op }
    ? Op extends { parameters: { query?: infer Q } }
      ? 'cursor' extends keyof NonNullable<Q>
        ? Ok<Op> extends { data: unknown[]; nextCursor?: string | null }
          ? P
          : never
        : never
      : never
    : never
}[keyof Paths]

/**
 * The whole 200 answer of a list path, e.g. with `listChanges`' `syncToken` beside `data` and `nextCursor`.
 *
 * @example
 * type ChangesPage = ListBody<paths, '/v1/changes'> // { data: Change[]; nextCursor: string | null; syncToken: string }
 */
export type ListBody<Paths, P extends keyof Paths> = Paths[P] extends { get: infer Op } ? Ok<Op> : never

/**
 * The item type of a list path.
 *
 * @example
 * type Project = ListItem<paths, '/v1/projects'>
 */
export type ListItem<Paths, P extends keyof Paths> = Paths[P] extends { get: infer Op }
  ? Ok<Op> extends { data: (infer T)[] }
    ? T
    : never
  : never
