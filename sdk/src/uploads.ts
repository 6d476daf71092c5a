import { type HttpRequest, type HttpResponse, type HttpStack, Upload } from 'tus-js-client'
import type { TasklaneClient } from './client.js'
import { AbortError, errorFromResponse, TasklaneError } from './core/errors.js'
import type { components } from './generated/openapi.js'

type Attachment = components['schemas']['Attachment']

/**
 * Bytes of a file: a `Blob`/`File` or bytes anywhere; in Node also a stream, or a path to a file.
 *
 * @example
 * const file: UploadSource = input.files[0] // or new Uint8Array(…), or './report.pdf' in Node
 */
export type UploadSource =
  | Blob
  | ArrayBuffer
  | Uint8Array
  | ReadableStream<Uint8Array>
  | NodeReadable
  /** Node only: the path of a file to send. */
  | string

/**
 * The parts of a Node `Readable` the SDK uses (so the type needs no Node typings).
 *
 * @example
 * const file: NodeReadable = fs.createReadStream('./report.pdf')
 */
export interface NodeReadable {
  pipe: unknown
  on(event: string, listener: (...args: unknown[]) => void): unknown
  [Symbol.asyncIterator](): AsyncIterator<unknown>
}

/**
 * Where the file goes: a task, a note or a comment of the project.
 *
 * @example
 * const attachTo: AttachTo = { taskId: 'tsk_01JD8X3Z7Q2W6V5T4R3P1N0M9K' }
 */
export type AttachTo = { taskId: string } | { noteId: string } | { commentId: string }

/**
 * How far an upload is. `totalBytes` is null for a stream of unknown length.
 *
 * @example
 * const onProgress = ({ bytesSent, totalBytes }: UploadProgress) => console.log(bytesSent, totalBytes)
 */
export interface UploadProgress {
  bytesSent: number
  totalBytes: number | null
}

/**
 * Options of `upload`.
 *
 * @example
 * const options: UploadOptions = { projectId, file, filename: 'notes.txt', attachTo: { noteId } }
 */
export interface UploadOptions {
  projectId: string
  file: UploadSource
  /** The file's name; taken from a `File` or a path when not given, required otherwise. */
  filename?: string
  /** What the file claims to be (kept as `claimedContentType`; the server reads the type from the bytes). */
  contentType?: string
  attachTo?: AttachTo
  /** The hex SHA-256 the bytes must have; the server refuses the file otherwise. */
  sha256?: string
  /** The length of a stream, when known (needed to send a stream resumably). */
  size?: number
  /**
   * Called as bytes go out, with counts that only grow: for resumable uploads at the start and after each
   * chunk; for simple ones as a stream is read, or once at the end where the platform does not report
   * upload progress (fetch with a `Blob`).
   */
  onProgress?: (progress: UploadProgress) => void
  /** Stops the upload; a resumable one is cancelled on the server too (its bytes and quota hold go). */
  signal?: AbortSignal
  /**
   * Send with the tus protocol in chunks, resuming after network failures from the last byte the server
   * has. Default: for files of known size from `RESUMABLE_THRESHOLD` bytes on.
   */
  resumable?: boolean
  /** Bytes per request of a resumable upload. Default 8 MiB. */
  chunkSize?: number
  /** Waits in milliseconds between the attempts of a resumable upload after a failure. Default 0, 1 s, 3 s, 5 s, 10 s. */
  retryDelays?: number[]
}

/**
 * From this size on (8 MiB), `upload` sends resumably unless told otherwise.
 *
 * @example
 * const resumable = file.size >= RESUMABLE_THRESHOLD
 */
export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024

// tus-js-client resolves the upload's Location against its endpoint; the requests themselves go through
// the Tasklane client (its base URL, auth, session refresh), which is given only the path of this origin.
const ORIGIN = 'http://tasklane.sdk'

