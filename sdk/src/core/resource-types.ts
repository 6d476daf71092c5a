import type { CallOptions } from './transport.js'

/**
 * Options of every resource method (`tl.tasks.update(taskId, patch, { ifMatch })`): the per-call options,
 * plus headers to send.
 *
 * @example
 * await tl.tasks.update(taskId, { status: 'done' }, { ifMatch: etag, timeout: 5000 })
 */
export interface RequestOptions extends CallOptions {
  /** Headers for this call (e.g. your own `Idempotency-Key`). */
  headers?: Record<string, string>
  /**
   * Send `If-None-Match`: the method then resolves to `NotModified` when the server says your copy (this
   * ETag) is current. `null` (no copy yet) sends nothing.
   */
  ifNoneMatch?: string | null
}

/**
 * What a read with `ifNoneMatch` resolves to when the server answered 304: the copy you have is current.
 * In the result pattern (`tl.GET`) it is `{ notModified: true }` with neither `data` nor `error`.
 *
 * @example
 * const task = await tl.tasks.get(taskId, { ifNoneMatch: cached.etag })
 * if (isNotModified(task)) return cached.task
 */
export interface NotModified {
  readonly notModified: true
  /** The current version (the one you sent). */
  readonly etag: string | null
  readonly requestId: string | null
  readonly response: Response
}

/**
 * Whether a read came back 304 Not Modified.
 *
 * @example
 * const task = await tl.tasks.get(taskId, { ifNoneMatch: etag })
 * if (!isNotModified(task)) render(task)
 */
export function isNotModified(value: unknown): value is NotModified {
  return typeof value === 'object' && value !== null && (value as NotModified).notModified === true
}

/**
 * The JSON request body of an operation.
 * @public scripts/sdk-resources.mjs writes this (and `ListItemOf`, `FormOf`) into the generated resources
 * only where a schema's type cannot be spelled out, so today's contract may not need it.
 */
export type JsonBody<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never
/** The JSON body of a response. */
export type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never
/**
 * The item of a list response.
 * @public see `JsonBody`
 */
export type ListItemOf<R> = JsonOf<R> extends { data: (infer T)[] } ? T : never
/**
 * The multipart form request body of an operation, as its schema types it.
 * @public see `JsonBody`
 */
export type FormOf<Op> = Op extends { requestBody?: { content: { 'multipart/form-data': infer B } } } ? B : never

/**
 * A multipart upload's body: the form's fields as the spec types them, each file field a `Blob` (a `File`
 * keeps its name), and `filename` to name a file part that is a bare `Blob`. The SDK builds the form,
 * fields before files (the server reads fields as they arrive).
 *
 * @example
 * await tl.attachments.create(projectId, { file: input.files[0], taskId })
 * await tl.attachments.create(projectId, { file: new Blob([bytes], { type: 'image/png' }), filename: 'chart.png' })
 */
export type FormBody<T, Files extends keyof T> = Omit<T, Files> & {
  [K in Files]: Blob
} & {
  /** The name of the file part, when it is a `Blob` without one (default: the `File`'s name). */
  filename?: string
}