/**
 * Uploads a file to a project (optionally attached to a task, note or comment) and answers the
 * attachment. Small files go in one request (`createAttachment`); large ones, or with `resumable: true`,
 * go with the tus protocol (`createUpload`, `appendUploadChunk`, through tus-js-client), which survives
 * cut connections by resuming from the last byte the server has. Errors are the SDK's error classes
 * (`BadRequestError`, `NotFoundError`, an `APIError` with status 413 and code `quota_exceeded`, …).
 *
 * @example
 * import { upload } from '@tasklane/sdk/uploads'
 *
 * // In a browser, from an <input type="file">:
 * const attachment = await upload(tl, {
 *   projectId,
 *   file: input.files[0],
 *   attachTo: { taskId },
 *   onProgress: ({ bytesSent, totalBytes }) => console.log(bytesSent, totalBytes),
 * })
 * // In Node, from a path:
 * await upload(tl, { projectId, file: './site-survey.mp4', resumable: true })
 */
export async function upload(tl: TasklaneClient, options: UploadOptions): Promise<Attachment> {
  if (options.signal?.aborted) throw new AbortError('The upload was aborted before it started')
  const source = await normalize(options)
  const resumable = options.resumable ?? (source.size !== null && source.size >= RESUMABLE_THRESHOLD)
  if (resumable) return uploadResumably(tl, options, source)
  return uploadAtOnce(tl, options, source)
}

/**
 * The bytes of an attachment as a `Response` (stream them from `body`, or `await res.blob()`), or of a
 * range of them (206). Errors are thrown as the SDK's error classes.
 *
 * @example
 * import { download } from '@tasklane/sdk/uploads'
 *
 * const res = await download(tl, attachmentId)
 * const bytes = new Uint8Array(await res.arrayBuffer())
 * const head = await download(tl, attachmentId, { range: { start: 0, end: 1023 } })
 */
export async function download(
  tl: TasklaneClient,
  attachmentId: string,
  options: { range?: { start: number; end?: number }; signal?: AbortSignal } = {},
): Promise<Response> {
  const { range, signal } = options
  const result = await tl.GET('/v1/attachments/{attachmentId}/content', {
    params: { path: { attachmentId } },
    parseAs: 'stream',
    ...(range ? { headers: { Range: `bytes=${range.start}-${range.end ?? ''}` } } : {}),
    ...(signal ? { signal } : {}),
  })
  if (result.error !== undefined) throw errorFromResponse(result.response, result.error)
  return result.response
}

interface Source {
  /** What the simple upload sends and what tus-js-client reads. */
  body: Blob | Uint8Array | ReadableStream<Uint8Array>
  /** For tus-js-client in Node: bytes, an fs.ReadStream (resumable from any offset) or a Readable. */
  tus: unknown
  size: number | null
  filename: string
  contentType: string | undefined
}

// Not resolved by bundlers: only Node reads files by path or has Readable streams.
// biome-ignore lint/suspicious/noExplicitAny: Node's modules, loaded only in Node, without Node's typings
const nodeModule = (name: string): Promise<any> => import(/* @vite-ignore */ /* webpackIgnore: true */ name)

/** Node's byte buffers, which tus-js-client reads in Node (it takes Blobs only in browsers); undefined elsewhere. */
const NodeBuffer = (
  globalThis as { Buffer?: { from(bytes: ArrayBufferLike, offset?: number, length?: number): Uint8Array } }
).Buffer

async function normalize(options: UploadOptions): Promise<Source> {
  const { file } = options
  const named = (fallback: string | undefined) => {
    const filename = options.filename ?? fallback
    if (!filename) throw new TasklaneError('Give the file a name: `filename`', { code: 'filename_required' })
    return filename
  }
  if (typeof file === 'string') {
    const [fs, stream, path] = await Promise.all([
      nodeModule('node:fs'),
      nodeModule('node:stream'),
      nodeModule('node:path'),
    ])
    const { size } = await fs.promises.stat(file)
    return {
      body: stream.Readable.toWeb(fs.createReadStream(file)),
      tus: fs.createReadStream(file),
      size,
      filename: named(path.basename(file)),
      contentType: options.contentType,
    }
  }
  if (typeof Blob !== 'undefined' && file instanceof Blob) {
    const name = typeof File !== 'undefined' && file instanceof File ? file.name : undefined
    return {
      body: file,
      // tus-js-client reads Blobs in browsers, Node's byte buffers in Node.
      tus: NodeBuffer ? NodeBuffer.from(await file.arrayBuffer()) : file,
      size: file.size,
      filename: named(name),
      contentType: options.contentType ?? (file.type || undefined),
    }
  }
  if (file instanceof ArrayBuffer || ArrayBuffer.isView(file)) {
    const bytes =
      file instanceof ArrayBuffer ? new Uint8Array(file) : new Uint8Array(file.buffer, file.byteOffset, file.byteLength)
    return {
      body: bytes,
      tus: NodeBuffer
        ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : new Blob([bytes as BlobPart]),
      size: bytes.byteLength,
      filename: named(undefined),
      contentType: options.contentType,
    }
  }
  if (typeof ReadableStream !== 'undefined' && file instanceof ReadableStream) {
    return {
      body: file,
      tus: NodeBuffer ? (await nodeModule('node:stream')).Readable.fromWeb(file) : file.getReader(),
      size: options.size ?? null,
      filename: named(undefined),
      contentType: options.contentType,
    }
  }
  // A Node Readable.
  const { Readable } = await nodeModule('node:stream')
  return {
    body: Readable.toWeb(file),
    tus: file,
    size: options.size ?? null,
    filename: named(undefined),
    contentType: options.contentType,
  }
}

/** Counts the bytes of a stream as the request reads them. */
function counted(body: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  let sent = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength
        onBytes(sent)
        controller.enqueue(chunk)
      },
    }),
  )
}

async function uploadAtOnce(tl: TasklaneClient, options: UploadOptions, source: Source): Promise<Attachment> {
  const { onProgress } = options
  const total = source.size
  const body =
    onProgress && source.body instanceof ReadableStream
      ? counted(source.body, (bytesSent) => onProgress({ bytesSent, totalBytes: total }))
      : source.body
  const result = await tl.POST('/v1/projects/{projectId}/attachments', {
    params: {
      path: { projectId: options.projectId },
      query: { filename: source.filename, ...options.attachTo, ...(options.sha256 ? { sha256: options.sha256 } : {}) },
    },
    body: body as never,
    bodySerializer: (b: unknown) => b as never,
    headers: { 'Content-Type': source.contentType ?? 'application/octet-stream' },
    ...(options.signal ? { signal: options.signal } : {}),
  })
  if (result.error !== undefined || !result.data) throw errorFromResponse(result.response, result.error)
  if (onProgress && !(source.body instanceof ReadableStream)) {
    onProgress({ bytesSent: result.data.size, totalBytes: result.data.size })
  }
  return result.data
}

function uploadResumably(tl: TasklaneClient, options: UploadOptions, source: Source): Promise<Attachment> {
  if (source.size === null) {
    throw new TasklaneError('A stream is sent resumably only with its `size`', { code: 'size_required' })
  }
  const metadata: Record<string, string> = { filename: source.filename }
  if (source.contentType) metadata.filetype = source.contentType
  for (const [key, value] of Object.entries(options.attachTo ?? {})) metadata[key] = value
  if (options.sha256) metadata.sha256 = options.sha256
  const stack = new ClientHttpStack(tl)
  let reported = -1
  return new Promise<Attachment>((resolve, reject) => {
    const tus = new Upload(source.tus as Blob, {
      endpoint: `${ORIGIN}/v1/projects/${encodeURIComponent(options.projectId)}/uploads`,
      metadata,
      uploadSize: source.size,
      chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
      retryDelays: options.retryDelays ?? [0, 1000, 3000, 5000, 10_000],
      httpStack: stack,
      // Resuming is within this call; an upload left unfinished expires on the server.
      storeFingerprintForResuming: false,
      // Refusals (4xx but 409, 423, 429) are final; the rest (network, 5xx, 409 offset) retried from HEAD.
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus() ?? 0
        return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500
      },
      // tus-js-client reports a chunk's start and its end (and both again after a retry): each count once.
      onProgress: options.onProgress
        ? (bytesSent, totalBytes) => {
            if (bytesSent <= reported) return
            reported = bytesSent
            options.onProgress?.({ bytesSent, totalBytes })
          }
        : null,
      onSuccess: ({ lastResponse }) => resolve(JSON.parse(lastResponse.getBody()) as Attachment),
      onError: (err) => {
        const detailed = err as { originalResponse?: HttpResponse | null }
        const response = detailed.originalResponse?.getUnderlyingObject() as Response | undefined
        if (response && response.status >= 400) {
          let problem: unknown
          try {
            problem = JSON.parse(detailed.originalResponse?.getBody() ?? '')
          } catch {
            problem = undefined
          }
          reject(errorFromResponse(response, problem))
          return
        }
        reject(stack.failure ?? err)
      },
    })
    options.signal?.addEventListener(
      'abort',
      () => {
        // Cancelled on the server too, so the bytes and the hold on the quota go at once.
        tus.abort(true).catch(() => {})
        reject(new AbortError('The upload was aborted'))
      },
      { once: true },
    )
    tus.start()
  })
}

/**
 * tus-js-client's requests sent through the Tasklane client: its base URL, credentials, session refresh,
 * timeouts and middleware apply to them as to any call.
 */
class ClientHttpStack implements HttpStack {
  /** The SDK error behind the last failed request (network, timeout), for the upload's own error. */
  failure: unknown

  constructor(private readonly tl: TasklaneClient) {}

  getName() {
    return 'tasklane'
  }

  createRequest(method: string, url: string): HttpRequest {
    const headers: Record<string, string> = {}
    const controller = new AbortController()
    let progress: (bytesSent: number) => void = () => {}
    const stack = this
    const path = new URL(url, ORIGIN).pathname
    return {
      getMethod: () => method,
      getURL: () => url,
      setHeader: (name, value) => {
        headers[name] = value
      },
      getHeader: (name) => headers[name],
      setProgressHandler: (handler) => {
        progress = handler
      },
      abort: async () => controller.abort(),
      getUnderlyingObject: () => controller,
      async send(body: unknown): Promise<HttpResponse> {
        const call = stack.tl[method as 'POST'] as unknown as (
          path: string,
          init: Record<string, unknown>,
        ) => Promise<{ response: Response; data?: unknown; error?: unknown }>
        let result: { response: Response; data?: unknown; error?: unknown }
        try {
          result = await call(path, {
            headers,
            parseAs: 'text',
            signal: controller.signal,
            ...(body === undefined || body === null
              ? {}
              : { body: await bodyOf(body), bodySerializer: (b: unknown) => b }),
          })
        } catch (err) {
          stack.failure = err
          throw err
        }
        const size = byteLength(body)
        if (size !== null) progress(size)
        const text =
          typeof result.data === 'string'
            ? result.data
            : result.error === undefined
              ? ''
              : typeof result.error === 'string'
                ? result.error
                : JSON.stringify(result.error)
        const response = result.response
        return {
          getStatus: () => response.status,
          getHeader: (name) => response.headers.get(name) ?? undefined,
          getBody: () => text,
          getUnderlyingObject: () => response,
        }
      },
    }
  }
}

function byteLength(body: unknown): number | null {
  if (body instanceof Uint8Array) return body.byteLength
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size
  return null
}

/** A chunk as fetch sends it: tus-js-client gives bytes or Blobs, or (Node, from a file) a ReadStream. */
async function bodyOf(body: unknown): Promise<unknown> {
  if (body instanceof Uint8Array || (typeof Blob !== 'undefined' && body instanceof Blob)) return body
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  const whole = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    whole.set(chunk, at)
    at += chunk.byteLength
  }
  return whole
}
